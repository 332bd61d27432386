import { costAmount, usageCosts, type UsageCosts, type UsageMetadata } from '../llm/usage.js';
import type { AttributeReader } from './attribute-reader.js';

// The one home for the costs producers compute themselves, in every spelling documented, read by
// whichever convention found the call's token usage (the costs then travel with it to
// `outputs.usage_metadata`, where LangSmith reads `input_cost`, `output_cost`, `total_cost` and
// their details). The OpenTelemetry GenAI registry defines no cost attribute (semantic-conventions
// 1.x, `gen_ai.usage.*` holds token counts only), so these are the producers' own names:
//
// - OpenInference (spec/semantic_conventions.md, `llm.cost.*`; the constants LLM_COST_* of
//   @arizeai/openinference-semantic-conventions): `llm.cost.prompt`, `llm.cost.completion`,
//   `llm.cost.total`, and the breakdowns `llm.cost.prompt_details.<part>` (cache_read, cache_write,
//   cache_input, audio, input) and `llm.cost.completion_details.<part>` (reasoning, audio, output).
// - `gen_ai.usage.cost`, the total, beside GenAI's token counts: OpenLIT's semantic conventions
//   (openlit/sdk/python/src/openlit/semcov/__init__.py, GEN_AI_USAGE_COST), also read by Langfuse's
//   OTel ingest; `gen_ai.usage.input_cost` / `gen_ai.usage.output_cost`: mozilla-ai any-agent
//   (src/any_agent/tracing/span_attrs.py, INPUT_COST / OUTPUT_COST).
// - `operation.cost`, the total in USD: Pydantic AI's model-request, embedding and image spans
//   (pydantic_ai/_instrumentation.py `response_attributes`, priced with genai-prices).

export const OI_COST_PREFIX = 'llm.cost.';
export const OI_COST_PROMPT = 'llm.cost.prompt';
export const OI_COST_COMPLETION = 'llm.cost.completion';
export const OI_COST_TOTAL = 'llm.cost.total';
export const OI_COST_PROMPT_DETAILS_PREFIX = 'llm.cost.prompt_details.';
export const OI_COST_COMPLETION_DETAILS_PREFIX = 'llm.cost.completion_details.';
export const GEN_AI_USAGE_COST = 'gen_ai.usage.cost';
export const GEN_AI_USAGE_INPUT_COST = 'gen_ai.usage.input_cost';
export const GEN_AI_USAGE_OUTPUT_COST = 'gen_ai.usage.output_cost';
export const PYDANTIC_AI_OPERATION_COST = 'operation.cost';

/** Each side's amount, first spelling present wins. */
const INPUT_KEYS = [OI_COST_PROMPT, GEN_AI_USAGE_INPUT_COST] as const;
const OUTPUT_KEYS = [OI_COST_COMPLETION, GEN_AI_USAGE_OUTPUT_COST] as const;
const TOTAL_KEYS = [OI_COST_TOTAL, GEN_AI_USAGE_COST, PYDANTIC_AI_OPERATION_COST] as const;

/** OpenInference's part names where LangSmith's token details name the same part otherwise. */
const DETAIL_NAMES: Readonly<Record<string, string>> = { cache_write: 'cache_creation' };

/** The costs on a span and the keys they came from, or undefined when it carries none. */
export function readCosts(reader: AttributeReader): { costs: UsageCosts; keys: string[] } | undefined {
  const keys: string[] = [];
  const pick = (candidates: readonly string[]): unknown => {
    for (const key of candidates) {
      const amount = costAmount(reader.attributes[key]);
      if (amount === undefined) continue;
      keys.push(key);
      return amount;
    }
    return undefined;
  };
  // Both breakdowns in one pass over the keys.
  const inputDetails: Record<string, unknown> = {};
  const outputDetails: Record<string, unknown> = {};
  for (const key of Object.keys(reader.attributes)) {
    if (!key.startsWith(OI_COST_PREFIX)) continue;
    const [details, prefix] = key.startsWith(OI_COST_PROMPT_DETAILS_PREFIX)
      ? [inputDetails, OI_COST_PROMPT_DETAILS_PREFIX]
      : key.startsWith(OI_COST_COMPLETION_DETAILS_PREFIX)
        ? [outputDetails, OI_COST_COMPLETION_DETAILS_PREFIX]
        : [undefined, ''];
    const part = key.slice(prefix.length);
    const amount = costAmount(reader.attributes[key]);
    if (!details || !part || amount === undefined || part === '__proto__') continue;
    details[Object.hasOwn(DETAIL_NAMES, part) ? DETAIL_NAMES[part]! : part] = amount;
    keys.push(key);
  }
  const costs = usageCosts({
    input: pick(INPUT_KEYS),
    output: pick(OUTPUT_KEYS),
    total: pick(TOTAL_KEYS),
    inputDetails,
    outputDetails,
  });
  return costs ? { costs, keys } : undefined;
}

/**
 * Token usage with the span's costs beside it; the cost keys are added to `keys` (the attributes
 * the usage came from), so they are consumed wherever the usage is. Costs the usage already holds
 * (LangSmith's own `usage_metadata`) win.
 */
export function withCosts(reader: AttributeReader, usage: UsageMetadata, keys: string[]): UsageMetadata {
  const found = readCosts(reader);
  if (!found) return usage;
  keys.push(...found.keys);
  return { ...found.costs, ...usage };
}
