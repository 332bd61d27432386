import type { IncomingMessage, ServerResponse } from 'node:http';
import { diag } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { LangSmithSpanExporter } from '../exporter/langsmith-span-exporter.js';
import { overloaded } from './backpressure.js';
import type { ResolvedBridgeOptions } from './bridge-options.js';
import type { BridgeCounters, BridgeStats } from './bridge-stats.js';
import { decodeJsonRequest } from './decode-json.js';
import { decodeProtobufRequest } from './decode-protobuf.js';
import { countJsonSpans, countProtobufSpans } from './span-count.js';
import { encodeErrorStatus, encodeExportResponse, type EncodedBody, type OtlpFormat, type PartialSuccess } from './encode-response.js';
import { judgeExport } from './export-outcome.js';
import { OtlpDecodeError, type OtlpTraceRequest } from './otlp-model.js';
import { readBody } from './read-body.js';
import { toReadableSpans } from './to-readable-span.js';
import { addressedToLoopback } from '../net/loopback.js';

export const TRACES_PATH = '/v1/traces';
export const HEALTH_PATH = '/health';

export interface HandlerContext {
  options: ResolvedBridgeOptions;
  exporter: LangSmithSpanExporter;
  counters: BridgeCounters;
  authorized(authorization: string | undefined): boolean;
  draining(): boolean;
  stats(): BridgeStats;
  /** Tracks a request until it is answered, for the graceful drain. */
  track(done: Promise<unknown>): void;
}

const DECODERS: Record<OtlpFormat, (body: Uint8Array) => OtlpTraceRequest> = {
  protobuf: decodeProtobufRequest,
  json: decodeJsonRequest,
};

/** The OTLP/HTTP receiver: `POST /v1/traces` and `GET /health`; anything else is 404 or 405. */
export function createRequestHandler(ctx: HandlerContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === TRACES_PATH) {
      if (req.method !== 'POST') return refuse(res, 405, 'json', `${TRACES_PATH} takes POST`, { allow: 'POST' });
      // Tracked until the answer is written out (or the connection is gone), not just decided.
      ctx.track(new Promise((resolve) => res.once('close', resolve)));
      receiveTraces(ctx, req, res).catch((error: unknown) => {
        diag.error('otel-langsmith bridge: unexpected error handling a request', error);
        refuse(res, 500, 'json', 'internal error');
      });
      return;
    }
    if (path === HEALTH_PATH) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'json', `${HEALTH_PATH} takes GET`, { allow: 'GET, HEAD' });
      return health(ctx, req, res);
    }
    refuse(res, 404, 'json', `no such path; OTLP/HTTP traces go to POST ${TRACES_PATH}`);
  };
}

