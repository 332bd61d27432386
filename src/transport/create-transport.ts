import type { ResolvedConfig } from '../config/resolve-config.js';
import { HttpTransport, type Transport } from './http-transport.js';
import { LoggingTransport } from './logging-transport.js';

/** The transport a configuration asks for, with LangSmith's auth headers. */
export function createTransport(
  config: Pick<ResolvedConfig, 'headers' | 'apiKey' | 'workspaceId' | 'endpoint' | 'maxConcurrentRequests' | 'requestTimeoutMillis' | 'tls' | 'debug'>,
): Transport {
  const headers: Record<string, string> = { ...config.headers };
  if (config.apiKey) headers['x-api-key'] = config.apiKey;
  if (config.workspaceId) headers['x-tenant-id'] = config.workspaceId;
  const http = new HttpTransport({
    endpoint: config.endpoint,
    headers,
    connections: config.maxConcurrentRequests,
    requestTimeoutMillis: config.requestTimeoutMillis,
    ...(config.tls ? { connect: config.tls } : {}),
  });
  return config.debug ? new LoggingTransport(http, new URL(config.endpoint).pathname.replace(/\/$/, '')) : http;
}
