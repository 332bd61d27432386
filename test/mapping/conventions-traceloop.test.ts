import type { Attributes } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { mapSpan } from 'otel-langsmith';
import { traceloopConvention } from '../../src/mapping/conventions/traceloop.js';
import { endedSpan } from '../helpers/tracing.js';
import { metadataOf } from '../helpers/runs.js';

// Fixtures: real SDK spans carrying attributes as Traceloop OpenLLMetry writes them: the SDK's
// entity spans (workflow/task/agent/tool, JS and Python), and model calls in the legacy indexed
// form of instrumentations up to 0.22 (JS @traceloop/instrumentation-openai 0.22.5, Python
// opentelemetry-instrumentation-* which also records tool-call ids and cache/reasoning tokens).

const spanWith = (attributes: Attributes, name = 'span') => endedSpan(name, attributes);

/** The run the full convention chain makes of the span. */
function runOf(attributes: Attributes, name?: string) {
  return mapSpan(spanWith(attributes, name), { projectName: 'p' }).run;
}

/** The run from the Traceloop convention alone, where the GenAI convention reads the same keys first. */
function traceloopRunOf(attributes: Attributes) {
  return mapSpan(spanWith(attributes), { projectName: 'p', conventions: [traceloopConvention] }).run;
}

function viewOf(attributes: Attributes) {
  return { name: 's', kind: 0, attributes, resource: {}, events: [] };
}

/** A chat span exactly as @traceloop/instrumentation-openai 0.22.5 records a tool-calling round trip. */
const LEGACY_CHAT: Attributes = {
  'gen_ai.system': 'OpenAI',
  'llm.request.type': 'chat',
  'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.request.max_tokens': 50,
  'gen_ai.request.temperature': 0.2,
  'gen_ai.request.top_p': 0.9,
  'llm.frequency_penalty': 0.5,
  'gen_ai.prompt.0.role': 'system',
  'gen_ai.prompt.0.content': 'Be brief',
  'gen_ai.prompt.1.role': 'user',
  'gen_ai.prompt.1.content': 'Weather?',
  'gen_ai.prompt.2.role': 'assistant',
  'gen_ai.prompt.2.content': 'null',
  'gen_ai.prompt.3.role': 'tool',
  'gen_ai.prompt.3.content': 'rain',
  'llm.request.functions.0.name': 'get_weather',
  'llm.request.functions.0.description': 'Weather by city',
  'llm.request.functions.0.arguments': '{"type":"object"}',
  'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
  'llm.usage.total_tokens': 30,
  'gen_ai.usage.completion_tokens': 9,
  'gen_ai.usage.prompt_tokens': 21,
  'gen_ai.completion.0.finish_reason': 'tool_calls',
  'gen_ai.completion.0.role': 'assistant',
  'gen_ai.completion.0.content': '',
  'gen_ai.completion.0.tool_calls.0.name': 'get_weather',
  'gen_ai.completion.0.tool_calls.0.arguments': '{"city":"Paris"}',
  'app.custom': 'kept',
};

