/** Token usage as LangSmith reads it from `outputs.usage_metadata`. */
export interface UsageMetadata {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_token_details?: { cache_read?: number; cache_creation?: number; audio?: number };
  output_token_details?: { reasoning?: number; audio?: number };
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
