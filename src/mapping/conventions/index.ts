import { genAiConvention } from './genai.js';
import { httpConvention } from './http.js';
import { langsmithConvention } from './langsmith.js';
import { openInferenceConvention } from './openinference.js';
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
  genAiConvention,
  traceloopConvention,
  vercelAiConvention,
  httpConvention,
];

export type MergedConventions = ConventionResult & { consumed: readonly string[]; consumedEvents: readonly string[] };

const NONE: readonly string[] = Object.freeze([]);

/**
 * One bit per lowercase letter a key may begin with, and one for every other first character:
 * a span's keys OR-ed together say which conventions could apply to it at all.
 */
const OTHER_FIRST = 1 << 26;
const firstBit = (key: string): number => {
  const offset = key.charCodeAt(0) - 97; // 'a'
  return offset >= 0 && offset < 26 ? 1 << offset : OTHER_FIRST;
};

const bitsByConvention = new WeakMap<Convention, number>();

/** The first-character bits of a convention's `keyStarts`, worked out once per convention. */
function keyBitsOf(convention: Convention, keyStarts: readonly string[]): number {
  let bits = bitsByConvention.get(convention);
  if (bits === undefined) {
    bits = keyStarts.reduce((all, start) => all | firstBit(start), 0);
    bitsByConvention.set(convention, bits);
  }
  return bits;
}

/** Whether the convention could find anything on a span whose keys have these first-character bits. */
export function mayApply(convention: Convention, span: SpanView, keyBits: number): boolean {
  const { keyStarts } = convention;
  if (!keyStarts) return true;
  return (keyBitsOf(convention, keyStarts) & keyBits) !== 0 || convention.appliesBeyondKeys?.(span) === true;
}

/** The first-character bits of the span's attribute keys. */
export function keyBitsOfSpan(span: SpanView): number {
  let bits = 0;
  for (const key in span.attributes) bits |= firstBit(key);
  return bits;
}

/** Merges what each convention read, earlier conventions winning field by field. */
export function readConventions(conventions: readonly Convention[], span: SpanView): MergedConventions {
  const merged: MergedConventions = { consumed: NONE, consumedEvents: NONE };
  const keyBits = keyBitsOfSpan(span);
  for (const convention of conventions) {
    if (!mayApply(convention, span, keyBits)) continue;
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
    if (result.metadata) merged.metadata = { ...result.metadata, ...merged.metadata };
    if (result.events) merged.events = [...(merged.events ?? []), ...result.events];
    if (result.consumed?.length) merged.consumed = merged.consumed.length ? [...merged.consumed, ...result.consumed] : result.consumed;
    if (result.consumedEvents?.length) merged.consumedEvents = merged.consumedEvents.length ? [...merged.consumedEvents, ...result.consumedEvents] : result.consumedEvents;
  }
  return merged;
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
