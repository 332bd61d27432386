import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPENAI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_ENCODING_FORMATS,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_COMPLETION_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
} from '@opentelemetry/semantic-conventions/incubating';
import { toJsonValue } from '../attribute-values.js';
import { usageMetadata, type UsageMetadata } from '../llm/usage.js';

/** `gen_ai.request.*` attributes and the OpenAI parameter name each becomes in `invocation_params`. */
const REQUEST_PARAMS: ReadonlyArray<readonly [attribute: string, param: string]> = [
  [ATTR_GEN_AI_REQUEST_TEMPERATURE, 'temperature'],
  [ATTR_GEN_AI_REQUEST_MAX_TOKENS, 'max_tokens'],
  [ATTR_GEN_AI_REQUEST_TOP_P, 'top_p'],
  [ATTR_GEN_AI_REQUEST_TOP_K, 'top_k'],
  [ATTR_GEN_AI_REQUEST_STOP_SEQUENCES, 'stop'],
  [ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, 'frequency_penalty'],
  [ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, 'presence_penalty'],
  [ATTR_GEN_AI_REQUEST_SEED, 'seed'],
  // Deprecated spelling of the seed, still written by older OpenAI instrumentations.
  [ATTR_GEN_AI_OPENAI_REQUEST_SEED, 'seed'],
  [ATTR_GEN_AI_REQUEST_CHOICE_COUNT, 'n'],
  [ATTR_GEN_AI_REQUEST_STREAM, 'stream'],
  [ATTR_GEN_AI_REQUEST_ENCODING_FORMATS, 'encoding_formats'],
];

/** Call parameters found on the span, and the keys they came from; undefined when none. */
export function requestParams(attributes: Attributes): { params: Record<string, unknown>; consumed: string[] } | undefined {
  const params: Record<string, unknown> = {};
  const consumed: string[] = [];
  for (const [attribute, param] of REQUEST_PARAMS) {
    const value = attributes[attribute];
    if (value === undefined) continue;
    params[param] ??= toJsonValue(value);
    consumed.push(attribute);
  }
  return consumed.length ? { params, consumed } : undefined;
}

/** The `ls_*` metadata LangSmith reads for the model call's settings. */
export function lsParamsMetadata(params: { temperature?: unknown; max_tokens?: unknown; stop?: unknown }): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  if (typeof params.temperature === 'number') metadata.ls_temperature = params.temperature;
  if (typeof params.max_tokens === 'number') metadata.ls_max_tokens = params.max_tokens;
  if (Array.isArray(params.stop) && params.stop.length) metadata.ls_stop = params.stop;
  else if (typeof params.stop === 'string' && params.stop) metadata.ls_stop = [params.stop];
  return metadata;
}

export const USAGE_KEYS: readonly string[] = [
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
  ATTR_GEN_AI_USAGE_COMPLETION_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
];

/** GenAI token counts; `input_tokens` already includes cached tokens, as LangSmith's does. */
export function readUsage(attributes: Attributes): UsageMetadata | undefined {
  return usageMetadata({
    input: attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] ?? attributes[ATTR_GEN_AI_USAGE_PROMPT_TOKENS],
    output: attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] ?? attributes[ATTR_GEN_AI_USAGE_COMPLETION_TOKENS],
    cacheRead: attributes[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS],
    cacheCreation: attributes[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS],
    reasoning: attributes[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS],
  });
}
