import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RunCreate } from '../schema/run.js';
import { isPlainObject, parseIsoTimestamp, validateRunCreate } from '../schema/validate-run.js';
import type { ServerContext } from './context.js';
import { resolveLineage } from './dotted-order.js';
import { errorReply, isJsonContentType, type JsonParse, type Reply } from './http-io.js';

/**
 * The checks every ingestion endpoint makes before looking at runs, in the order the service's
 * layers would reject a request: key, media type, JSON syntax. Undefined when all pass.
 */
export function refuseRequest(ctx: ServerContext, headers: IncomingHttpHeaders, json: JsonParse): Reply | undefined {
  if (!ctx.checkApiKey(headerValue(headers, 'x-api-key'))) return errorReply(401, 'Unauthorized');
  if (!isJsonContentType(headers['content-type'])) {
    return errorReply(415, `Unsupported Media Type: expected application/json, got ${headers['content-type'] ?? 'none'}`);
  }
  if (!json.ok) return errorReply(422, `JSON parse error: ${json.error}`);
  return undefined;
}

/** `POST /runs`, checked in the order the service's layers would reject it. */
export function ingestRun(ctx: ServerContext, headers: IncomingHttpHeaders, json: JsonParse): Reply {
  const refused = refuseRequest(ctx, headers, json);
  if (refused) return refused;

  const body = withRunId(json.ok ? json.value : undefined);
  const runId = isPlainObject(body) && typeof body['id'] === 'string' ? body['id'] : undefined;
  const validation = validateRunCreate(body);
  if (!validation.ok) return errorReply(422, validation.errors.join('; '), { runId });
  const run = validation.run;

  if (ctx.store.get(run.id)) return errorReply(409, 'Run already exists', { runId });
  const parent = run.parent_run_id === undefined ? undefined : ctx.store.get(run.parent_run_id);
  if (run.parent_run_id !== undefined && !parent) {
    return errorReply(404, `Parent run ${run.parent_run_id} not found`, { runId });
  }
  // validateRunCreate accepted start_time, so it parses.
  const lineage = resolveLineage(run, parseIsoTimestamp(run.start_time)!, parent);
  if (!lineage.ok) return errorReply(400, lineage.detail, { runId });

  storeRun(ctx, run, lineage);
  return { status: 200, body: {}, runId };
}

/** Stores an accepted run and restarts its trace's quiet period. */
export function storeRun(ctx: ServerContext, run: RunCreate, lineage: { trace_id: string; dotted_order: string }): void {
  ctx.store.add({ ...run, trace_id: lineage.trace_id, dotted_order: lineage.dotted_order, received_at: Date.now() });
  ctx.traceWatch.touch(lineage.trace_id);
}

/** The service assigns an id to a run posted without one. */
function withRunId(body: unknown): unknown {
  return isPlainObject(body) && (body['id'] === undefined || body['id'] === null) ? { ...body, id: randomUUID() } : body;
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
