import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { ConnectionOptions } from 'node:tls';
import { Pool, type Dispatcher } from 'undici';
import { BodyEncoder } from './body-encoder.js';

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
  private readonly encoder = new BodyEncoder();
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

  private send(method: 'GET' | 'POST', path: string, body: string | undefined, signal?: AbortSignal): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      const collector = new ResponseCollector(
        this.#options.maxResponseBytes ?? 64 * 1024,
        Date.now() + this.#options.requestTimeoutMillis,
        this.#options.headers['x-api-key'],
        resolve,
        reject,
        signal,
      );
      try {
        // `dispatch` instead of `request`: no response stream, async resource or promise of
        // undici's own per request (17–18 instead of 22–25 µs of client CPU a POST against the
        // discard sink; BENCHMARKS.md, fifth round).
        this.pool.dispatch(
          body === undefined
            ? { method, path: this.basePath + path, headers: this.#options.headers }
            : { method, path: this.basePath + path, headers: this.#postHeaders, body: this.encoder.encode(body) },
          collector,
        );
      } catch (error) {
        collector.onResponseError(undefined, error as Error);
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}

type Controller = Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>[0];

/**
 * Collects one response for `dispatch`: status, headers and at most `limit` bytes of body (a larger
 * body is cut off and the connection dropped), all within the request's deadline.
 */
class ResponseCollector implements Dispatcher.DispatchHandler {
  private controller: Controller | undefined;
  private status = 0;
  private headers: TransportResponse['headers'] = {};
  private chunks: Buffer[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | undefined;
  private settled = false;
  private readonly onAbort: (() => void) | undefined;

  constructor(
    private readonly limit: number,
    private readonly deadline: number,
    private readonly apiKey: string | undefined,
    private readonly resolve: (response: TransportResponse) => void,
    private readonly reject: (error: Error) => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    if (signal) {
      this.onAbort = () => this.abort(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.signal?.aborted) this.onAbort!();
  }

  onResponseStart(_controller: Controller, statusCode: number, headers: Record<string, string | string[]>): void {
    this.status = statusCode;
    this.headers = headers;
    // undici's timeouts are idle timeouts: a server dripping a byte at a time would hold the
    // attempt forever. One timer bounds the whole response.
    this.timer ??= setTimeout(
      () => this.abort(Object.assign(new Error('response not complete within requestTimeoutMillis'), { code: 'UND_ERR_BODY_TIMEOUT' })),
      Math.max(0, this.deadline - Date.now()),
    );
  }

  onResponseData(_controller: Controller, chunk: Buffer): void {
    if (this.settled) return;
    if (this.size + chunk.length <= this.limit) {
      this.chunks.push(chunk);
      this.size += chunk.length;
      return;
    }
    this.chunks.push(chunk.subarray(0, this.limit - this.size));
    this.finish();
    this.controller?.abort(new Error('response body over the transport limit')); // drops the connection
  }

  onResponseEnd(): void {
    this.finish();
  }

  onResponseError(_controller: Controller | undefined, error: Error): void {
    this.cleanUp();
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }

  private abort(error: Error): void {
    if (this.controller) this.controller.abort(error);
    else this.onResponseError(undefined, error);
  }

  private finish(): void {
    this.cleanUp();
    if (this.settled) return;
    this.settled = true;
    const text = this.chunks.length === 1 ? this.chunks[0]!.toString('utf8') : Buffer.concat(this.chunks).toString('utf8');
    this.resolve({ status: this.status, headers: this.headers, body: withoutKey(text, this.apiKey) });
  }

  private cleanUp(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.onAbort) this.signal!.removeEventListener('abort', this.onAbort);
  }
}

/** A server (or a proxy) may echo the key in an error body; it must not reach logs or the spool through it. */
function withoutKey(text: string, key: string | undefined): string {
  return key && text.includes(key) ? text.split(key).join('[REDACTED]') : text;
}
