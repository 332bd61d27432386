import type { IncomingMessage, ServerResponse } from 'node:http';
import { diag } from '@opentelemetry/api';
import type { BridgeStats } from './bridge-stats.js';
import { encodeErrorStatus, encodeExportResponse, type EncodedBody, type OtlpFormat, type OtlpSignal } from './encode-response.js';
import { readBody } from './read-body.js';
import { receiveLogs } from './receive-logs.js';
import { receiveTraces, refuseWhenOverloaded, refuseWhileDraining, type ReceiveContext, type ReceiveOutcome } from './receive-traces.js';
import { addressedToLoopback } from '../net/loopback.js';

export const TRACES_PATH = '/v1/traces';
export const LOGS_PATH = '/v1/logs';

const RECEIVERS = { traces: receiveTraces, logs: receiveLogs } as const;
const SIGNAL_OF_PATH: Record<string, OtlpSignal> = { [TRACES_PATH]: 'traces', [LOGS_PATH]: 'logs' };
export const HEALTH_PATH = '/health';

export interface HandlerContext extends ReceiveContext {
  authorized(authorization: string | undefined): boolean;
  stats(): BridgeStats;
  /** Where the bridge listens, for `/health`: the gRPC port is null when that receiver is off. */
  listening(): { httpPort: number; grpcPort: number | null };
  /** Tracks a request until it is answered, for the graceful drain. */
  track(done: Promise<unknown>): void;
}

/**
 * The OTLP/HTTP receiver: `POST /v1/traces`, `POST /v1/logs` and `GET /health`; anything else
 * is 404 or 405. A thin adapter: it reads the body within the limits and checks the secret (the
 * same for both signals); what happens to the spans is receive-traces.ts's, to the log records
 * receive-logs.ts's, each shared with the gRPC receiver.
 */
export function createRequestHandler(ctx: HandlerContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const signal = path === undefined ? undefined : SIGNAL_OF_PATH[path];
    if (signal) {
      if (req.method !== 'POST') return refuse(res, 405, 'json', `${path} takes POST`, { allow: 'POST' });
      // Tracked until the answer is written out (or the connection is gone), not just decided.
      ctx.track(new Promise((resolve) => res.once('close', resolve)));
      receiveOverHttp(ctx, req, res, signal).catch((error: unknown) => {
        diag.error('otel-langsmith bridge: unexpected error handling a request', error);
        refuse(res, 500, 'json', 'internal error');
      });
      return;
    }
    if (path === HEALTH_PATH) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'json', `${HEALTH_PATH} takes GET`, { allow: 'GET, HEAD' });
      return health(ctx, req, res);
    }
    refuse(res, 404, 'json', `no such path; OTLP/HTTP traces go to POST ${TRACES_PATH}, logs to POST ${LOGS_PATH}`);
  };
}

function health(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): void {
  const body = Buffer.from(JSON.stringify({ status: ctx.draining() ? 'draining' : 'ok', ...ctx.listening(), ...ctx.stats() }));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

async function receiveOverHttp(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, signal: OtlpSignal): Promise<void> {
  const { counters, options } = ctx;
  counters.requests++;
  if (signal === 'logs') counters.logRequests++;
  const format = formatOf(req.headers['content-type']);
  const answerFormat = format ?? 'json';
  const no = (status: number, answerIn: OtlpFormat, message: string, headers: Record<string, string> = {}): void =>
    refuse(res, status, answerIn, message, headers, DISCARD_FACTOR * options.maxBodyBytes);
  const reply = (outcome: ReceiveOutcome, answerIn: OtlpFormat): void => {
    if (outcome.kind === 'accepted') return answer(res, 200, encodeExportResponse(answerIn, outcome.partial, signal));
    if (outcome.kind === 'retry') return no(RETRY_STATUS[outcome.reason], answerIn, outcome.message, { 'retry-after': String(outcome.retryAfterSeconds) });
    return no(REFUSED_STATUS[outcome.reason], answerIn, outcome.message);
  };

  const draining = refuseWhileDraining(ctx);
  if (draining) return reply(draining, answerFormat);
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
  const busy = refuseWhenOverloaded(ctx);
  if (busy) return reply(busy, format);
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
  reply(await RECEIVERS[signal](ctx, read.body, format), format);
}

const RETRY_STATUS = { overloaded: 429, unavailable: 503 } as const;
const REFUSED_STATUS = { invalid: 400, 'too-large': 413 } as const;

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
