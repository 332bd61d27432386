// Compares a run tree LangSmith's own SDK sent natively (the reference) with the tree our pipeline
// made from the same app traced through OTel: runs matched by tree position and name, then field by
// field. The result is a list of differences (path, native value, ours) and a count of the fields
// that agree out of all compared, for the parity table.
//
// What is compared, per matched pair of runs:
//   name          by construction (runs are matched by name under matched parents); a native run
//                 with no match in ours, or one of ours with no native match, is one difference
//   run_type      equal
//   parent        ours hangs under the run matched with the native parent (roots: no parent)
//   inputs.*      leaf by leaf (every leaf of the native value is one field; a leaf only ours has
//                 is one more, and a difference)
//   outputs.*     likewise, usage_metadata included
//   error         presence, and the message text: the first line of each (LangSmith's converter
//                 appends "Stacktrace:" and the stack; the native SDK sends the message alone)
//   tags          as sets
//   events        names and kwargs, in order (their times are timing)
//   session_name  equal
//   extra.metadata.<key>  every native key, minus IGNORED_METADATA_KEYS, must be in ours with an
//                 equal value; ours may have more keys
//   extra.<key>   every other key of the native `extra` but `runtime` and `metadata`, leaf by leaf
//   usage         the run-level token counts some SDKs send (prompt_tokens, completion_tokens,
//                 total_tokens), when the native run has them
//   any other top-level field of the native run not in IGNORED_RUN_FIELDS, leaf by leaf
// Empty values are treated as absent: `{}`, `[]`, null and undefined are the same (the native
// SDKs send `serialized: {}`, `tags: []` and `events: []` on every run; LangSmith shows nothing).
import { isDeepStrictEqual } from 'node:util';

/** A run and its children: both `CapturedNode` (capture server) and `RunNode` (local server) fit. */
export interface TreeNode {
  run: object;
  children: TreeNode[];
}

export interface Difference {
  /** e.g. `weather_agent/ChatOpenAI#2 outputs.choices[0].message.content` */
  path: string;
  native: unknown;
  ours: unknown;
}

export interface Comparison {
  differences: Difference[];
  agreeing: number;
  total: number;
}

/**
 * Top-level run fields not compared, and why:
 *   id, parent_run_id  ids come from a different source (uuid7 in the SDK, span ids for us); the
 *                      tree shape is compared instead ("parent")
 *   trace_id, dotted_order, start_time, end_time  timing and ids, by the brief
 *   child_runs, child_run_ids  the JS RunTree's own bookkeeping, always empty on the wire; the
 *                      tree shape is compared instead
 *   execution_order, child_execution_order  legacy bookkeeping, ordering is compared through
 *                      the tree
 *   session_id         resolved by the server from session_name; session_name is compared
 *   received_at        our local server's bookkeeping
 *   name, run_type, inputs, outputs, error, tags, session_name, extra, events: compared by their
 *                      own rules
 *   prompt_tokens, completion_tokens, total_tokens: compared as "usage"
 */
export const IGNORED_RUN_FIELDS = new Set([
  'id',
  'parent_run_id',
  'trace_id',
  'dotted_order',
  'start_time',
  'end_time',
  'child_runs',
  'child_run_ids',
  'execution_order',
  'child_execution_order',
  'session_id',
  'received_at',
  'name',
  'run_type',
  'inputs',
  'outputs',
  'error',
  'tags',
  'session_name',
  'extra',
  'events',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
]);

/**
 * Keys of the native `extra.metadata` not required in ours, each SDK runtime or bookkeeping:
 *   revision_id        the app's revision, from LANGSMITH_REVISION_ID or git, read by the SDK from
 *                      its process (runtime info, like extra.runtime)
 *   ls_run_depth       the Python SDK's nesting depth counter (bookkeeping; the tree is compared)
 *   ls_method          the Python SDK's name for how the run was created ("traceable"): bookkeeping
 *   LANGSMITH_* / LANGCHAIN_*  the SDK copies its process's LANGSMITH_* env vars (e.g.
 *                      LANGSMITH_TRACING, LANGSMITH_PROJECT) into every run's metadata: runtime
 *                      info of the sending process, not of the run
 *   ls_tracing_sample_rate  the sampling rate the SDK applied (runtime configuration)
 */
