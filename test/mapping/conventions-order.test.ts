import { describe, expect, it } from 'vitest';
import { mapSpan } from 'otel-langsmith';
import { recordingTracer } from '../helpers/tracing.js';

function run(name: string, attributes: Record<string, string | number | string[]>) {
  const { tracer, spans } = recordingTracer();
  tracer.startSpan(name, { attributes }).end();
  return mapSpan(spans()[0]!, { projectName: 'p' }).run;
}

describe('conventions together', () => {
  it('an AI SDK model call keeps the cache and reasoning details its ai.usage.* has beside gen_ai.usage.*', () => {
    const r = run('ai.generateText.doGenerate', {
      'ai.operationId': 'ai.generateText.doGenerate',
      'operation.name': 'ai.generateText.doGenerate',
      'gen_ai.system': 'openai.chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 7,
      'ai.usage.inputTokens': 12,
      'ai.usage.outputTokens': 7,
      'ai.usage.totalTokens': 19,
      'ai.usage.cachedInputTokens': 4,
      'ai.usage.reasoningTokens': 2,
      'ai.prompt.messages': JSON.stringify([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]),
      'ai.response.text': 'hello',
      'ai.response.finishReason': 'stop',
    });
    expect(r.run_type).toBe('llm');
    expect(r.outputs?.usage_metadata).toEqual({
      input_tokens: 12,
      output_tokens: 7,
      total_tokens: 19,
      input_token_details: { cache_read: 4 },
      output_token_details: { reasoning: 2 },
    });
  });

  it('a legacy Traceloop span keeps its cache and reasoning tokens', () => {
    const r = run('openai.chat', {
      'llm.request.type': 'chat',
      'gen_ai.system': 'OpenAI',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': 'hi',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': 'hello',
      'gen_ai.completion.0.finish_reason': 'stop',
      'gen_ai.usage.prompt_tokens': 100,
      'gen_ai.usage.completion_tokens': 20,
      'llm.usage.total_tokens': 120,
      'gen_ai.usage.cache_read_input_tokens': 80,
      'gen_ai.usage.reasoning_tokens': 7,
    });
    expect(r.run_type).toBe('llm');
    expect(r.outputs?.usage_metadata).toMatchObject({ input_tokens: 100, output_tokens: 20, input_token_details: { cache_read: 80 }, output_token_details: { reasoning: 7 } });
  });

  it("LangSmith's own attributes win over every convention", () => {
    const r = run('chat gpt-4o', {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o',
      'langsmith.span.kind': 'chain',
      'langsmith.trace.name': 'My step',
    });
    expect(r.name).toBe('My step');
    expect(r.run_type).toBe('chain');
    expect(r.extra?.metadata?.ls_model_name).toBe('gpt-4o');
  });
});