describe('Traceloop legacy model calls (gen_ai.prompt.N.* / gen_ai.completion.N.*)', () => {
  it('chat: an llm run with OpenAI-form messages and choices', () => {
    const run = runOf(LEGACY_CHAT, 'openai.chat');
    expect(run.run_type).toBe('llm');
    expect(run.inputs).toEqual({
      messages: [
        { role: 'system', content: 'Be brief' },
        { role: 'user', content: 'Weather?' },
        // 0.22 writes an assistant turn's null content as the string "null".
        { role: 'assistant', content: '' },
        { role: 'tool', content: 'rain' },
      ],
    });
    expect(run.outputs?.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }, finish_reason: 'tool_calls' },
    ]);
    expect(run.outputs?.usage_metadata).toEqual({ input_tokens: 21, output_tokens: 9, total_tokens: 30 });
  });

  it('chat: provider, model, model type, invocation params with tools, ls_* settings', () => {
    const run = runOf(LEGACY_CHAT);
    const params = {
      model: 'gpt-4o-mini',
      temperature: 0.2,
      max_tokens: 50,
      top_p: 0.9,
      frequency_penalty: 0.5,
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object' } } }],
    };
    expect(run.extra?.invocation_params).toEqual(params);
    expect(metadataOf(run)).toMatchObject({ ls_provider: 'openai', ls_model_name: 'gpt-4o-mini-2024-07-18', ls_model_type: 'chat', ls_temperature: 0.2, ls_max_tokens: 50 });
  });

  it('consumes what it turned into run fields; unrelated attributes stay', () => {
    const leftovers = Object.keys(metadataOf(traceloopRunOf(LEGACY_CHAT))).filter((k) => !k.startsWith('ls_') && !k.startsWith('otel.'));
    expect(leftovers).toEqual(['app.custom']);
  });

  it('Python form: tool-call ids, tool_call_id, content parts, stop sequences, top_k, cache and reasoning tokens', () => {
    const attributes: Attributes = {
      'gen_ai.system': 'Anthropic',
      'llm.request.type': 'chat',
      'gen_ai.request.model': 'claude-sonnet',
      'llm.top_k': 40,
      'llm.chat.stop_sequences': ['END'],
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': JSON.stringify([
        { type: 'text', text: 'Describe' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
      ]),
      'gen_ai.prompt.1.role': 'assistant',
      'gen_ai.prompt.1.tool_calls.0.id': 'toolu_1',
      'gen_ai.prompt.1.tool_calls.0.name': 'look',
      'gen_ai.prompt.1.tool_calls.0.arguments': '{}',
      'gen_ai.prompt.2.role': 'tool',
      'gen_ai.prompt.2.tool_call_id': 'toolu_1',
      'gen_ai.prompt.2.content': 'a cat',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': 'A cat.',
      'gen_ai.completion.0.finish_reason': 'end_turn',
      'gen_ai.usage.prompt_tokens': 100,
      'gen_ai.usage.completion_tokens': 20,
      'llm.usage.total_tokens': 120,
      'gen_ai.usage.cache_read_input_tokens': 80,
      'gen_ai.usage.cache_creation_input_tokens': 10,
      'gen_ai.usage.reasoning_tokens': 7,
    };
    const run = traceloopRunOf(attributes);
    expect(run.inputs).toEqual({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Describe' },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'look', arguments: '{}' } }] },
        { role: 'tool', content: 'a cat', tool_call_id: 'toolu_1' },
      ],
    });
    expect(run.outputs).toEqual({
      choices: [{ index: 0, message: { role: 'assistant', content: 'A cat.' }, finish_reason: 'end_turn' }],
      usage_metadata: { input_tokens: 100, output_tokens: 20, total_tokens: 120, input_token_details: { cache_read: 80, cache_creation: 10 }, output_token_details: { reasoning: 7 } },
    });
    expect(run.extra?.invocation_params).toEqual({ model: 'claude-sonnet', top_k: 40, stop: ['END'] });
    expect(metadataOf(run)).toMatchObject({ ls_provider: 'anthropic', ls_stop: ['END'] });
  });

  it('completion: the prompt text (or a JSON-encoded prompt list) and text choices', () => {
    const run = runOf({
      'gen_ai.system': 'OpenAI',
      'llm.request.type': 'completion',
      'gen_ai.request.model': 'gpt-3.5-turbo-instruct',
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': 'Say',
      'gen_ai.completion.0.finish_reason': 'stop',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': ' hello',
    });
    expect(run).toMatchObject({ run_type: 'llm', inputs: { prompt: 'Say' }, outputs: { choices: [{ index: 0, text: ' hello', finish_reason: 'stop' }] } });
    expect(metadataOf(run)).toMatchObject({ ls_model_type: 'llm' });
    expect(runOf({ 'llm.request.type': 'completion', 'gen_ai.prompt.0.content': '["a","b"]' }).inputs).toEqual({ prompt: ['a', 'b'] });
  });

  it('llm.request.type embedding → an embedding run', () => {
    expect(runOf({ 'llm.request.type': 'embedding', 'gen_ai.request.model': 'text-embedding-3-small' }).run_type).toBe('embedding');
  });
});

