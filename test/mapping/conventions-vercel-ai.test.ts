import { context, SpanKind, trace, type Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
} from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import { mapSpan } from 'otel-langsmith';
import { vercelAiConvention } from '../../src/mapping/conventions/vercel-ai.js';
import { endedSpan, recordingTracer, type FixtureEvent } from '../helpers/tracing.js';

// Span attributes as each AI SDK major writes them (from its telemetry source and docs).

function runOf(name: string, attributes: Attributes, events: FixtureEvent[] = []) {
  return mapSpan(endedSpan(name, attributes, { events }), { projectName: 'p' }).run;
}

const json = (value: unknown) => JSON.stringify(value);
const operation = (id: string, functionId = 'weather-agent'): Attributes => ({
  'operation.name': `${id} ${functionId}`,
  'resource.name': functionId,
  'ai.operationId': id,
  'ai.telemetry.functionId': functionId,
});
const ISO_MICROS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

describe('AI SDK v3 (ai.result.*, ai.finishReason, ai.stream.msToFirstChunk)', () => {
  it('maps a doStream span: messages, choices, usage and the first chunk as new_token', () => {
    const run = runOf('ai.streamText.doStream', {
      ...operation('ai.streamText.doStream'),
      'ai.model.provider': 'openai.chat',
      'ai.model.id': 'gpt-4-turbo',
      'ai.settings.maxTokens': 100,
      'ai.prompt.format': 'messages',
      'ai.prompt.messages': json([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }]),
      'ai.result.text': 'Hello!',
      'ai.finishReason': 'stop',
      'ai.usage.promptTokens': 9,
      'ai.usage.completionTokens': 3,
    }, [{ name: 'ai.stream.firstChunk', attributes: { 'ai.stream.msToFirstChunk': 120.5 } }, { name: 'ai.stream.finish' }]);
    expect(run).toMatchObject({
      run_type: 'llm',
      name: 'ai.streamText.doStream',
      inputs: { messages: [{ role: 'user', content: 'Hi' }] },
      outputs: {
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
        usage_metadata: { input_tokens: 9, output_tokens: 3, total_tokens: 12 },
      },
    });
    expect(run.events).toEqual([
      { name: 'ai.stream.finish', time: expect.stringMatching(ISO_MICROS), kwargs: {} },
      { name: 'new_token', time: expect.stringMatching(ISO_MICROS), kwargs: { token: '' } },
    ]);
    expect(run.extra?.metadata).toMatchObject({ ls_max_tokens: 100, ls_model_name: 'gpt-4-turbo', ls_provider: 'openai', 'ai.response.msToFirstChunk': 120.5 });
    expect(run.extra?.invocation_params).toEqual({ maxTokens: 100 });
  });

  it('maps ai.result.toolCalls (toolCallType, args as JSON text)', () => {
    const run = runOf('ai.generateText.doGenerate', {
      ...operation('ai.generateText.doGenerate'),
      'ai.result.toolCalls': json([{ toolCallType: 'function', toolCallId: 'c1', toolName: 'weather', args: '{"city":"Oslo"}' }]),
      'ai.finishReason': 'tool-calls',
    });
    expect(run.outputs?.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] }, finish_reason: 'tool_calls' },
    ]);
  });
});