export function isIgnoredMetadataKey(key: string): boolean {
  return (
    key === 'revision_id' ||
    key === 'ls_run_depth' ||
    key === 'ls_method' ||
    key === 'ls_tracing_sample_rate' ||
    /^(LANGSMITH|LANGCHAIN)_/.test(key)
  );
}

const USAGE_FIELDS = ['prompt_tokens', 'completion_tokens', 'total_tokens'] as const;

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON-normalized (dates as strings, undefined keys dropped); empty containers and null → undefined. */
function normalize(value: unknown): unknown {
  if (value === undefined) return undefined;
  const json = JSON.parse(JSON.stringify(value)) as unknown;
  return isEmpty(json) ? undefined : json;
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || (Array.isArray(value) && value.length === 0) || (isRecord(value) && Object.keys(value).length === 0);
}

/** Fields a value holds: its non-empty leaves (empty values count as absent, as in `deep`). */
function leafCount(value: unknown): number {
  if (isEmpty(value)) return 0;
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + leafCount(item), 0);
  if (isRecord(value)) return Object.values(value).reduce<number>((sum, item) => sum + leafCount(item), 0);
  return 1;
}

class Tally {
  readonly differences: Difference[] = [];
  agreeing = 0;
  total = 0;

  /** One field: agrees or is one difference. */
  field(path: string, native: unknown, ours: unknown, agree: boolean): void {
    this.total++;
    if (agree) this.agreeing++;
    else this.differences.push({ path, native, ours });
  }

  /** Leaf-by-leaf deep comparison; a structural mismatch counts every native leaf under it. */
  deep(path: string, native: unknown, ours: unknown): void {
    const a = isEmpty(native) ? undefined : native;
    const b = isEmpty(ours) ? undefined : ours;
    if (isRecord(a) && isRecord(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) this.deep(`${path}.${key}`, a[key], b[key]);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) this.deep(`${path}[${i}]`, a[i], b[i]);
      return;
    }
    if (isDeepStrictEqual(a, b)) {
      this.total += leafCount(a);
      this.agreeing += leafCount(a);
      return;
    }
    this.total += Math.max(1, leafCount(a));
    this.differences.push({ path, native: a, ours: b });
  }
}

function firstLine(error: unknown): string | undefined {
  return typeof error === 'string' ? error.split('\n')[0]!.trim() : undefined;
}