function health(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): void {
  const body = Buffer.from(JSON.stringify({ status: ctx.draining() ? 'draining' : 'ok', ...ctx.stats() }));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

async function receiveTraces(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { counters, options } = ctx;
  counters.requests++;
  const format = formatOf(req.headers['content-type']);
  const answerFormat = format ?? 'json';
  const retryAfter = { 'retry-after': String(options.retryAfterSeconds) };
  const no = (status: number, answerIn: OtlpFormat, message: string, headers: Record<string, string> = {}): void =>
    refuse(res, status, answerIn, message, headers, DISCARD_FACTOR * options.maxBodyBytes);

  if (ctx.draining()) {
    counters.unavailable++;
    return no(503, answerFormat, 'the bridge is shutting down', retryAfter);
  }
  // Without a secret, only requests naming a loopback host: a web page cannot post spans through a
  // DNS-rebound name in the user's browser.
  if (options.sharedSecret === undefined && !addressedToLoopback(req.headers.host)) {
    counters.refused++;
    return no(403, answerFormat, 'requests to a bridge without a shared secret must name a loopback host');
  }
  if (!ctx.authorized(req.headers.authorization)) {
    counters.refused++;
    return no(401, answerFormat, 'missing or wrong Authorization: Bearer <shared secret>', { 'www-authenticate': 'Bearer' });
  }
  if (!format) {
    counters.refused++;
    return no(415, 'json', `unsupported content type ${JSON.stringify(req.headers['content-type'] ?? '')}; send application/x-protobuf or application/json`);
  }
  const gzip = gzipped(req.headers['content-encoding']);
  if (gzip === undefined) {
    counters.refused++;
    return no(415, format, `unsupported content encoding ${JSON.stringify(req.headers['content-encoding'])}; send gzip or none`);
  }
  if (overloaded(ctx.exporter.stats(), options.maxPendingRuns)) {
    counters.throttled++;
    return no(429, format, `too many runs pending delivery to LangSmith (over ${options.maxPendingRuns}); retry later`, retryAfter);
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > options.maxBodyBytes) {
    counters.refused++;
    return no(413, format, `the request body exceeds the limit of ${options.maxBodyBytes} bytes`);
  }

  const read = await readBody(req, gzip, options);
  if (!read.ok) {
    if (read.status === 0) return; // the client is gone
    counters.refused++;
    return no(read.status, format, read.message);
  }
  const spanCount = format === 'json' ? countJsonSpans(read.body) : countProtobufSpans(read.body);
  if (spanCount > options.maxSpansPerRequest) {
    counters.refused++;
    return no(413, format, `the request holds about ${spanCount} spans, over the limit of ${options.maxSpansPerRequest}; send smaller batches`);
  }
  let request: OtlpTraceRequest;
  try {
    request = DECODERS[format](read.body);
  } catch (error) {
    counters.refused++;
    const message = error instanceof OtlpDecodeError ? error.message : `undecodable request: ${String(error)}`;
    return no(400, format, message);
  }

  const { spans, rejected, reasons } = toReadableSpans(request);
  counters.spansReceived += spans.length + rejected;
  const invalid: PartialSuccess | undefined = rejected
    ? { rejectedSpans: rejected, errorMessage: `${rejected} spans rejected: ${reasons.join('; ')}` }
    : undefined;
  if (spans.length === 0) {
    counters.spansRejected += rejected;
    return answer(res, 200, encodeExportResponse(format, invalid));
  }

  const verdict = judgeExport(await exportSpans(ctx.exporter, spans));
  if (verdict.kind === 'transient') {
    counters.unavailable++;
    return no(503, format, `not delivered to LangSmith yet, retry: ${verdict.message}`, retryAfter);
  }
  if (verdict.kind === 'delivered') {
    counters.spansRejected += rejected;
    return answer(res, 200, encodeExportResponse(format, invalid));
  }
  // Refused by LangSmith for good: resending would not help, so say so and take the rest.
  const refusedRuns = Math.min(verdict.runs, spans.length);
  counters.spansRejected += rejected + refusedRuns;
  const messages = [invalid?.errorMessage, `${refusedRuns} spans refused by LangSmith: ${verdict.message}`].filter(Boolean);
  return answer(res, 200, encodeExportResponse(format, { rejectedSpans: rejected + refusedRuns, errorMessage: messages.join('; ') }));
}

function exportSpans(exporter: LangSmithSpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

/** `application/x-protobuf` (or `application/protobuf`) and `application/json`, parameters ignored. */
function formatOf(contentType: string | undefined): OtlpFormat | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

/** true for gzip, false for none, undefined for an encoding we cannot read. */
function gzipped(contentEncoding: string | undefined): boolean | undefined {
  const encoding = contentEncoding?.trim().toLowerCase() ?? '';
  if (encoding === '' || encoding === 'identity') return false;
  if (encoding === 'gzip' || encoding === 'x-gzip') return true;
  return undefined;
}

function answer(res: ServerResponse, status: number, body: EncodedBody, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-type': body.contentType, 'content-length': body.body.length });
  res.end(body.body);
}

/** A refused body is read and thrown away up to this many times `maxBodyBytes`, so the sender sees the answer. */
const DISCARD_FACTOR = 4;
/** …and for at most this long. */
const DISCARD_MILLIS = 10_000;
const DEFAULT_DISCARD_BYTES = 1024 * 1024;

/**
 * An error answer: a google.rpc.Status in the request's encoding.
 *
 * A body not read to its end is then read and discarded, up to `discardBytes`: closing the
 * connection on a sender still writing would reset it, and a reset can destroy the answer
 * before the sender reads it, turning a final 413 into a network error it retries forever.
 * Past the limit (or when the declared length is already past it) the connection closes.
 */
function refuse(
  res: ServerResponse,
  status: number,
  format: OtlpFormat,
  message: string,
  headers: Record<string, string> = {},
  discardBytes = DEFAULT_DISCARD_BYTES,
): void {
  const req = res.req;
  const declared = Number(req.headers['content-length'] ?? 0);
  const unread = (req.headers['transfer-encoding'] !== undefined || declared > 0) && !req.readableEnded;
  if (!unread) return answer(res, status, encodeErrorStatus(format, message), headers);
  if (declared > discardBytes) return answer(res, status, encodeErrorStatus(format, message), { ...headers, connection: 'close' });
  answer(res, status, encodeErrorStatus(format, message), headers);
  discardRest(req, discardBytes);
}

/** Reads what is left of a request body into nothing; destroys the connection past the limits. */
function discardRest(req: IncomingMessage, maxBytes: number): void {
  let discarded = 0;
  const stop = (): void => {
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(stop, DISCARD_MILLIS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > maxBytes) stop();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}
