import { diag } from '@opentelemetry/api';
import type { Transport, TransportResponse } from './http-transport.js';

/**
 * Logs every request at diag debug level: method, path, status or error, latency. Never headers
 * or bodies (the key lives in one, prompts in the other).
 */
export class LoggingTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly basePath: string,
  ) {}

  async post(path: string, body: string, signal?: AbortSignal): Promise<TransportResponse> {
    const started = performance.now();
    const line = (outcome: string) =>
      `otel-langsmith: POST ${this.basePath}${path} ${outcome} ${(performance.now() - started).toFixed(1)} ms (${body.length} bytes)`;
    try {
      const response = await this.inner.post(path, body, signal);
      diag.debug(line(String(response.status)));
      return response;
    } catch (error) {
      diag.debug(line(`failed: ${(error as { code?: string }).code ?? (error as Error).message}`));
      throw error;
    }
  }

  async get(path: string, signal?: AbortSignal): Promise<TransportResponse> {
    const started = performance.now();
    const response = await this.inner.get(path, signal);
    diag.debug(`otel-langsmith: GET ${this.basePath}${path} ${response.status} ${(performance.now() - started).toFixed(1)} ms`);
    return response;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
