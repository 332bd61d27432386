import {
  ATTR_GEN_AI_OPENAI_REQUEST_SEED,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_ENCODING_FORMATS,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_COMPLETION_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
} from '@opentelemetry/semantic-conventions/incubating';
import { tokenDetails, usageMetadata, type UsageMetadata } from '../llm/usage.js';
import type { AttributeReader } from './attribute-reader.js';
import { withCosts } from './costs.js';
import { lsProvider, nonEmptyString } from './genai-common.js';

// The `gen_ai.request.*`, `gen_ai.usage.*` and provider/model attributes, read here for every
// convention that writes them (GenAI itself, OpenLLMetry, LangSmith's SDKs, Pydantic AI, the AI SDK).

const isNumber = (value: unknown): boolean => typeof value === 'number';
const isTextOrList = (value: unknown): boolean => typeof value === 'string' || Array.isArray(value);

/**
 * `gen_ai.request.*` attributes, the OpenAI parameter name each becomes in `invocation_params`,
 * and the values it takes: a value of another type is not a parameter and stays in metadata.
 */
const REQUEST_PARAMS: ReadonlyArray<readonly [attribute: string, param: string, accepts: (value: unknown) => boolean]> = [
  [ATTR_GEN_AI_REQUEST_TEMPERATURE, 'temperature', isNumber],
  [ATTR_GEN_AI_REQUEST_MAX_TOKENS, 'max_tokens', isNumber],
  [ATTR_GEN_AI_REQUEST_TOP_P, 'top_p', isNumber],
  [ATTR_GEN_AI_REQUEST_TOP_K, 'top_k', isNumber],
  [ATTR_GEN_AI_REQUEST_STOP_SEQUENCES, 'stop', isTextOrList],
  [ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, 'frequency_penalty', isNumber],
  [ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, 'presence_penalty', isNumber],
  [ATTR_GEN_AI_REQUEST_SEED, 'seed', isNumber],
  // Deprecated spelling of the seed, still written by older OpenAI instrumentations.
  [ATTR_GEN_AI_OPENAI_REQUEST_SEED, 'seed', isNumber],
  [ATTR_GEN_AI_REQUEST_CHOICE_COUNT, 'n', isNumber],
  [ATTR_GEN_AI_REQUEST_STREAM, 'stream', (value) => typeof value === 'boolean'],
  [ATTR_GEN_AI_REQUEST_ENCODING_FORMATS, 'encoding_formats', isTextOrList],
];

/**
 * Call parameters found on the span as `invocation_params`, or undefined when none. With `consume`
 * the attributes count as turned into run fields; a span of another library that carries a few
 * `gen_ai.request.*` keys beside its own, fuller parameters leaves them in metadata.
 */
export function readRequestParams(reader: AttributeReader, consume: boolean): Record<string, unknown> | undefined {
  const params: Record<string, unknown> = {};
  let found = false;
  for (const [attribute, param, accepts] of REQUEST_PARAMS) {
    const value = reader.value(attribute);
    if (value === undefined || !accepts(value)) continue;
    params[param] ??= value;
    found = true;
    if (consume) reader.consumed.push(attribute);
  }
  return found ? params : undefined;
}

/** Provider and model as GenAI names them; the response's model names the exact version that answered. */
export function readModelIdentity(reader: AttributeReader): void {
  const { attributes } = reader;
  reader.model({
    provider: lsProvider(attributes[ATTR_GEN_AI_PROVIDER_NAME] ?? attributes[ATTR_GEN_AI_SYSTEM]),
    name: nonEmptyString(attributes[ATTR_GEN_AI_RESPONSE_MODEL]) ?? nonEmptyString(attributes[ATTR_GEN_AI_REQUEST_MODEL]),
  });
}

// Names other producers use in the same namespace: OpenLLMetry's, and the ones LangSmith's SDKs,
// Pydantic AI and OpenLLMetry's older releases write (none of them in the constants package).
export const GEN_AI_USAGE_TOTAL_TOKENS = 'gen_ai.usage.total_tokens';
export const OPENLLMETRY_USAGE_TOTAL_TOKENS = 'llm.usage.total_tokens';
export const OPENLLMETRY_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read_input_tokens';
export const OPENLLMETRY_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation_input_tokens';
export const OPENLLMETRY_USAGE_REASONING_TOKENS = 'gen_ai.usage.reasoning_tokens';
/** LangSmith's SDKs: the details of `usage_metadata`, JSON in JS and a Python `str(dict)` in Python. */
export const LANGSMITH_USAGE_INPUT_TOKEN_DETAILS = 'gen_ai.usage.input_token_details';
export const LANGSMITH_USAGE_OUTPUT_TOKEN_DETAILS = 'gen_ai.usage.output_token_details';
/** Pydantic AI: provider-specific counts under their own names (`reasoning_tokens`, `cached_tokens`, ...). */
export const PYDANTIC_AI_USAGE_DETAILS_PREFIX = 'gen_ai.usage.details.';

