import type { IncomingHttpHeaders } from 'node:http';
import type { RunCreate } from '../schema/run.js';
import { isPlainObject, parseIsoTimestamp, validateRunCreate } from '../schema/validate-run.js';
import type { ServerContext } from './context.js';
import { checkGivenLineage, UNKNOWN_PARENT, type ParentLineage } from './dotted-order.js';
import { errorReply, type JsonParse, type Reply } from './http-io.js';
import { refuseRequest, storeRun } from './ingest.js';

export const BATCH_PATH = '/runs/batch';

const BATCH_FIELDS = new Set(['post', 'patch']);

/** Most to least fundamental: the status of a rejected batch is that of its worst problem. */
const STATUS_RANK = [422, 400, 404] as const;
type ProblemStatus = (typeof STATUS_RANK)[number];

interface Problem {
  status: ProblemStatus;
  text: string;
}

type LineagedRun = RunCreate & { trace_id: string; dotted_order: string };

/** The string ids of a batch body's `post` entries, for the request log; undefined for other bodies. */
export function batchRunIds(json: JsonParse): string[] | undefined {
  if (!json.ok || !isPlainObject(json.value) || !Array.isArray(json.value['post'])) return undefined;
  return json.value['post'].flatMap((run: unknown) => (isPlainObject(run) && typeof run['id'] === 'string' ? [run['id']] : []));
}

/**
 * `POST /runs/batch` (`{post, patch}`), all or nothing as the service does it: one bad run
 * rejects the batch, every problem listed; nothing is stored unless all pass. Runs already
 * stored, or repeated within the batch, are skipped so that a replayed batch succeeds.
 */
export function ingestBatch(ctx: ServerContext, headers: IncomingHttpHeaders, json: JsonParse): Reply {
  const refused = refuseRequest(ctx, headers, json);
  if (refused) return refused;
  const body = json.ok ? json.value : undefined;
  if (!isPlainObject(body)) return errorReply(422, 'body: must be a JSON object {"post": [...], "patch": [...]}');

  const envelope: string[] = [];
  for (const key of Object.keys(body)) {
    if (!BATCH_FIELDS.has(key)) envelope.push(`${key}: unknown field (a batch holds post and patch)`);
  }
  const post = entries(body, 'post', envelope);
  const patch = entries(body, 'patch', envelope);
  if (patch.length > 0) {
    envelope.push(
      `patch: ${patch.length} entr${patch.length === 1 ? 'y' : 'ies'} refused: this local server only accepts complete runs ` +
        'in post (outputs, error and end_time included), as the otel-langsmith exporter sends them; it never patches',
    );
  }
  if (post.length + patch.length > ctx.maxBatchRuns) {
    envelope.push(`batch holds ${post.length + patch.length} runs, more than size_limit ${ctx.maxBatchRuns} (see GET /info)`);
  }
  if (envelope.length > 0) return errorReply(422, envelope.join('; '));

  const checked = checkPostedRuns(ctx, post);
  if (checked.problems.length > 0) {
    const status = STATUS_RANK.find((rank) => checked.problems.some((p) => p.status === rank)) ?? 422;
    const detail = checked.problems.map((p) => p.text).join('; ');
    return errorReply(status, `batch rejected, nothing stored: ${detail}`);
  }

  for (const run of checked.accepted) storeRun(ctx, run, run);
  const reply: Reply = { status: 202, body: {} };
  if (checked.skipped.length > 0) {
    reply.detail = `${checked.skipped.length} run(s) already stored or repeated in the batch, skipped: ${checked.skipped.join(', ')}`;
  }
  return reply;
}

/** `body[field]` as an array; absent or null means empty. */
function entries(body: Record<string, unknown>, field: 'post' | 'patch', problems: string[]): unknown[] {
  const value = body[field];
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  problems.push(`${field}: must be an array`);
  return [];
}

interface CheckedRuns {
  accepted: LineagedRun[];
  skipped: string[];
  problems: Problem[];
}