describe('AI SDK v4 (ai.response.*, promptTokens/completionTokens, args/result)', () => {
  const doGenerate: Attributes = {
    ...operation('ai.generateText.doGenerate'),
    'ai.model.provider': 'anthropic.messages',
    'ai.model.id': 'claude-3-5-sonnet-latest',
    'ai.settings.maxTokens': 512,
    'ai.settings.temperature': 0,
    'ai.settings.maxRetries': 2,
    'ai.telemetry.metadata.thread_id': 't-7',
    'ai.telemetry.metadata.userId': 'u-1',
    'ai.prompt.format': 'prompt',
    'ai.prompt.messages': json([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', image: 'iVBORw0KGgo=', mimeType: 'image/png' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool-call', toolCallId: 'c1', toolName: 'lookup', args: { q: 'png' } }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'lookup', result: { kind: 'logo' } }] },
    ]),
    'ai.prompt.tools': ['{"type":"function","name":"lookup","description":"Looks up","parameters":{"type":"object","properties":{"q":{"type":"string"}}}}'],
    'ai.prompt.toolChoice': '{"type":"auto"}',
    [ATTR_GEN_AI_SYSTEM]: 'anthropic.messages',
    [ATTR_GEN_AI_REQUEST_MODEL]: 'claude-3-5-sonnet-latest',
    [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: 512,
    [ATTR_GEN_AI_REQUEST_TEMPERATURE]: 0,
    'ai.response.text': 'A logo.',
    'ai.response.finishReason': 'stop',
    'ai.response.id': 'msg_1',
    'ai.response.model': 'claude-3-5-sonnet-20241022',
    'ai.response.timestamp': '2025-01-01T00:00:00.000Z',
    'ai.usage.promptTokens': 50,
    'ai.usage.completionTokens': 4,
    [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: ['stop'],
    [ATTR_GEN_AI_RESPONSE_MODEL]: 'claude-3-5-sonnet-20241022',
    [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 50,
    [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 4,
  };

  it('maps a doGenerate span to an llm run with OpenAI-form messages, tools, params and thread metadata', () => {
    const run = runOf('ai.generateText.doGenerate', doGenerate);
    expect(run.run_type).toBe('llm');
    expect(run.inputs).toEqual({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
        { role: 'assistant', content: 'Let me check.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{"q":"png"}' } }] },
        { role: 'tool', content: '{"kind":"logo"}', tool_call_id: 'c1', name: 'lookup' },
      ],
      tools: [{ type: 'function', function: { name: 'lookup', description: 'Looks up', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }],
      tool_choice: { type: 'auto' },
    });
    expect(run.outputs).toEqual({
      choices: [{ index: 0, message: { role: 'assistant', content: 'A logo.' }, finish_reason: 'stop' }],
      usage_metadata: { input_tokens: 50, output_tokens: 4, total_tokens: 54 },
    });
    expect(run.extra?.invocation_params).toEqual({ maxTokens: 512, temperature: 0, maxRetries: 2 });
    const metadata = run.extra?.metadata ?? {};
    expect(metadata).toMatchObject({
      ls_provider: 'anthropic',
      ls_model_name: 'claude-3-5-sonnet-20241022',
      ls_model_type: 'chat',
      ls_temperature: 0,
      ls_max_tokens: 512,
      thread_id: 't-7',
      userId: 'u-1',
      'ai.response.id': 'msg_1',
    });
    for (const key of ['ai.prompt.messages', 'ai.response.text', 'ai.usage.promptTokens', 'ai.settings.maxTokens', 'ai.telemetry.metadata.thread_id']) {
      expect(metadata).not.toHaveProperty([key]);
    }
  });

  it('maps the ai.toolCall span to a tool run named after the tool (args/result)', () => {
    const run = runOf('ai.toolCall', {
      ...operation('ai.toolCall'),
      'ai.toolCall.name': 'lookup',
      'ai.toolCall.id': 'c1',
      'ai.toolCall.args': '{"q":"png"}',
      'ai.toolCall.result': '"a logo"',
    });
    expect(run).toMatchObject({ run_type: 'tool', name: 'lookup', inputs: { q: 'png' }, outputs: { output: 'a logo' } });
    expect(run.extra?.metadata).toMatchObject({ 'ai.toolCall.id': 'c1' });
  });

  it('maps the outer ai.generateText span to a chain named after functionId, {output} and no usage', () => {
    const run = runOf('ai.generateText', {
      ...operation('ai.generateText'),
      'ai.model.provider': 'anthropic.messages',
      'ai.model.id': 'claude-3-5-sonnet-latest',
      'ai.prompt': json({ system: 'Be brief.', prompt: 'What is this?' }),
      'ai.response.text': 'A logo.',
      'ai.response.finishReason': 'stop',
      'ai.usage.promptTokens': 100,
      'ai.usage.completionTokens': 8,
    });
    expect(run).toMatchObject({
      run_type: 'chain',
      name: 'weather-agent',
      inputs: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is this?' }] },
    });
    expect(run.outputs).toEqual({ output: 'A logo.', finish_reason: 'stop' });
    // The wrapper is no model call: no ls_provider on it (its llm child has one); the provider id stays.
    expect(run.extra?.metadata).toMatchObject({ 'ai.telemetry.functionId': 'weather-agent', 'ai.model.provider': 'anthropic.messages' });
    expect(run.extra?.metadata?.ls_provider).toBeUndefined();
  });

  it('reads the operation from operation.name when ai.operationId is missing', () => {
    const run = runOf('ai.embedMany', { 'operation.name': 'ai.embedMany', 'ai.values': ['"a"', '"b"'] });
    expect(run).toMatchObject({ run_type: 'chain', inputs: { input: ['a', 'b'] } });
  });
});

