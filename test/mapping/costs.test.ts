import type { Attributes } from '@opentelemetry/api';
import { SemanticConventions as OI } from '@arizeai/openinference-semantic-conventions';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
} from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import { mapSpan } from 'otel-langsmith';
import { endedSpan } from '../helpers/tracing.js';
import { metadataOf } from '../helpers/runs.js';

// Costs producers compute themselves land where LangSmith reads them: `outputs.usage_metadata`
// `input_cost` / `output_cost` / `total_cost` (+ `input_cost_details` / `output_cost_details`),
// langsmith's UsageMetadata. Spans are real SDK spans with the attributes as each producer
// documents them (OpenInference constants from its own package; Pydantic AI's `operation.cost`
// from pydantic_ai/_instrumentation.py, proven live in test/parity/python-costs.test.ts).

const runOf = (attributes: Attributes, name = 'span') => mapSpan(endedSpan(name, attributes), { projectName: 'p' }).run;
const usageOf = (attributes: Attributes) => runOf(attributes).outputs?.usage_metadata as Record<string, unknown> | undefined;

const oiLlm: Attributes = {
  [OI.OPENINFERENCE_SPAN_KIND]: 'LLM',
  [OI.LLM_MODEL_NAME]: 'gpt-4o-mini',
  'llm.output_messages.0.message.role': 'assistant',
  'llm.output_messages.0.message.content': 'Rain.',
  [OI.LLM_TOKEN_COUNT_PROMPT]: 100,
  [OI.LLM_TOKEN_COUNT_COMPLETION]: 20,
  [OI.LLM_TOKEN_COUNT_TOTAL]: 120,
};

describe('computed costs → usage_metadata costs', () => {
  it('OpenInference llm.cost.*: input, output, total and both breakdowns (cache_write is LangSmith’s cache_creation)', () => {
    const run = runOf({
      ...oiLlm,
      [OI.LLM_COST_PROMPT]: 0.0021,
      [OI.LLM_COST_COMPLETION]: 0.0045,
      [OI.LLM_COST_TOTAL]: 0.0066,
      [OI.LLM_COST_PROMPT_DETAILS_CACHE_READ]: 0.0003,
      [OI.LLM_COST_PROMPT_DETAILS_CACHE_WRITE]: 0.0006,
      [OI.LLM_COST_PROMPT_DETAILS_AUDIO]: 0.0001,
      [OI.LLM_COST_COMPLETION_DETAILS_REASONING]: 0.0024,
    });
    expect(run.outputs?.usage_metadata).toEqual({
      input_tokens: 100,
      output_tokens: 20,
      total_tokens: 120,
      input_cost: 0.0021,
      output_cost: 0.0045,
      total_cost: 0.0066,
      input_cost_details: { cache_read: 0.0003, cache_creation: 0.0006, audio: 0.0001 },
      output_cost_details: { reasoning: 0.0024 },
    });
    // Turned into run fields, so not repeated in metadata.
    expect(Object.keys(metadataOf(run)).filter((key) => key.startsWith('llm.cost'))).toEqual([]);
  });

  it('a missing total is the sum of input and output; amounts are never rounded', () => {
    expect(usageOf({ ...oiLlm, [OI.LLM_COST_PROMPT]: 0.000125, [OI.LLM_COST_COMPLETION]: '0.00005' })).toMatchObject({
      input_cost: 0.000125,
      output_cost: 0.00005,
      total_cost: 0.000125 + 0.00005,
    });
  });

  it('Pydantic AI operation.cost (USD total) on a GenAI model-request span', () => {
    const usage = usageOf({
      [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini',
      [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 57,
      [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 12,
      'operation.cost': 0.00001575,
      'logfire.msg': 'chat gpt-4o-mini',
    });
    expect(usage).toEqual({ input_tokens: 57, output_tokens: 12, total_tokens: 69, total_cost: 0.00001575 });
  });

  it('gen_ai.usage.cost (OpenLIT) and gen_ai.usage.input_cost / output_cost (any-agent) beside GenAI token counts', () => {
    const genAi = { [ATTR_GEN_AI_OPERATION_NAME]: 'chat', [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 10, [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 5 };
    expect(usageOf({ ...genAi, 'gen_ai.usage.cost': 0.5 })).toMatchObject({ total_cost: 0.5 });
    expect(usageOf({ ...genAi, 'gen_ai.usage.input_cost': 0.25, 'gen_ai.usage.output_cost': 0.5 })).toMatchObject({ input_cost: 0.25, output_cost: 0.5, total_cost: 0.75 });
  });

  it('legacy OpenLLMetry token counts carry a gen_ai.usage.cost too (the one cost reader serves every convention)', () => {
    expect(
      usageOf({ 'llm.request.type': 'chat', 'gen_ai.system': 'openai', 'gen_ai.usage.prompt_tokens': 3, 'gen_ai.usage.completion_tokens': 4, 'gen_ai.usage.cost': 0.01 }),
    ).toEqual({ input_tokens: 3, output_tokens: 4, total_tokens: 7, total_cost: 0.01 });
  });

  it('LangSmith’s own usage_metadata keeps the costs it states, and they win over span-level ones', () => {
    const usage = usageOf({
      'langsmith.span.kind': 'llm',
      'langsmith.usage_metadata': JSON.stringify({ input_tokens: 5, output_tokens: 6, total_tokens: 11, input_cost: 1, output_cost: 2, total_cost: 3, input_cost_details: { cache_read: 0.5 } }),
      'gen_ai.usage.cost': 99,
    });
    expect(usage).toMatchObject({ input_cost: 1, output_cost: 2, total_cost: 3, input_cost_details: { cache_read: 0.5 } });
  });

  it('negative, non-finite and non-numeric amounts are not costs and stay in metadata', () => {
    const run = runOf({ ...oiLlm, [OI.LLM_COST_TOTAL]: -1, [OI.LLM_COST_PROMPT]: 'free', [OI.LLM_COST_COMPLETION]: Number.NaN });
    expect(run.outputs?.usage_metadata).toEqual({ input_tokens: 100, output_tokens: 20, total_tokens: 120 });
    expect(metadataOf(run)[OI.LLM_COST_TOTAL]).toBe(-1);
  });

  it('costs reach llm runs only, like token counts (a wrapper repeating them would count them twice)', () => {
    const run = runOf({ [ATTR_GEN_AI_OPERATION_NAME]: 'invoke_agent', [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 10, [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 5, 'operation.cost': 0.2 });
    expect(run.run_type).toBe('chain');
    expect(run.outputs?.usage_metadata).toBeUndefined();
  });
});
