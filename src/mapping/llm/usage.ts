import { parseJsonObject } from './json.js';

/**
 * What a call cost, as LangSmith reads it from `outputs.usage_metadata` beside the token counts
 * (langsmith's `UsageMetadata`: `input_cost`, `output_cost`, `total_cost`, `input_cost_details`,
 * `output_cost_details`; https://docs.langchain.com/langsmith/cost-tracking "send custom cost
 * data"). LangSmith prices a run itself from its model and tokens unless the producer sent costs.
 */
export interface UsageCosts {
  input_cost?: number;
  output_cost?: number;
  total_cost?: number;
  /** Costs of the parts of the input (`cache_read`, `cache_creation`, `audio`, ...). */
  input_cost_details?: Record<string, number>;
  /** Costs of the parts of the output (`reasoning`, `audio`, ...). */
  output_cost_details?: Record<string, number>;
}

/** Token usage as LangSmith reads it from `outputs.usage_metadata`, with the costs a producer computed. */
export interface UsageMetadata extends UsageCosts {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  /** `cache_read`, `cache_creation`, `audio`, and any other count a producer breaks input into. */
  input_token_details?: Record<string, number>;
  /** `reasoning`, `audio`, and any other count a producer breaks output into. */
  output_token_details?: Record<string, number>;
}

/** A non-negative finite count from an attribute value (numbers and numeric strings), else undefined. */
export function tokenCount(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.round(n) : undefined;
}

/**
 * Usage from the counts a convention found; undefined when it found neither input nor output.
 * `input` is the total including cached tokens (as in GenAI semconv and LangSmith); a missing
 * total is their sum.
 */
export function usageMetadata(counts: {
  input?: unknown;
  output?: unknown;
  total?: unknown;
  cacheRead?: unknown;
  cacheCreation?: unknown;
  inputAudio?: unknown;
  reasoning?: unknown;
  outputAudio?: unknown;
}): UsageMetadata | undefined {
  const input = tokenCount(counts.input);
  const output = tokenCount(counts.output);
  if (input === undefined && output === undefined) return undefined;
  const usage: UsageMetadata = {
    input_tokens: input ?? 0,
    output_tokens: output ?? 0,
    total_tokens: tokenCount(counts.total) ?? (input ?? 0) + (output ?? 0),
  };
  const inputDetails = compact({ cache_read: tokenCount(counts.cacheRead), cache_creation: tokenCount(counts.cacheCreation), audio: tokenCount(counts.inputAudio) });
  const outputDetails = compact({ reasoning: tokenCount(counts.reasoning), audio: tokenCount(counts.outputAudio) });
  if (inputDetails) usage.input_token_details = inputDetails;
  if (outputDetails) usage.output_token_details = outputDetails;
  return usage;
}

function compact<T extends Record<string, number | undefined>>(record: T): Partial<Record<keyof T, number>> | undefined {
  const entries = Object.entries(record).filter(([, v]) => v !== undefined);
  return entries.length ? (Object.fromEntries(entries) as Partial<Record<keyof T, number>>) : undefined;
}

/** Every count in a details record (JSON text, a Python `str(dict)`, or an object), or undefined when none. */
export function tokenDetails(value: unknown): Record<string, number> | undefined {
  const record = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : parseJsonObject(value);
  if (!record) return undefined;
  const details: Record<string, number> = {};
  for (const key of Object.keys(record)) {
    const count = tokenCount(record[key]);
    if (count !== undefined && key !== '__proto__') details[key] = count;
  }
  return Object.keys(details).length ? details : undefined;
}

/** A non-negative finite amount of money from an attribute value (numbers and numeric strings), else undefined; never rounded. */
export function costAmount(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** The costs of a call from the amounts a convention found; undefined when none. A missing total is the sum of input and output. */
export function usageCosts(amounts: {
  input?: unknown;
  output?: unknown;
  total?: unknown;
  inputDetails?: Record<string, unknown>;
  outputDetails?: Record<string, unknown>;
}): UsageCosts | undefined {
  const costs: UsageCosts = {};
  const input = costAmount(amounts.input);
  const output = costAmount(amounts.output);
  const total = costAmount(amounts.total) ?? (input !== undefined && output !== undefined ? input + output : undefined);
  if (input !== undefined) costs.input_cost = input;
  if (output !== undefined) costs.output_cost = output;
  if (total !== undefined) costs.total_cost = total;
  const inputDetails = costDetails(amounts.inputDetails);
  const outputDetails = costDetails(amounts.outputDetails);
  if (inputDetails) costs.input_cost_details = inputDetails;
  if (outputDetails) costs.output_cost_details = outputDetails;
  return Object.keys(costs).length ? costs : undefined;
}

/** Every amount in a details record (JSON text or an object), or undefined when none. */
export function costDetails(value: unknown): Record<string, number> | undefined {
  const record = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : parseJsonObject(value);
  if (!record) return undefined;
  const details: Record<string, number> = {};
  for (const key of Object.keys(record)) {
    const amount = costAmount(record[key]);
    if (amount !== undefined && key !== '__proto__') details[key] = amount;
  }
  return Object.keys(details).length ? details : undefined;
}

/** Usage already in LangSmith's own form (`langsmith.usage_metadata`, a run's `usage_metadata`). */
export function usageFromRecord(record: Record<string, unknown> | undefined): UsageMetadata | undefined {
  if (!record) return undefined;
  const usage = usageMetadata({ input: record.input_tokens, output: record.output_tokens, total: record.total_tokens });
  if (!usage) return undefined;
  const input = tokenDetails(record.input_token_details);
  const output = tokenDetails(record.output_token_details);
  if (input) usage.input_token_details = input;
  if (output) usage.output_token_details = output;
  const costs = usageCosts({
    input: record.input_cost,
    output: record.output_cost,
    total: record.total_cost,
    inputDetails: costDetails(record.input_cost_details),
    outputDetails: costDetails(record.output_cost_details),
  });
  return costs ? { ...usage, ...costs } : usage;
}