describe('AI SDK v5/v6 (inputTokens/outputTokens, input/output parts, toolCalls with input)', () => {
  it('maps usage with cache and reasoning details and v5 tool-call/tool-result parts', () => {
    const { tracer, spans } = recordingTracer();
    tracer
      .startSpan('ai.generateText.doGenerate', {
        attributes: {
          ...operation('ai.generateText.doGenerate'),
          'ai.model.provider': 'openai.responses',
          'ai.model.id': 'gpt-5',
          'ai.settings.maxOutputTokens': 300,
          'ai.settings.stopSequences': ['END'],
          'ai.prompt.messages': json([
            { role: 'user', content: [{ type: 'text', text: 'Read this' }, { type: 'file', mediaType: 'application/pdf', data: 'JVBERi0=', filename: 'a.pdf' }] },
            { role: 'assistant', content: [{ type: 'reasoning', text: 'Need a tool.' }, { type: 'tool-call', toolCallId: 'c2', toolName: 'ocr', input: { page: 1 } }] },
            { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c2', toolName: 'ocr', output: { type: 'text', value: 'Invoice 42' } }] },
          ]),
          'ai.response.toolCalls': json([{ toolCallId: 'c3', toolName: 'ocr', input: '{"page":2}' }]),
          'ai.response.finishReason': 'tool-calls',
          'ai.usage.inputTokens': 1000,
          'ai.usage.outputTokens': 200,
          'ai.usage.totalTokens': 1200,
          'ai.usage.reasoningTokens': 150,
          'ai.usage.cachedInputTokens': 800,
        },
      })
      .end();
    // The Vercel convention alone, so its own usage reading is what is checked here.
    const run = mapSpan(spans()[0]!, { projectName: 'p', conventions: [vercelAiConvention] }).run;
    expect(run.inputs.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Read this' }, { type: 'file', mediaType: 'application/pdf', data: 'JVBERi0=', filename: 'a.pdf' }] },
      { role: 'assistant', content: [{ type: 'reasoning', reasoning: 'Need a tool.' }], tool_calls: [{ id: 'c2', type: 'function', function: { name: 'ocr', arguments: '{"page":1}' } }] },
      { role: 'tool', content: 'Invoice 42', tool_call_id: 'c2', name: 'ocr' },
    ]);
    expect(run.outputs).toEqual({
      choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'c3', type: 'function', function: { name: 'ocr', arguments: '{"page":2}' } }] }, finish_reason: 'tool_calls' }],
      usage_metadata: { input_tokens: 1000, output_tokens: 200, total_tokens: 1200, input_token_details: { cache_read: 800 }, output_token_details: { reasoning: 150 } },
    });
    expect(run.extra?.metadata).toMatchObject({ ls_max_tokens: 300, ls_stop: ['END'], ls_provider: 'openai' });
  });

  it('maps generateObject: the wrapper outputs the parsed object, the model call a JSON message', () => {
    const object = { city: 'Paris', forecast: 'rain' };
    const wrapper = runOf('ai.generateObject', {
      ...operation('ai.generateObject'),
      'ai.prompt': json({ prompt: 'Forecast as JSON' }),
      'ai.schema': json({ type: 'object' }),
      'ai.settings.output': 'object',
      'ai.response.object': json(object),
    });
    expect(wrapper).toMatchObject({ run_type: 'chain', name: 'weather-agent', inputs: { messages: [{ role: 'user', content: 'Forecast as JSON' }] }, outputs: { output: object } });
    const call = runOf('ai.generateObject.doGenerate', {
      ...operation('ai.generateObject.doGenerate'),
      'ai.response.object': json(object),
      'ai.response.finishReason': 'stop',
    });
    expect(call.outputs?.choices).toEqual([{ index: 0, message: { role: 'assistant', content: json(object) }, finish_reason: 'stop' }]);
  });

  it('maps embedMany: the texts in, vectors dropped, token count kept on the embedding run', () => {
    const vectors = ['[0.111,0.222]', '[0.333,0.444]'];
    const call = runOf('ai.embedMany.doEmbed', {
      ...operation('ai.embedMany.doEmbed'),
      'ai.model.provider': 'openai.embedding',
      'ai.model.id': 'text-embedding-3-small',
      'ai.values': ['"sunny day"', '"rainy day"'],
      'ai.embeddings': vectors,
      'ai.usage.tokens': 6,
    });
    expect(call).toMatchObject({ run_type: 'embedding', inputs: { input: ['sunny day', 'rainy day'] }, outputs: {} });
    expect(call.extra?.metadata).toMatchObject({ 'ai.usage.tokens': 6, ls_model_name: 'text-embedding-3-small' });
    const wrapper = runOf('ai.embed', { ...operation('ai.embed'), 'ai.value': '"sunny day"', 'ai.embedding': '[0.555,0.666]', 'ai.usage.tokens': 3 });
    expect(wrapper).toMatchObject({ run_type: 'chain', inputs: { input: 'sunny day' } });
    expect(JSON.stringify([call, wrapper])).not.toMatch(/0\.111|0\.333|0\.555/);
  });

  it('keeps request header names only, never their values', () => {
    const run = runOf('ai.generateText.doGenerate', {
      ...operation('ai.generateText.doGenerate'),
      'ai.request.headers.authorization': 'Bearer sk-live-123',
      'ai.request.headers.x-api-key': 'key-456',
      'ai.request.headers.user-agent': 'ai/6.0.0',
    });
    expect(run.extra?.metadata?.['ai.request.headers']).toEqual(['authorization', 'x-api-key', 'user-agent']);
    expect(JSON.stringify(run)).not.toMatch(/sk-live-123|key-456/);
  });
});

