import type { ServerContext } from './context.js';
import { faultFromJson } from './faults.js';
import { errorReply, type JsonParse, type Reply } from './http-io.js';
import { buildTraces } from './tree.js';

type ControlHandler = (ctx: ServerContext, json: JsonParse) => Reply;

const CONTROL_ROUTES: Record<string, Partial<Record<string, ControlHandler>>> = {
  '/_local/runs': { GET: (ctx) => ({ status: 200, body: ctx.store.all() }) },
  '/_local/traces': { GET: (ctx) => ({ status: 200, body: buildTraces(ctx.store.all()) }) },
  '/_local/feedback': { GET: (ctx) => ({ status: 200, body: ctx.feedback.all() }) },
  '/_local/requests': { GET: (ctx) => ({ status: 200, body: ctx.requestLog.all() }) },
  '/_local/faults': {
    POST: (ctx, json) => {
      if (!json.ok) return errorReply(422, `JSON parse error: ${json.error}`);
      const parsed = faultFromJson(json.value);
      if (!parsed.ok) return errorReply(422, parsed.error);
      ctx.faults.inject(parsed.fault);
      return { status: 204 };
    },
  },
  '/_local/state': {
    DELETE: (ctx) => {
      ctx.reset();
      return { status: 204 };
    },
  },
};

/** Inspection and control for tests and the dev CLI; callers must be local (checked by the caller). */
export function handleControl(ctx: ServerContext, method: string, path: string, json: JsonParse): Reply {
  const route = CONTROL_ROUTES[path];
  if (!route) return errorReply(404, 'Not Found');
  const handler = route[method];
  if (!handler) return errorReply(405, 'Method Not Allowed', { headers: { allow: Object.keys(route).join(', ') } });
  return handler(ctx, json);
}