describe('Traceloop SDK entity spans', () => {
  it.each([
    ['workflow', 'chain'],
    ['task', 'chain'],
    ['agent', 'chain'],
    ['session', 'chain'],
    ['tool', 'tool'],
  ])('traceloop.span.kind %s → run_type %s, named by traceloop.entity.name', (kind, runType) => {
    const run = runOf({ 'traceloop.span.kind': kind, 'traceloop.entity.name': 'plan_trip' }, `plan_trip.${kind}`);
    expect(run).toMatchObject({ run_type: runType, name: 'plan_trip' });
    expect(metadataOf(run)).not.toHaveProperty('traceloop.entity.name');
  });

  it('Python entity input {"args": [], "kwargs": {...}} is unwrapped to the kwargs; JSON output as it is', () => {
    const run = runOf({
      'traceloop.span.kind': 'workflow',
      'traceloop.entity.name': 'trip',
      'traceloop.entity.input': '{"args": [], "kwargs": {"city": "Paris", "days": 3}}',
      'traceloop.entity.output': '{"plan": ["Louvre"]}',
    });
    expect(run).toMatchObject({ inputs: { city: 'Paris', days: 3 }, outputs: { plan: ['Louvre'] } });
  });

  it('positional arguments stay as {args, kwargs}; a plain-text output is wrapped', () => {
    const run = runOf({
      'traceloop.span.kind': 'tool',
      'traceloop.entity.name': 'get_weather',
      'traceloop.entity.input': '{"args":["Paris"],"kwargs":{}}',
      'traceloop.entity.output': 'rain',
    });
    expect(run).toMatchObject({ run_type: 'tool', name: 'get_weather', inputs: { args: ['Paris'], kwargs: {} }, outputs: { output: 'rain' } });
  });

  it('association properties become metadata, thread keys included', () => {
    const run = runOf({
      'traceloop.span.kind': 'workflow',
      'traceloop.association.properties.session_id': 'sess-9',
      'traceloop.association.properties.thread_id': 'th-1',
      'traceloop.association.properties.user_id': 'u-1',
      'traceloop.association.properties.tier': 3,
      'traceloop.workflow.name': 'trip',
    });
    expect(metadataOf(run)).toMatchObject({ session_id: 'sess-9', thread_id: 'th-1', user_id: 'u-1', tier: 3, 'traceloop.workflow.name': 'trip' });
    expect(Object.keys(metadataOf(run)).filter((k) => k.startsWith('traceloop.association'))).toEqual([]);
  });

  it('an unknown span kind decides nothing and stays in metadata; the span name is kept', () => {
    const run = runOf({ 'traceloop.span.kind': 'unknown', 'traceloop.entity.name': 'x', 'traceloop.entity.output': '{"ok":true}' }, 'x.unknown');
    expect(run).toMatchObject({ run_type: 'chain', name: 'x.unknown', outputs: { ok: true } });
    expect(metadataOf(run)).toMatchObject({ 'traceloop.span.kind': 'unknown', 'traceloop.entity.name': 'x' });
  });
});

describe('Traceloop convention boundaries and defensiveness', () => {
  it('leaves the current GenAI form (0.27) to the GenAI convention', () => {
    const current: Attributes = {
      'gen_ai.provider.name': 'openai',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]',
      'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"hello"}]}]',
      'gen_ai.usage.input_tokens': 3,
      'gen_ai.usage.output_tokens': 2,
      'gen_ai.usage.total_tokens': 5,
    };
    expect(traceloopConvention.read(viewOf(current))).toBeUndefined();
    // With association properties present it reads those, and nothing of the GenAI form.
    const withProps = traceloopConvention.read(viewOf({ ...current, 'traceloop.association.properties.session_id': 's' }));
    expect(withProps?.consumed).toEqual(['traceloop.association.properties.session_id']);
    expect(withProps).not.toHaveProperty('inputs');
    expect(withProps?.metadata).toEqual({ session_id: 's' });
  });

  it('returns nothing for spans without Traceloop attributes', () => {
    expect(traceloopConvention.read(viewOf({ 'http.request.method': 'GET' }))).toBeUndefined();
    expect(traceloopConvention.read(viewOf({ 'gen_ai.request.model': 'm', 'gen_ai.system': 'openai' }))).toBeUndefined();
  });

  it('survives garbage: wrong types, bad JSON, absurd and sparse indices, hostile keys', () => {
    const run = runOf({
      'llm.request.type': 'chat',
      'gen_ai.prompt.__proto__.role': 'user',
      'gen_ai.prompt.99999999.role': 'user',
      'gen_ai.prompt.3.role': 'user',
      'gen_ai.prompt.3.content': 42,
      'gen_ai.prompt.8.content': '[1,2]',
      'gen_ai.completion.0.content': '{oops',
      'gen_ai.completion.0.tool_calls.x.name': 'ignored',
      'gen_ai.usage.prompt_tokens': 'many',
      'gen_ai.usage.completion_tokens': -1,
      'gen_ai.request.temperature': 'hot',
      'traceloop.span.kind': 12,
      'traceloop.entity.input': '{broken',
      'traceloop.association.properties.__proto__': 'evil',
      'traceloop.association.properties.': 'empty key',
    });
    expect(run.run_type).toBe('llm');
    expect(run.inputs).toEqual({ messages: [{ role: 'user', content: '42' }, { role: 'user', content: '[1,2]' }] });
    expect(run.outputs).toEqual({ choices: [{ index: 0, message: { role: 'assistant', content: '{oops' } }] });
    const metadata = metadataOf(run);
    expect(metadata['gen_ai.request.temperature']).toBe('hot');
    expect(metadata['traceloop.association.properties.']).toBe('empty key');
    expect(Object.getOwnPropertyNames(metadata)).toContain('__proto__');
    expect(({} as Record<string, unknown>).evil).toBeUndefined();
  });

  it('an entity input that is not JSON stays a string', () => {
    expect(runOf({ 'traceloop.span.kind': 'task', 'traceloop.entity.input': '{broken' }).inputs).toEqual({ input: '{broken' });
  });
});