describe('AI SDK v7 legacy ai.* spans (ai.settings.context.*, toolCall input/output, token details)', () => {
  it('maps context to metadata keys that keep their names, and cache read/write details', () => {
    const run = runOf('ai.streamText.doStream', {
      ...operation('ai.streamText.doStream'),
      'ai.settings.context.session_id': 's-9',
      'ai.settings.context.tenant': 'acme',
      'ai.settings.temperature': 0.7,
      'ai.prompt.messages': json([{ role: 'user', content: 'Hi' }]),
      'ai.response.text': 'Hello',
      'ai.response.finishReason': 'stop',
      'ai.usage.inputTokens': 500,
      'ai.usage.outputTokens': 20,
      'ai.usage.inputTokenDetails.cacheReadTokens': 300,
      'ai.usage.inputTokenDetails.cacheWriteTokens': 100,
      'ai.usage.outputTokenDetails.reasoningTokens': 5,
    }, [{ name: 'ai.stream.firstChunk', attributes: { 'ai.response.msToFirstChunk': 80 } }]);
    expect(run.inputs).toEqual({ messages: [{ role: 'user', content: 'Hi' }] });
    expect(run.outputs?.usage_metadata).toEqual({
      input_tokens: 500,
      output_tokens: 20,
      total_tokens: 520,
      input_token_details: { cache_read: 300, cache_creation: 100 },
      output_token_details: { reasoning: 5 },
    });
    expect(run.extra?.metadata).toMatchObject({ session_id: 's-9', tenant: 'acme', ls_temperature: 0.7, 'ai.response.msToFirstChunk': 80 });
    expect(run.extra?.invocation_params).toEqual({ temperature: 0.7 });
    expect(run.events?.map((event) => event.name)).toEqual(['new_token']);
  });

  it('maps ai.toolCall with input/output', () => {
    const run = runOf('ai.toolCall', { ...operation('ai.toolCall'), 'ai.toolCall.name': 'weather', 'ai.toolCall.input': '{"city":"Rome"}', 'ai.toolCall.output': '{"forecast":"sun"}' });
    expect(run).toMatchObject({ run_type: 'tool', name: 'weather', inputs: { city: 'Rome' }, outputs: { forecast: 'sun' } });
  });
});

