import { genAiConvention } from './genai.js';
import { httpConvention } from './http.js';
import { langsmithConvention } from './langsmith.js';
import { openInferenceConvention } from './openinference.js';
import { pydanticAiConvention } from './pydantic-ai.js';
import { traceloopConvention } from './traceloop.js';
import type { UsageMetadata } from '../llm/usage.js';
import type { Convention, ConventionResult, SpanView } from './types.js';
import { vercelAiConvention } from './vercel-ai.js';

export type { Convention, ConventionResult, SpanView } from './types.js';

/**
 * Conventions in the order they are consulted; for each run field the first convention that sets
 * it wins, later ones only fill gaps. LangSmith's own attributes come first so users can always
 * override what an instrumentation wrote; HTTP comes last, as the most generic.
 */
export const CONVENTIONS: readonly Convention[] = [
  langsmithConvention,
  openInferenceConvention,
  // Before GenAI: an agent run's conversation and result describe it better than its GenAI keys.
  pydanticAiConvention,
  genAiConvention,
  traceloopConvention,
  vercelAiConvention,
  httpConvention,
];

export type MergedConventions = ConventionResult & { consumed: readonly string[]; consumedEvents: readonly string[] };

const NONE: readonly string[] = Object.freeze([]);

/** Conventions past this index are always read: a span's matches are one bit per convention in a 31-bit mask. */
const GATED = 31;

type KeyStart = { start: string; bit: number };
/**
 * The key starts of a list of conventions by their first character's code (most keys meet none of
 * them; an array lookup costs a tenth of a Map's). A convention with an empty start, or one that
 * begins beyond ASCII, is in `always`: read for every span, as if it declared no starts.
 */
type Gate = { members: readonly Convention[]; byFirst: Array<KeyStart[] | undefined>; always: number };

const gates = new WeakMap<readonly Convention[], Gate>();

function sameMembers(a: readonly Convention[], b: readonly Convention[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function gateOf(conventions: readonly Convention[]): Gate {
  const cached = gates.get(conventions);
  // A caller's array may have changed since (it is only readonly in the types): checked per span,
  // a handful of comparisons.
  if (cached !== undefined && sameMembers(cached.members, conventions)) return cached;
  const byFirst = new Array<KeyStart[] | undefined>(128).fill(undefined);
  let always = 0;
  for (let index = 0; index < Math.min(conventions.length, GATED); index++) {
    for (const start of conventions[index]!.keyStarts ?? []) {
      const entry = { start, bit: 1 << index };
      const first = start.charCodeAt(0); // NaN for '', which every key begins with
      if (first < 128) byFirst[first] = [...(byFirst[first] ?? []), entry];
      else always |= entry.bit;
    }
  }
  const gate = { members: [...conventions], byFirst, always };
  gates.set(conventions, gate);
  return gate;
}

/**
 * Bit i is set when one of the span's keys begins with one of `conventions[i]`'s key starts. One
 * pass over the keys, a table lookup each, and `startsWith` only against starts of the same first
 * character: for most spans this rules out every convention.
 */
export function keyStartMatches(conventions: readonly Convention[], attributes: SpanView['attributes']): number {
  const { byFirst, always } = gateOf(conventions);
  let matches = always;
  for (const key in attributes) {
    const first = key.charCodeAt(0);
    const starts = first < 128 ? byFirst[first] : undefined;
    if (starts === undefined) continue;
    for (const { start, bit } of starts) if ((matches & bit) === 0 && key.startsWith(start)) matches |= bit;
  }
  return matches;
}

/** Whether `conventions[index]` could find anything on a span with these key-start matches. */
export function mayApply(convention: Convention, index: number, span: SpanView, matches: number): boolean {
  if (!convention.keyStarts || index >= GATED) return true;
  return (matches & (1 << index)) !== 0 || convention.appliesBeyondKeys?.(span) === true;
}

/** Merges what each convention read, earlier conventions winning field by field. */
export function readConventions(conventions: readonly Convention[], span: SpanView): MergedConventions {
  const merged: MergedConventions = { consumed: NONE, consumedEvents: NONE };
  const matches = keyStartMatches(conventions, span.attributes);
  for (let index = 0; index < conventions.length; index++) {
    const convention = conventions[index]!;
    if (!mayApply(convention, index, span, matches)) continue;
    const result = convention.read(span);
    if (!result) continue;
    merged.name ??= result.name;
    merged.runType ??= result.runType;
    merged.inputs ??= result.inputs;
    merged.outputs ??= result.outputs;
    merged.usage = mergeUsage(merged.usage, result.usage);
    merged.invocationParams ??= result.invocationParams;
    merged.tags ??= result.tags;
    merged.sessionName ??= result.sessionName;
    merged.sessionId ??= result.sessionId;
    merged.serialized ??= result.serialized;
    merged.error ??= result.error;
    merged.parent ??= result.parent;
    if (result.model) merged.model = { ...result.model, ...definedFields(merged.model) };
    if (result.metadata) merged.metadata = { ...result.metadata, ...merged.metadata };
    if (result.events) merged.events = [...(merged.events ?? []), ...result.events];
    if (result.consumed?.length) merged.consumed = merged.consumed.length ? [...merged.consumed, ...result.consumed] : result.consumed;
    if (result.consumedEvents?.length) merged.consumedEvents = merged.consumedEvents.length ? [...merged.consumedEvents, ...result.consumedEvents] : result.consumedEvents;
  }
  return merged;
}

/** The fields of `record` that hold a value, so spreading it never blanks an earlier one. */
function definedFields<T extends object>(record: T | undefined): Partial<T> {
  if (!record) return {};
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/**
 * Counts from the first convention that has usage; token details filled from later ones too
 * (the AI SDK writes plain `gen_ai.usage.*` beside its own `ai.usage.*`, which has the cache and
 * reasoning details).
 */
function mergeUsage(first: UsageMetadata | undefined, later: UsageMetadata | undefined): UsageMetadata | undefined {
  if (!first || !later) return first ?? later;
  const merged: UsageMetadata = { ...first };
  const input = { ...later.input_token_details, ...first.input_token_details };
  const output = { ...later.output_token_details, ...first.output_token_details };
  if (Object.keys(input).length) merged.input_token_details = input;
  if (Object.keys(output).length) merged.output_token_details = output;
  return merged;
}
