import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { ConnectionOptions } from 'node:tls';
import { Pool } from 'undici';

// The exporter's own requests are never traced, and carry nothing of the caller's context (one
// context for all: deriving one from the active context copied its entries on every request).
const SUPPRESSED = suppressTracing(ROOT_CONTEXT);

export interface TransportResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string | string[] | undefined>;
  /** The body as text, cut at the transport's response limit. */
  body: string;
}

/** Sends one request and reports what came back; never retries. */
export interface Transport {
  post(path: string, body: string, signal?: AbortSignal): Promise<TransportResponse>;
  get(path: string, signal?: AbortSignal): Promise<TransportResponse>;
  /** Lets in-flight requests finish, then closes connections. */
  close(): Promise<void>;
  /** Aborts everything at once. */
  destroy(): Promise<void>;
}

export interface HttpTransportOptions {
  /** Base URL, possibly with a path prefix (self-hosted LangSmith lives under `/api/v1`). */
  endpoint: string;
  headers: Record<string, string>;
  connections: number;
  requestTimeoutMillis: number;
  /** Bytes of a response body kept for error details; the rest is discarded. */
  maxResponseBytes?: number;
  /** TLS settings for https endpoints (a private CA, client certificates) and socket options such as `lookup`. */
  connect?: Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'servername'> & { lookup?: typeof import('node:dns').lookup };
}

/** HTTP over one undici keep-alive pool. */
export class HttpTransport implements Transport {
  private readonly pool: Pool;
  private readonly basePath: string;
  readonly #postHeaders: Record<string, string>; // #private too: it holds the key

  // #private: util.inspect / JSON.stringify of the exporter must not show the x-api-key header.
  readonly #options: HttpTransportOptions;

  constructor(options: HttpTransportOptions) {
    this.#options = options;
    const url = new URL(options.endpoint);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.#postHeaders = { ...options.headers, 'content-type': 'application/json' };
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      pipelining: 1, // POSTs are not idempotent for undici; never pipeline them behind each other
      headersTimeout: options.requestTimeoutMillis,
      bodyTimeout: options.requestTimeoutMillis,
      keepAliveTimeout: 30_000,
      ...(options.connect ? { connect: options.connect } : {}),
    });
  }

  post(path: string, body: string, signal?: AbortSignal): Promise<TransportResponse> {
    return this.request('POST', path, body, signal);
  }

  get(path: string, signal?: AbortSignal): Promise<TransportResponse> {
    return this.request('GET', path, undefined, signal);
  }

  private request(method: 'GET' | 'POST', path: string, body: string | undefined, signal?: AbortSignal): Promise<TransportResponse> {
    // The exporter's own requests must never become spans (HTTP/undici auto-instrumentation).
    return context.with(SUPPRESSED, () => this.send(method, path, body, signal));
  }

  private async send(method: 'GET' | 'POST', path: string, body: string | undefined, signal?: AbortSignal): Promise<TransportResponse> {
    const deadline = Date.now() + this.#options.requestTimeoutMillis;
    const response = await this.pool.request({
      method,
      path: this.basePath + path,
      headers: body === undefined ? this.#options.headers : this.#postHeaders,
      body,
      signal,
    });
    // undici's timeouts are idle timeouts: a server dripping a byte at a time would hold the
    // attempt forever. One timer bounds the whole response (cheaper than a signal per request).
    const timer = setTimeout(
      () => response.body.destroy(Object.assign(new Error('response not complete within requestTimeoutMillis'), { code: 'UND_ERR_BODY_TIMEOUT' })),
      Math.max(0, deadline - Date.now()),
    );
    try {
      return {
        status: response.statusCode,
        headers: response.headers as Record<string, string | string[] | undefined>,
        body: withoutKey(
          await readCapped(response.body, this.#options.maxResponseBytes ?? 64 * 1024, Number(response.headers['content-length'] ?? Number.POSITIVE_INFINITY)),
          this.#options.headers['x-api-key'],
        ),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}

/** Reads at most `limit` bytes of a body; a larger body is cut off (the connection is dropped). */
async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown; text(): Promise<string> }, limit: number, declaredLength: number): Promise<string> {
  // LangSmith's answers are tiny and declare their length: read them whole, without iterating.
  if (declaredLength <= limit) return body.text();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > limit) {
      chunks.push(chunk.subarray(0, limit - size));
      body.destroy();
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A server (or a proxy) may echo the key in an error body; it must not reach logs or the spool through it. */
function withoutKey(text: string, key: string | undefined): string {
  return key && text.includes(key) ? text.split(key).join('[REDACTED]') : text;
}