describe('AI SDK v7 GenAI-semconv spans (@ai-sdk/otel), read by the GenAI convention', () => {
  it('maps invoke_agent / step / chat / execute_tool / embeddings as @ai-sdk/otel writes them', () => {
    const { tracer, spans } = recordingTracer();
    const toolCallPart = { type: 'tool_call', id: 'call-1', name: 'weather', arguments: { city: 'Paris' } };
    const root = tracer.startSpan('invoke_agent gpt-4o', {
      kind: SpanKind.INTERNAL,
      attributes: {
        [ATTR_GEN_AI_OPERATION_NAME]: 'invoke_agent',
        [ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
        [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o',
        [ATTR_GEN_AI_AGENT_NAME]: 'weather-agent',
        [ATTR_GEN_AI_REQUEST_TEMPERATURE]: 0.2,
        [ATTR_GEN_AI_SYSTEM_INSTRUCTIONS]: json([{ type: 'text', content: 'Be brief.' }]),
        [ATTR_GEN_AI_INPUT_MESSAGES]: json([{ role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] }]),
      },
    });
    const rootContext = trace.setSpan(context.active(), root);
    const step = tracer.startSpan('step 1', { kind: SpanKind.INTERNAL, attributes: { [ATTR_GEN_AI_OPERATION_NAME]: 'agent_step' } }, rootContext);
    const stepContext = trace.setSpan(rootContext, step);
    const chat = tracer.startSpan('chat gpt-4o', {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
        [ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
        [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o',
        [ATTR_GEN_AI_REQUEST_TEMPERATURE]: 0.2,
        [ATTR_GEN_AI_INPUT_MESSAGES]: json([
          { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
          { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
        ]),
        [ATTR_GEN_AI_TOOL_DEFINITIONS]: json([{ type: 'function', name: 'weather', inputSchema: { type: 'object' } }]),
      },
    }, stepContext);
    chat.setAttributes({
      [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: ['tool-calls'],
      [ATTR_GEN_AI_RESPONSE_ID]: 'resp-1',
      [ATTR_GEN_AI_RESPONSE_MODEL]: 'gpt-4o-2024-08-06',
      [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 40,
      [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 12,
      [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 32,
      [ATTR_GEN_AI_OUTPUT_MESSAGES]: json([{ role: 'assistant', parts: [toolCallPart], finish_reason: 'tool_call' }]),
    });
    chat.end();
    const toolSpan = tracer.startSpan('execute_tool weather', {
      kind: SpanKind.INTERNAL,
      attributes: {
        [ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool',
        [ATTR_GEN_AI_TOOL_NAME]: 'weather',
        [ATTR_GEN_AI_TOOL_CALL_ID]: 'call-1',
        [ATTR_GEN_AI_TOOL_TYPE]: 'function',
        [ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]: '{"city":"Paris"}',
      },
    }, stepContext);
    toolSpan.setAttribute(ATTR_GEN_AI_TOOL_CALL_RESULT, '{"forecast":"rain"}');
    toolSpan.end();
    step.end();
    root.setAttributes({
      [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: ['stop'],
      [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 90,
      [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 20,
      [ATTR_GEN_AI_OUTPUT_MESSAGES]: json([{ role: 'assistant', parts: [{ type: 'text', content: 'Rain.' }], finish_reason: 'stop' }]),
    });
    root.end();
    const embeddings = tracer.startSpan('embeddings text-embedding-3-small', {
      kind: SpanKind.CLIENT,
      attributes: { [ATTR_GEN_AI_OPERATION_NAME]: 'embeddings', [ATTR_GEN_AI_PROVIDER_NAME]: 'openai', [ATTR_GEN_AI_REQUEST_MODEL]: 'text-embedding-3-small' },
    });
    embeddings.setAttribute(ATTR_GEN_AI_USAGE_INPUT_TOKENS, 3);
    embeddings.end();

    const runs = Object.fromEntries(spans().map((span) => [span.name, mapSpan(span, { projectName: 'p' }).run]));
    const agent = runs['invoke_agent gpt-4o']!;
    expect(agent).toMatchObject({
      run_type: 'chain',
      inputs: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather in Paris?' }] },
      outputs: { choices: [{ index: 0, message: { role: 'assistant', content: 'Rain.' }, finish_reason: 'stop' }] },
    });
    expect(agent.outputs).not.toHaveProperty('usage_metadata');
    expect(agent.extra?.metadata).toMatchObject({ [ATTR_GEN_AI_AGENT_NAME]: 'weather-agent' });
    expect(runs['step 1']).toMatchObject({ run_type: 'chain', parent_run_id: agent.id });

    const llm = runs['chat gpt-4o']!;
    expect(llm).toMatchObject({ run_type: 'llm', parent_run_id: runs['step 1']!.id });
    expect(llm.inputs).toEqual({
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather in Paris?' }],
      tools: [{ type: 'function', name: 'weather', inputSchema: { type: 'object' } }],
    });
    expect(llm.outputs).toEqual({
      choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call-1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] }, finish_reason: 'tool_calls' }],
      usage_metadata: { input_tokens: 40, output_tokens: 12, total_tokens: 52, input_token_details: { cache_read: 32 } },
    });
    expect(llm.extra?.metadata).toMatchObject({ ls_provider: 'openai', ls_model_name: 'gpt-4o-2024-08-06', ls_model_type: 'chat', ls_temperature: 0.2 });

    expect(runs['execute_tool weather']).toMatchObject({ run_type: 'tool', name: 'weather', inputs: { city: 'Paris' }, outputs: { forecast: 'rain' } });
    expect(runs['embeddings text-embedding-3-small']).toMatchObject({ run_type: 'embedding' });
  });
});

describe('spans that are not the AI SDK', () => {
  it('are left alone', () => {
    expect(vercelAiConvention.read({ name: 'x', kind: SpanKind.INTERNAL, attributes: { 'operation.name': 'checkout' }, resource: {}, events: [] })).toBeUndefined();
    expect(vercelAiConvention.read({ name: 'x', kind: SpanKind.INTERNAL, attributes: { [ATTR_GEN_AI_SYSTEM]: 'openai' }, resource: {}, events: [] })).toBeUndefined();
  });
});