function checkPostedRuns(ctx: ServerContext, post: unknown[]): CheckedRuns {
  const result: CheckedRuns = { accepted: [], skipped: [], problems: [] };
  // Lineage of the runs earlier in this batch, by lower-cased id; UNKNOWN_PARENT when rejected.
  const earlier = new Map<string, ParentLineage | typeof UNKNOWN_PARENT>();
  const firstIndex = new Map<string, number>();
  post.forEach((entry, index) => {
    const id = entryId(entry)?.toLowerCase();
    if (id !== undefined && !firstIndex.has(id)) firstIndex.set(id, index);
  });

  post.forEach((entry, index) => {
    const { run, problems } = checkPostedRun(ctx, entry, index, earlier, firstIndex);
    const label = runLabel(entry, index);
    for (const { status, text } of problems) result.problems.push({ status, text: `${label}: ${text}` });

    const id = entryId(entry)?.toLowerCase();
    if (id === undefined) return;
    const seenBefore = earlier.has(id) || ctx.store.get(id) !== undefined;
    if (!earlier.has(id)) earlier.set(id, run ? { dotted_order: run.dotted_order, trace_id: run.trace_id } : UNKNOWN_PARENT);
    if (!run) return;
    if (seenBefore) result.skipped.push(run.id);
    else result.accepted.push(run);
  });
  return result;
}

function entryId(entry: unknown): string | undefined {
  const id = isPlainObject(entry) ? entry['id'] : undefined;
  return typeof id === 'string' ? id : undefined;
}

/** `post[3] run <id> ("name")`, with whichever of id and name the entry has. */
function runLabel(entry: unknown, index: number): string {
  const id = entryId(entry);
  const name = isPlainObject(entry) ? entry['name'] : undefined;
  return (
    `post[${index}]` +
    (id === undefined ? ' run without id' : ` run ${id}`) +
    (typeof name === 'string' && name !== '' ? ` (${JSON.stringify(name)})` : '')
  );
}

/** The run when it passes every check; otherwise its problems. */
function checkPostedRun(
  ctx: ServerContext,
  entry: unknown,
  index: number,
  earlier: ReadonlyMap<string, ParentLineage | typeof UNKNOWN_PARENT>,
  firstIndex: ReadonlyMap<string, number>,
): { run?: LineagedRun; problems: Problem[] } {
  const validation = validateRunCreate(entry);
  const problems: Problem[] = validation.ok ? [] : validation.errors.map((text) => ({ status: 422, text }));
  if (isPlainObject(entry)) {
    for (const field of ['trace_id', 'dotted_order'] as const) {
      if (entry[field] === undefined || entry[field] === null) {
        problems.push({ status: 422, text: `${field}: required in a batch (only POST /runs derives it)` });
      }
    }
  }
  if (!validation.ok || problems.length > 0) return { problems };
  // Both checked present above; validateRunCreate checked their types.
  const run = validation.run as LineagedRun;

  let parent: ParentLineage | typeof UNKNOWN_PARENT | undefined;
  if (run.parent_run_id !== undefined) {
    const parentKey = run.parent_run_id.toLowerCase();
    parent = ctx.store.get(parentKey) ?? earlier.get(parentKey);
    if (parent === undefined) {
      parent = UNKNOWN_PARENT;
      problems.push(missingParent(run, index, firstIndex.get(parentKey)));
    }
  }
  // validateRunCreate accepted start_time, so it parses.
  for (const text of checkGivenLineage(run, parseIsoTimestamp(run.start_time)!, parent)) problems.push({ status: 400, text });
  return problems.length > 0 ? { problems } : { run, problems };
}

function missingParent(run: LineagedRun, index: number, parentIndex: number | undefined): Problem {
  if (parentIndex === index) return { status: 400, text: `parent_run_id ${run.parent_run_id} is the run's own id` };
  if (parentIndex !== undefined && parentIndex > index) {
    return {
      status: 400,
      text:
        `parent run ${run.parent_run_id} comes later in the batch (post[${parentIndex}]); ` +
        'a parent must be stored already or come earlier in the same batch',
    };
  }
  return { status: 404, text: `Parent run ${run.parent_run_id} not found, neither stored nor earlier in this batch` };
}
