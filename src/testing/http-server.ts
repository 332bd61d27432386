import { diag } from '@opentelemetry/api';
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { isPlainObject } from '../schema/validate-run.js';
import { BATCH_PATH, batchRunIds, ingestBatch } from './batch.js';
import type { ServerContext } from './context.js';
import { handleControl } from './control-endpoints.js';
import { EVENTS_PATH } from './events.js';
import { FEEDBACK_PATH, ingestFeedback } from './feedback.js';
import { errorReply, parseJson, readBody, sendReply, type JsonParse, type Reply } from './http-io.js';
import { headerValue, ingestRun } from './ingest.js';
import { listSessions, SESSIONS_PATH } from './sessions.js';
import { addressedToLoopback, isLoopback } from '../net/loopback.js';
import type { Fault, RequestRecord } from './types.js';

const CONTROL_PREFIX = '/_local/';
const PATCH_RUN_PATH = /^\/runs\/([^/]+)$/;

export function createRequestListener(ctx: ServerContext): RequestListener {
  return (req, res) => {
    handle(ctx, req, res).catch((error: unknown) => {
      diag.error('otel-langsmith local server: request handling failed', error);
      if (res.headersSent) res.destroy();
      else sendReply(res, errorReply(500, `local server error: ${error instanceof Error ? error.message : String(error)}`));
    });
  };
}

/**
 * Paths of the LangSmith API surface and the control endpoints, which `extraRoutes` may not
 * serve: `/runs` and all under it (PATCH /runs/{id} and the batch endpoints included).
 */
export function isOwnedPath(path: string): boolean {
  return (
    path === '/runs' ||
    path.startsWith('/runs/') ||
    path === FEEDBACK_PATH ||
    path === '/info' ||
    path === '/health' ||
    path === SESSIONS_PATH ||
    path === CONTROL_PREFIX.slice(0, -1) ||
    path.startsWith(CONTROL_PREFIX)
  );
}

async function handle(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const at = Date.now();
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://local');
  const path = url.pathname;
  if (ctx.extraRoutes && !isOwnedPath(path) && (await ctx.extraRoutes(req, res))) return;
  const read = await readBody(req, ctx.maxBodyBytes);
  if (read.kind === 'aborted') return;

  if (path.startsWith(CONTROL_PREFIX)) {
    if (!isLoopback(req.socket.remoteAddress ?? '') || !addressedToLoopback(req.headers.host)) {
      sendReply(res, errorReply(403, 'The /_local/ endpoints only answer loopback clients addressing a loopback host'));
    } else if (read.kind === 'too-large') {
      sendReply(res, tooLarge(ctx));
    } else if (path === EVENTS_PATH) {
      if (method === 'GET') ctx.events.open(res);
      else sendReply(res, errorReply(405, 'Method Not Allowed', { headers: { allow: 'GET' } }));
    } else {
      sendReply(res, handleControl(ctx, method, path, parseJson(read.bytes)));
    }
    return;
  }

  const apiKey = headerValue(req.headers, 'x-api-key');
  const tenantId = headerValue(req.headers, 'x-tenant-id');
  const record: RequestRecord = { method, path, status: 0, at, apiKeyPresent: apiKey !== undefined && apiKey !== '' };
  if (tenantId !== undefined) record.tenantId = tenantId;
  const answer = (reply: Reply): void => {
    sendReply(res, reply);
    ctx.requestLog.add(withReply(record, reply));
  };

  if (read.kind === 'too-large') {
    answer(tooLarge(ctx));
    return;
  }
  const json = parseJson(read.bytes);
  if (json.ok) record.body = json.value;
  const runId = requestedRunId(method, path, json);
  if (runId !== undefined) record.runId = runId;
  const runIds = path === BATCH_PATH ? batchRunIds(json) : undefined;
  if (runIds !== undefined) record.runIds = runIds;

  const fault = ctx.faults.take({ method, path, body: json.ok ? json.value : undefined });
  if (fault && (await applyFault(ctx, fault, req, res, record, answer)) === 'answered') return;
  // Only a key LangSmith knows is counted: a wrong key gets its 401 from the route, as there.
  if (ctx.rateLimit && method === 'POST' && (path === '/runs' || path === BATCH_PATH) && ctx.checkApiKey(apiKey) && !ctx.rateLimit.take(apiKey ?? '')) {
    const seconds = ctx.rateLimit.retryAfterSeconds;
    answer(errorReply(429, `Rate limit exceeded for this API key; retry after ${seconds} s`, { headers: { 'retry-after': String(seconds) } }));
    return;
  }
  answer(route(ctx, method, path, req.headers, json, url.searchParams));
}