function compareRun(tally: Tally, where: string, nativeRun: Json, ourRun: Json, parentAgrees: boolean): void {
  const native = normalize(nativeRun) as Json;
  const ours = normalize(ourRun) as Json;
  tally.field(`${where} name`, native.name, ours.name, native.name === ours.name);
  tally.field(`${where} run_type`, native.run_type, ours.run_type, native.run_type === ours.run_type);
  tally.field(`${where} parent`, nativeRun.parent_run_id ?? null, ourRun.parent_run_id ?? null, parentAgrees);
  tally.deep(`${where} inputs`, native.inputs, ours.inputs);
  tally.deep(`${where} outputs`, native.outputs, ours.outputs);
  const nativeError = firstLine(native.error);
  const ourError = firstLine(ours.error);
  tally.field(`${where} error`, native.error, ours.error, nativeError === ourError);
  const nativeTags = [...new Set((native.tags as string[] | undefined) ?? [])].sort();
  const ourTags = [...new Set((ours.tags as string[] | undefined) ?? [])].sort();
  tally.field(`${where} tags`, nativeTags, ourTags, isDeepStrictEqual(nativeTags, ourTags));
  tally.field(`${where} session_name`, native.session_name, ours.session_name, native.session_name === ours.session_name);
  const untimed = (events: unknown) => (Array.isArray(events) ? events.map((event: Json) => ({ name: event.name, kwargs: event.kwargs })) : events);
  tally.deep(`${where} events`, untimed(native.events), untimed(ours.events));

  const nativeExtra = isRecord(native.extra) ? native.extra : {};
  const ourExtra = isRecord(ours.extra) ? ours.extra : {};
  const nativeMetadata = isRecord(nativeExtra.metadata) ? nativeExtra.metadata : {};
  const ourMetadata = isRecord(ourExtra.metadata) ? ourExtra.metadata : {};
  for (const [key, value] of Object.entries(nativeMetadata)) {
    if (isIgnoredMetadataKey(key)) continue;
    const mine = normalize(ourMetadata[key]);
    tally.field(`${where} extra.metadata.${key}`, value, mine, isDeepStrictEqual(normalize(value), mine));
  }
  for (const [key, value] of Object.entries(nativeExtra)) {
    if (key === 'runtime' || key === 'metadata') continue;
    tally.deep(`${where} extra.${key}`, value, ourExtra[key]);
  }
  if (USAGE_FIELDS.some((key) => native[key] !== undefined)) {
    const pick = (run: Json) => Object.fromEntries(USAGE_FIELDS.map((key) => [key, run[key]]));
    tally.deep(`${where} usage`, pick(native), pick(ours));
  }
  for (const [key, value] of Object.entries(native)) {
    if (IGNORED_RUN_FIELDS.has(key)) continue;
    tally.deep(`${where} ${key}`, value, ours[key]);
  }
}

function runName(node: TreeNode): string {
  return String((node.run as Json).name);
}

/**
 * Children matched by name, in order: the k-th native child named X with the k-th of ours named X.
 * Unmatched children on either side are returned apart.
 */
function matchChildren(native: TreeNode[], ours: TreeNode[]) {
  const pairs: Array<{ native: TreeNode; ours: TreeNode; label: string }> = [];
  const used = new Set<TreeNode>();
  const seen = new Map<string, number>();
  const missing: Array<{ node: TreeNode; label: string }> = [];
  for (const child of native) {
    const name = runName(child);
    const nth = (seen.get(name) ?? 0) + 1;
    seen.set(name, nth);
    const count = native.filter((other) => runName(other) === name).length;
    const label = count > 1 ? `${name}#${nth}` : name;
    const match = ours.filter((other) => runName(other) === name)[nth - 1];
    if (match) {
      pairs.push({ native: child, ours: match, label });
      used.add(match);
    } else missing.push({ node: child, label });
  }
  const extra = ours.filter((child) => !used.has(child));
  return { pairs, missing, extra };
}

function summary(node: TreeNode): unknown {
  const run = node.run as Json;
  return { name: run.name, run_type: run.run_type, children: node.children.map(runName) };
}

function countRuns(node: TreeNode): number {
  return 1 + node.children.reduce((sum, child) => sum + countRuns(child), 0);
}

function walk(tally: Tally, where: string, native: TreeNode, ours: TreeNode, parentAgrees: boolean): void {
  compareRun(tally, where, native.run as Json, ours.run as Json, parentAgrees);
  const ourId = (ours.run as Json).id;
  const { pairs, missing, extra } = matchChildren(native.children, ours.children);
  for (const pair of pairs) {
    const agrees = (pair.ours.run as Json).parent_run_id === ourId;
    walk(tally, `${where}/${pair.label}`, pair.native, pair.ours, agrees);
  }
  // A run only one side has: one difference, counted as every run of its subtree not agreeing.
  for (const { node, label } of missing) {
    tally.total += countRuns(node);
    tally.differences.push({ path: `${where}/${label}`, native: summary(node), ours: undefined });
  }
  for (const node of extra) {
    tally.total += countRuns(node);
    tally.differences.push({ path: `${where}/${runName(node)}`, native: undefined, ours: summary(node) });
  }
}

