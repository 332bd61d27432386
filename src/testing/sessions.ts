import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ServerContext } from './context.js';
import { errorReply, type Reply } from './http-io.js';
import { headerValue } from './ingest.js';

export const SESSIONS_PATH = '/sessions';

/** LangSmith's default page size for `GET /sessions`, and the most it returns at once. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 100;

/** A stable id per project name, shaped like a UUID (LangSmith assigns real ones). */
function sessionId(name: string): string {
  const hex = createHash('sha256').update(`otel-langsmith local session ${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * `GET /sessions?limit=N[&name=...]`: the projects (tracer sessions) that runs were stored in,
 * shaped like LangSmith's TracerSession list entries. Read-only and authenticated exactly as
 * `POST /runs` is, so `otel-langsmith doctor` can prove a key without writing anything.
 */
export function listSessions(ctx: ServerContext, method: string, headers: IncomingHttpHeaders, query: URLSearchParams): Reply {
  if (method !== 'GET') return errorReply(405, 'Method Not Allowed', { headers: { allow: 'GET' } });
  if (!ctx.checkApiKey(headerValue(headers, 'x-api-key'))) return errorReply(401, 'Unauthorized');
  const rawLimit = query.get('limit');
  const limit = rawLimit === null ? DEFAULT_LIMIT : /^\d+$/.test(rawLimit) ? Number(rawLimit) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) return errorReply(422, `limit must be a whole number from 1 to ${MAX_LIMIT}, got ${rawLimit}`);
  const name = query.get('name');

  const sessions = new Map<string, { start_time: string; run_count: number; last_run_start_time: string }>();
  for (const run of ctx.store.all()) {
    const project = run.session_name ?? 'default';
    const seen = sessions.get(project);
    if (!seen) sessions.set(project, { start_time: run.start_time, run_count: 1, last_run_start_time: run.start_time });
    else {
      seen.run_count++;
      if (run.start_time < seen.start_time) seen.start_time = run.start_time;
      if (run.start_time > seen.last_run_start_time) seen.last_run_start_time = run.start_time;
    }
  }
  const body = [...sessions]
    .filter(([project]) => name === null || project === name)
    .slice(0, limit)
    .map(([project, facts]) => ({ id: sessionId(project), name: project, reference_dataset_id: null, ...facts }));
  return { status: 200, body };
}