/** Closes the connection: the rest of an oversized body is not worth reading. */
function tooLarge(ctx: ServerContext): Reply {
  return errorReply(413, `Request body exceeds ${ctx.maxBodyBytes} bytes`, { headers: { connection: 'close' } });
}

function route(ctx: ServerContext, method: string, path: string, headers: IncomingHttpHeaders, json: JsonParse, query: URLSearchParams): Reply {
  if (path === SESSIONS_PATH) return listSessions(ctx, method, headers, query);
  if (path === '/runs' && method === 'POST') return ingestRun(ctx, headers, json);
  if (path === FEEDBACK_PATH && method === 'POST') return ingestFeedback(ctx, headers, json);
  if (path === BATCH_PATH) {
    return method === 'POST' ? ingestBatch(ctx, headers, json) : errorReply(405, 'Method Not Allowed', { headers: { allow: 'POST' } });
  }
  if (PATCH_RUN_PATH.test(path) && method === 'PATCH') {
    return errorReply(
      405,
      'PATCH /runs/{run_id} is not supported: this local server only accepts single-request runs ' +
        '(POST /runs with outputs, error and end_time included)',
    );
  }
  if (path === '/info' && method === 'GET') {
    return {
      status: 200,
      body: { version: 'local', batch_ingest_config: { size_limit_bytes: ctx.maxBodyBytes, size_limit: ctx.maxBatchRuns } },
    };
  }
  if (path === '/health' && method === 'GET') return { status: 200, body: { status: 'ok' } };
  return errorReply(404, 'Not Found');
}

function requestedRunId(method: string, path: string, json: JsonParse): string | undefined {
  if (path === BATCH_PATH) return undefined;
  if (method === 'PATCH') return PATCH_RUN_PATH.exec(path)?.[1];
  const id = json.ok && isPlainObject(json.value) ? json.value['id'] : undefined;
  return typeof id === 'string' ? id : undefined;
}

function withReply(record: RequestRecord, reply: Reply): RequestRecord {
  const done: RequestRecord = { ...record, status: reply.status };
  if (reply.detail !== undefined) done.detail = reply.detail;
  if (reply.runId !== undefined) done.runId = reply.runId;
  return done;
}

/** 'continue' when the fault only delayed the request and normal handling should follow. */
async function applyFault(
  ctx: ServerContext,
  fault: Fault,
  req: IncomingMessage,
  res: ServerResponse,
  record: RequestRecord,
  answer: (reply: Reply) => void,
): Promise<'answered' | 'continue'> {
  if (fault.delayMs !== undefined) {
    try {
      await sleep(fault.delayMs, undefined, { signal: ctx.shutdown });
    } catch {
      return 'answered'; // close() cut the delay short and destroyed the socket
    }
  }
  const unanswered = (detail: string): void => ctx.requestLog.add({ ...record, detail });
  if (fault.reset === 'before-headers') {
    unanswered('injected fault: connection reset before headers');
    req.socket.destroy();
  } else if (fault.reset === 'after-headers') {
    unanswered('injected fault: connection reset after headers');
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    res.write('{"detail":', () => req.socket.destroy());
  } else if (fault.hang) {
    unanswered('injected fault: hang');
  } else if (fault.status !== undefined) {
    answer({
      status: fault.status,
      body: fault.body ?? { detail: 'injected fault' },
      detail: 'injected fault',
      ...(fault.retryAfter === undefined ? {} : { headers: { 'retry-after': fault.retryAfter } }),
    });
  } else {
    return 'continue';
  }
  return 'answered';
}
