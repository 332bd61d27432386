import { randomBytes } from 'node:crypto';
import { runtimeJsonOf } from '../mapping/runtime-record.js';
import type { RunCreate } from '../schema/run.js';

// Stands in for a shared runtime record while the rest of the run is serialized; random per
// process, so no run content can contain it by chance or by design.
const MARKER = `\u0000otel-langsmith-runtime-${randomBytes(16).toString('hex')}`;
const MARKER_JSON = JSON.stringify(MARKER);
const MARKER_VALUE = MARKER as unknown as Record<string, unknown>;
const MARKER_AT_END = `${MARKER_JSON}}}`;

/**
 * `JSON.stringify(run)`, with the JSON of a shared runtime record spliced in instead of being
 * produced again for every run (see mapping/runtime-record.ts). Same text, byte for byte.
 */
export function stringifyRun(run: RunCreate): string {
  const extra = run.extra;
  const runtime = extra?.runtime;
  const runtimeJson = runtimeJsonOf(runtime);
  if (runtimeJson === undefined || !extra) return JSON.stringify(run);
  let body: string;
  try {
    extra.runtime = MARKER_VALUE;
    if (extra.runtime !== MARKER_VALUE) return JSON.stringify(run); // a read-only field (from transformRun)
    body = JSON.stringify(run);
  } catch {
    return JSON.stringify(run);
  } finally {
    if (extra.runtime === MARKER_VALUE) extra.runtime = runtime;
  }
  // mapSpan puts the runtime record last in `extra`, and `extra` last in the run: then the marker
  // ends the body and no search is needed (a search cost a quarter of the serialization).
  if (body.endsWith(MARKER_AT_END)) return body.slice(0, body.length - MARKER_AT_END.length) + runtimeJson + '}}';
  const at = body.indexOf(MARKER_JSON);
  return at < 0 ? JSON.stringify(run) : body.slice(0, at) + runtimeJson + body.slice(at + MARKER_JSON.length);
}