/** Compares two trees from their roots. */
export function compareTrees(native: TreeNode, ours: TreeNode): Comparison {
  const tally = new Tally();
  const rootParentAgrees = (ours.run as Json).parent_run_id === undefined || (ours.run as Json).parent_run_id === null;
  walk(tally, runName(native), native, ours, rootParentAgrees);
  return { differences: tally.differences, agreeing: tally.agreeing, total: tally.total };
}

/** Differences as lines for a note or a failure message (values as compact JSON, cut at `width`). */
export function formatDifferences(differences: Difference[], width = 240): string {
  const show = (value: unknown): string => {
    const text = value === undefined ? '(absent)' : JSON.stringify(value);
    return text.length > width ? `${text.slice(0, width)}…` : text;
  };
  return differences.map((d) => `- ${d.path}\n    native: ${show(d.native)}\n    ours:   ${show(d.ours)}`).join('\n');
}

/**
 * Compares one of our runs with what it must hold (for producers with no native reference: the
 * stub knows what was sent and what it answered). Every leaf of `expected` must be in `ours` with
 * an equal value; records in ours may hold more keys, arrays must have the same length.
 */
export function compareExpected(where: string, expected: unknown, ours: unknown): Comparison {
  const tally = new Tally();
  subset(tally, where, expected, ours);
  return { differences: tally.differences, agreeing: tally.agreeing, total: tally.total };
}

function subset(tally: Tally, path: string, expected: unknown, ours: unknown): void {
  if (isEmpty(expected)) return;
  const mine = isEmpty(ours) ? undefined : ours;
  if (isRecord(expected) && isRecord(mine)) {
    for (const key of Object.keys(expected)) subset(tally, `${path}.${key}`, expected[key], mine[key]);
    return;
  }
  if (Array.isArray(expected) && Array.isArray(mine)) {
    for (let i = 0; i < expected.length; i++) subset(tally, `${path}[${i}]`, expected[i], mine[i]);
    for (let i = expected.length; i < mine.length; i++) tally.field(`${path}[${i}]`, undefined, mine[i], false);
    return;
  }
  tally.deep(path, expected, mine);
}

/**
 * A loss the producer itself makes before any span exists: such differences are listed apart (and
 * still not counted as agreeing), so a test can require "no difference of ours" and still see them.
 */
export interface ProducerLimit {
  reason: string;
  applies(difference: Difference): boolean;
}

/** LangSmith's JS SDK writes number and boolean metadata on spans as `String(value)`: nothing tells 2 from "2" after that. */
export const STRINGIFIED_METADATA_SCALARS: ProducerLimit = {
  reason: "LangSmith's JS SDK writes number and boolean metadata as text on its spans",
  applies: ({ path, native, ours }) => / extra\.metadata\./.test(path) && (typeof native === 'number' || typeof native === 'boolean') && ours === String(native),
};

/** The differences that are ours, and the ones a known producer limit explains (with its reason). */
export function separateProducerLimits(differences: Difference[], limits: ProducerLimit[]): { ours: Difference[]; producer: Array<Difference & { reason: string }> } {
  const ours: Difference[] = [];
  const producer: Array<Difference & { reason: string }> = [];
  for (const difference of differences) {
    const limit = limits.find((candidate) => candidate.applies(difference));
    if (limit) producer.push({ ...difference, reason: limit.reason });
    else ours.push(difference);
  }
  return { ours, producer };
}

/** Sums comparisons (for one table row over several runs). */
export function sumComparisons(parts: Comparison[]): Comparison {
  return {
    differences: parts.flatMap((part) => part.differences),
    agreeing: parts.reduce((sum, part) => sum + part.agreeing, 0),
    total: parts.reduce((sum, part) => sum + part.total, 0),
  };
}