/** Pydantic AI's detail names for the counts LangSmith has a place for. */
const DETAIL_NAMES: Readonly<Record<string, ['input' | 'output', string]>> = {
  reasoning_tokens: ['output', 'reasoning'],
  cached_tokens: ['input', 'cache_read'],
  cache_read_tokens: ['input', 'cache_read'],
  cache_read_input_tokens: ['input', 'cache_read'],
  cache_write_tokens: ['input', 'cache_creation'],
  cache_creation_input_tokens: ['input', 'cache_creation'],
  input_audio_tokens: ['input', 'audio'],
  output_audio_tokens: ['output', 'audio'],
};

/**
 * Token usage from every `gen_ai.usage.*` spelling, with the costs beside it (costs.ts), and the
 * keys it came from. `input_tokens`
 * includes cached tokens (GenAI semconv and LangSmith agree; nothing is subtracted).
 */
export function readGenAiUsage(reader: AttributeReader): { usage: UsageMetadata; keys: string[] } | undefined {
  const { attributes } = reader;
  const pick = (...keys: string[]) => keys.map((key) => attributes[key]).find((value) => value !== undefined);
  const usage = usageMetadata({
    input: pick(ATTR_GEN_AI_USAGE_INPUT_TOKENS, ATTR_GEN_AI_USAGE_PROMPT_TOKENS),
    output: pick(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, ATTR_GEN_AI_USAGE_COMPLETION_TOKENS),
    total: pick(GEN_AI_USAGE_TOTAL_TOKENS, OPENLLMETRY_USAGE_TOTAL_TOKENS),
    cacheRead: pick(ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, OPENLLMETRY_USAGE_CACHE_READ_INPUT_TOKENS),
    cacheCreation: pick(ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, OPENLLMETRY_USAGE_CACHE_CREATION_INPUT_TOKENS),
    reasoning: pick(ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, OPENLLMETRY_USAGE_REASONING_TOKENS),
  });
  if (!usage) return undefined;
  const keys = USAGE_KEYS.filter((key) => attributes[key] !== undefined);
  const input: Record<string, number> = { ...tokenDetails(attributes[LANGSMITH_USAGE_INPUT_TOKEN_DETAILS]) };
  const output: Record<string, number> = { ...tokenDetails(attributes[LANGSMITH_USAGE_OUTPUT_TOKEN_DETAILS]) };
  for (const [key, name] of reader.prefixed(PYDANTIC_AI_USAGE_DETAILS_PREFIX)) {
    const known = Object.hasOwn(DETAIL_NAMES, name) ? DETAIL_NAMES[name] : undefined;
    const count = tokenDetails({ [name]: attributes[key] })?.[name];
    if (!known || count === undefined) continue;
    const [side, detail] = known;
    (side === 'input' ? input : output)[detail] ??= count;
    keys.push(key);
  }
  // What a producer wrote in detail (LangSmith's own records) wins over the counts read one by one.
  if (Object.keys(input).length) usage.input_token_details = { ...usage.input_token_details, ...input };
  if (Object.keys(output).length) usage.output_token_details = { ...usage.output_token_details, ...output };
  // What the producer computed the call cost (Pydantic AI's `operation.cost`, `gen_ai.usage.cost`, ...).
  return { usage: withCosts(reader, usage, keys), keys };
}

const USAGE_KEYS: readonly string[] = [
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
  ATTR_GEN_AI_USAGE_COMPLETION_TOKENS,
  GEN_AI_USAGE_TOTAL_TOKENS,
  OPENLLMETRY_USAGE_TOTAL_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  OPENLLMETRY_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  OPENLLMETRY_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  OPENLLMETRY_USAGE_REASONING_TOKENS,
  LANGSMITH_USAGE_INPUT_TOKEN_DETAILS,
  LANGSMITH_USAGE_OUTPUT_TOKEN_DETAILS,
];
