import { SpanKind, type Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_COMPLETION,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROMPT,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
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
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RETRIEVAL_DOCUMENTS,
  ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_DESCRIPTION,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_COMPLETION_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  EVENT_GEN_AI_ASSISTANT_MESSAGE,
  EVENT_GEN_AI_CHOICE,
  EVENT_GEN_AI_SYSTEM_MESSAGE,
  EVENT_GEN_AI_TOOL_MESSAGE,
  EVENT_GEN_AI_USER_MESSAGE,
} from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import { mapSpan } from 'otel-langsmith';
import { genAiConvention } from '../../src/mapping/conventions/genai.js';
import { lsProvider } from '../../src/mapping/conventions/genai-common.js';
import { ATTR_GEN_AI_EVENT_CONTENT, EVENT_GEN_AI_CONTENT_COMPLETION, EVENT_GEN_AI_CONTENT_PROMPT } from '../../src/mapping/conventions/genai-messages.js';
import { endedSpan, recordingTracer, type FixtureEvent } from '../helpers/tracing.js';

/** A real SDK span carrying the attributes and events as a producer writes them, mapped to a run. */
function runOf(name: string, attributes: Attributes, events: FixtureEvent[] = [], kind = SpanKind.CLIENT) {
  return mapSpan(endedSpan(name, attributes, { kind, events }), { projectName: 'p' }).run;
}

const json = (value: unknown) => JSON.stringify(value);

describe('GenAI semconv, current form (gen_ai.input/output.messages with parts)', () => {
  const chatAttributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
    [ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
    [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o',
    [ATTR_GEN_AI_RESPONSE_MODEL]: 'gpt-4o-2024-08-06',
    [ATTR_GEN_AI_RESPONSE_ID]: 'chatcmpl-1',
    [ATTR_GEN_AI_CONVERSATION_ID]: 'conv-42',
    [ATTR_GEN_AI_AGENT_NAME]: 'travel-agent',
    [ATTR_GEN_AI_REQUEST_TEMPERATURE]: 0.5,
    [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: 200,
    [ATTR_GEN_AI_REQUEST_TOP_P]: 0.9,
    [ATTR_GEN_AI_REQUEST_TOP_K]: 40,
    [ATTR_GEN_AI_REQUEST_STOP_SEQUENCES]: ['END'],
    [ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY]: 0.1,
    [ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY]: 0.2,
    [ATTR_GEN_AI_REQUEST_SEED]: 7,
    [ATTR_GEN_AI_REQUEST_CHOICE_COUNT]: 1,
    [ATTR_GEN_AI_REQUEST_STREAM]: false,
    [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 100,
    [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 30,
    [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 60,
    [ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]: 10,
    [ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]: 12,
    [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: ['tool_call'],
    [ATTR_GEN_AI_SYSTEM_INSTRUCTIONS]: json([{ type: 'text', content: 'You are a travel agent.' }]),
    [ATTR_GEN_AI_INPUT_MESSAGES]: json([
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }, { type: 'uri', modality: 'image', mime_type: 'image/png', uri: 'https://x.test/p.png' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: { forecast: 'rain' } }] },
      { role: 'user', parts: [{ type: 'blob', modality: 'image', mime_type: 'image/jpeg', content: 'AAAA' }] },
    ]),
    [ATTR_GEN_AI_OUTPUT_MESSAGES]: json([
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'Need the forecast for tomorrow too.' },
          { type: 'text', content: 'Checking tomorrow.' },
          { type: 'tool_call', id: 'call_2', name: 'get_weather', arguments: '{"city":"Paris","day":"tomorrow"}' },
        ],
        finish_reason: 'tool_call',
      },
    ]),
  };

  it('maps a chat span to an llm run in OpenAI form, with usage, params and thread metadata', () => {
    const run = runOf('chat gpt-4o', chatAttributes);
    expect(run.run_type).toBe('llm');
    expect(run.name).toBe('chat gpt-4o');
    expect(run.inputs).toEqual({
      messages: [
        { role: 'system', content: 'You are a travel agent.' },
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }, { type: 'image_url', image_url: { url: 'https://x.test/p.png' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', content: '{"forecast":"rain"}', tool_call_id: 'call_1' },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAAA' } }] },
      ],
    });
    expect(run.outputs).toEqual({
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: [
              { type: 'reasoning', reasoning: 'Need the forecast for tomorrow too.' },
              { type: 'text', text: 'Checking tomorrow.' },
            ],
            tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","day":"tomorrow"}' } }],
          },
          finish_reason: 'tool_calls',
        },
      ],
      // GenAI input_tokens already include cached ones: nothing is subtracted.
      usage_metadata: {
        input_tokens: 100,
        output_tokens: 30,
        total_tokens: 130,
        input_token_details: { cache_read: 60, cache_creation: 10 },
        output_token_details: { reasoning: 12 },
      },
    });
    const params = { temperature: 0.5, max_tokens: 200, top_p: 0.9, top_k: 40, stop: ['END'], frequency_penalty: 0.1, presence_penalty: 0.2, seed: 7, n: 1, stream: false };
    expect(run.extra?.invocation_params).toEqual(params);
    const metadata = run.extra?.metadata ?? {};
    expect(metadata).toMatchObject({
      ls_provider: 'openai',
      ls_model_name: 'gpt-4o-2024-08-06',
      ls_model_type: 'chat',
      ls_temperature: 0.5,
      ls_max_tokens: 200,
      ls_stop: ['END'],
      ls_invocation_params: params,
      thread_id: 'conv-42',
      conversation_id: 'conv-42',
      // Identification stays as it was written.
      [ATTR_GEN_AI_AGENT_NAME]: 'travel-agent',
      [ATTR_GEN_AI_RESPONSE_ID]: 'chatcmpl-1',
      [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o',
    });
    // What became run fields is not repeated in metadata.
    for (const key of [ATTR_GEN_AI_INPUT_MESSAGES, ATTR_GEN_AI_OUTPUT_MESSAGES, ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, ATTR_GEN_AI_USAGE_INPUT_TOKENS, ATTR_GEN_AI_REQUEST_TEMPERATURE, ATTR_GEN_AI_CONVERSATION_ID]) {
      expect(metadata).not.toHaveProperty([key]);
    }
  });

  it('fills a finish reason the output message lacks from gen_ai.response.finish_reasons', () => {
    const run = runOf('chat m', {
      [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [ATTR_GEN_AI_OUTPUT_MESSAGES]: json([{ role: 'assistant', parts: [{ type: 'text', content: 'Hi' }] }]),
      [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: ['length'],
    });
    expect(run.outputs?.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'length' }]);
  });

  it('takes plain-text gen_ai.system_instructions (as the OpenAI Responses instrumentation writes it)', () => {
    const run = runOf('chat gpt-4o', {
      [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
      [ATTR_GEN_AI_SYSTEM_INSTRUCTIONS]: 'Answer in French.',
    });
    expect(run.inputs).toEqual({ messages: [{ role: 'system', content: 'Answer in French.' }] });
  });

  it('maps text_completion to a prompt and text choices, model type llm', () => {
    const run = runOf('text_completion davinci', {
      [ATTR_GEN_AI_OPERATION_NAME]: 'text_completion',
      [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-3.5-turbo-instruct',
      [ATTR_GEN_AI_INPUT_MESSAGES]: json([{ role: 'user', parts: [{ type: 'text', content: 'Say good' }] }]),
      [ATTR_GEN_AI_OUTPUT_MESSAGES]: json([{ role: 'assistant', parts: [{ type: 'text', content: ' night.' }], finish_reason: 'stop' }]),
    });
    expect(run.run_type).toBe('llm');
    expect(run.inputs).toEqual({ prompt: 'Say good' });
    expect(run.outputs).toEqual({ choices: [{ index: 0, text: ' night.', finish_reason: 'stop' }] });
    expect(run.extra?.metadata).toMatchObject({ ls_model_type: 'llm', ls_model_name: 'gpt-3.5-turbo-instruct' });
  });

  it('maps execute_tool to a tool run named after the tool, with parsed arguments and result', () => {
    const run = runOf('execute_tool get_weather', {
      [ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool',
      [ATTR_GEN_AI_TOOL_NAME]: 'get_weather',
      [ATTR_GEN_AI_TOOL_CALL_ID]: 'call_1',
      [ATTR_GEN_AI_TOOL_DESCRIPTION]: 'Weather for a city',
      [ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]: '{"city":"Paris"}',
      [ATTR_GEN_AI_TOOL_CALL_RESULT]: '"rain"',
    }, [], SpanKind.INTERNAL);
    expect(run).toMatchObject({ run_type: 'tool', name: 'get_weather', inputs: { city: 'Paris' }, outputs: { output: 'rain' } });
    expect(run.extra?.metadata).toMatchObject({ [ATTR_GEN_AI_TOOL_CALL_ID]: 'call_1', [ATTR_GEN_AI_TOOL_DESCRIPTION]: 'Weather for a city' });
    expect(run.extra?.metadata).not.toHaveProperty([ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]);
  });

  it('maps retrieval to a retriever run with the query and LangSmith documents', () => {
    const run = runOf('retrieval docs', {
      [ATTR_GEN_AI_OPERATION_NAME]: 'retrieval',
      [ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT]: 'rain in Paris',
      [ATTR_GEN_AI_RETRIEVAL_DOCUMENTS]: json([
        { id: 'doc-1', score: 0.9, content: 'Paris is rainy in spring.' },
        { id: 'doc-2', score: 0.5 },
      ]),
    });
    expect(run.run_type).toBe('retriever');
    expect(run.inputs).toEqual({ query: 'rain in Paris' });
    expect(run.outputs).toEqual({
      documents: [
        { page_content: 'Paris is rainy in spring.', type: 'Document', metadata: { id: 'doc-1', score: 0.9 } },
        { page_content: '', type: 'Document', metadata: { id: 'doc-2', score: 0.5 } },
      ],
    });
  });

  it('maps agent and workflow operations to chains that never carry usage', () => {
    for (const operation of ['invoke_agent', 'create_agent', 'invoke_workflow']) {
      const attributes = { [ATTR_GEN_AI_OPERATION_NAME]: operation, [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 100, [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 30 };
      // Said explicitly (not the default), so no later convention can turn the wrapper into an llm run.
      expect(genAiConvention.read({ name: operation, kind: SpanKind.INTERNAL, attributes, resource: {}, events: [] })?.runType).toBe('chain');
      const run = runOf(`${operation} travel-agent`, attributes, [], SpanKind.INTERNAL);
      expect(run.run_type).toBe('chain');
      expect(run.outputs).not.toHaveProperty('usage_metadata');
    }
  });

  it('maps embeddings to an embedding run and keeps its token count visible', () => {
    const run = runOf('embeddings text-embedding-3-small', {
      [ATTR_GEN_AI_OPERATION_NAME]: 'embeddings',
      [ATTR_GEN_AI_SYSTEM]: 'openai',
      [ATTR_GEN_AI_REQUEST_MODEL]: 'text-embedding-3-small',
      [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 6,
    });
    expect(run.run_type).toBe('embedding');
    expect(run.outputs).toEqual({});
    expect(run.extra?.metadata).toMatchObject({ ls_provider: 'openai', ls_model_name: 'text-embedding-3-small', [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 6 });
  });

  it('leaves unparsable messages in metadata instead of losing them', () => {
    const run = runOf('chat m', { [ATTR_GEN_AI_OPERATION_NAME]: 'chat', [ATTR_GEN_AI_INPUT_MESSAGES]: '[{"role": "user", "parts": [' });
    expect(run.inputs).toEqual({});
    expect(run.extra?.metadata?.[ATTR_GEN_AI_INPUT_MESSAGES]).toBe('[{"role": "user", "parts": [');
  });
});

describe('GenAI semconv, older forms', () => {
  it('reads the per-message span events (1.27–1.36) and does not repeat them as run events', () => {
    const run = runOf('chat gpt-4', {
      [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [ATTR_GEN_AI_SYSTEM]: 'openai',
      [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4',
      [ATTR_GEN_AI_USAGE_PROMPT_TOKENS]: 40,
      [ATTR_GEN_AI_USAGE_COMPLETION_TOKENS]: 8,
    }, [
      { name: EVENT_GEN_AI_SYSTEM_MESSAGE, attributes: { [ATTR_GEN_AI_SYSTEM]: 'openai', content: 'Be brief.' } },
      { name: EVENT_GEN_AI_USER_MESSAGE, attributes: { [ATTR_GEN_AI_SYSTEM]: 'openai', content: 'Weather in Paris?' } },
      {
        name: EVENT_GEN_AI_ASSISTANT_MESSAGE,
        attributes: { tool_calls: json([{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]) },
      },
      { name: EVENT_GEN_AI_TOOL_MESSAGE, attributes: { id: 'call_1', content: 'rain' } },
      { name: EVENT_GEN_AI_CHOICE, attributes: { index: 0, finish_reason: 'stop', message: json({ content: 'Rain today.' }) } },
      { name: 'retry', attributes: { attempt: 2 } },
    ]);
    expect(run.run_type).toBe('llm');
    expect(run.inputs).toEqual({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', content: 'rain', tool_call_id: 'call_1' },
      ],
    });
    expect(run.outputs).toEqual({
      choices: [{ index: 0, message: { role: 'assistant', content: 'Rain today.' }, finish_reason: 'stop' }],
      usage_metadata: { input_tokens: 40, output_tokens: 8, total_tokens: 48 },
    });
    expect(run.events?.map((event) => event.name)).toEqual(['retry']);
  });

  it('reads event bodies given whole in gen_ai.event.content', () => {
    const run = runOf('chat m', { [ATTR_GEN_AI_OPERATION_NAME]: 'chat' }, [
      { name: EVENT_GEN_AI_USER_MESSAGE, attributes: { [ATTR_GEN_AI_EVENT_CONTENT]: json({ role: 'user', content: 'Hi' }) } },
      { name: EVENT_GEN_AI_CHOICE, attributes: { [ATTR_GEN_AI_EVENT_CONTENT]: json({ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hello!' } }) } },
    ]);
    expect(run.inputs).toEqual({ messages: [{ role: 'user', content: 'Hi' }] });
    expect(run.outputs?.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }]);
    expect(run.events).toEqual([]);
  });

  it('reads whole-JSON gen_ai.prompt / gen_ai.completion attributes', () => {
    const run = runOf('chat m', {
      [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [ATTR_GEN_AI_PROMPT]: json([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }]),
      [ATTR_GEN_AI_COMPLETION]: json([{ role: 'assistant', content: 'Hello!' }]),
      [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: ['stop'],
    });
    expect(run.inputs).toEqual({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] });
    expect(run.outputs).toEqual({ choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }] });
    expect(run.extra?.metadata).not.toHaveProperty([ATTR_GEN_AI_PROMPT]);
  });

  it('reads plain-text gen_ai.prompt / gen_ai.completion', () => {
    const run = runOf('chat m', { [ATTR_GEN_AI_OPERATION_NAME]: 'chat', [ATTR_GEN_AI_PROMPT]: 'Tell me a joke', [ATTR_GEN_AI_COMPLETION]: 'No.' });
    expect(run.inputs).toEqual({ messages: [{ role: 'user', content: 'Tell me a joke' }] });
    expect(run.outputs?.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'No.' } }]);
  });

  it('reads the 1.26 gen_ai.content.prompt / gen_ai.content.completion events', () => {
    const run = runOf('chat m', { [ATTR_GEN_AI_OPERATION_NAME]: 'chat' }, [
      { name: EVENT_GEN_AI_CONTENT_PROMPT, attributes: { [ATTR_GEN_AI_PROMPT]: json([{ role: 'user', content: 'Hi' }]) } },
      { name: EVENT_GEN_AI_CONTENT_COMPLETION, attributes: { [ATTR_GEN_AI_COMPLETION]: json([{ role: 'assistant', content: 'Hello!' }]) } },
    ]);
    expect(run.inputs).toEqual({ messages: [{ role: 'user', content: 'Hi' }] });
    expect(run.outputs?.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'Hello!' } }]);
    expect(run.events).toEqual([]);
  });

  it('leaves the indexed gen_ai.prompt.N.* keys to the Traceloop convention', () => {
    const { tracer, spans } = recordingTracer();
    tracer.startSpan('openai.chat', { attributes: { 'gen_ai.prompt.0.role': 'user', 'gen_ai.prompt.0.content': 'Hi', [ATTR_GEN_AI_SYSTEM]: 'openai' } }).end();
    const run = mapSpan(spans()[0]!, { projectName: 'p', conventions: [genAiConvention] }).run;
    expect(run.inputs).toEqual({});
    expect(run.extra?.metadata).toMatchObject({ 'gen_ai.prompt.0.role': 'user', 'gen_ai.prompt.0.content': 'Hi', [ATTR_GEN_AI_SYSTEM]: 'openai' });
  });
});

describe('spans that only carry some gen_ai.* keys (no gen_ai.operation.name)', () => {
  it('contribute usage, model and provider, but no run type or invocation params', () => {
    const { tracer, spans } = recordingTracer();
    tracer.startSpan('some.library.call', {
      attributes: {
        [ATTR_GEN_AI_SYSTEM]: 'openai.chat',
        [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini',
        [ATTR_GEN_AI_REQUEST_TEMPERATURE]: 0.3,
        [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 10,
        [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 5,
      },
    }).end();
    const read = genAiConvention.read({ name: 'x', kind: SpanKind.INTERNAL, attributes: spans()[0]!.attributes, resource: {}, events: [] });
    expect(read).toMatchObject({ usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 }, model: { provider: 'openai', name: 'gpt-4o-mini' } });
    expect(read?.runType).toBeUndefined();
    expect(read?.invocationParams).toBeUndefined();
    expect(read?.consumed).not.toContain(ATTR_GEN_AI_REQUEST_TEMPERATURE);
    const run = mapSpan(spans()[0]!, { projectName: 'p' }).run;
    expect(run.run_type).toBe('chain');
    expect(run.outputs).toEqual({});
    // A chain is no model call: no provider is claimed for it; the model it names stays visible.
    expect(run.extra?.metadata).toMatchObject({ ls_model_name: 'gpt-4o-mini', [ATTR_GEN_AI_REQUEST_TEMPERATURE]: 0.3 });
    expect(run.extra?.metadata?.ls_provider).toBeUndefined();
  });

  it('ignore spans without any gen_ai.* key', () => {
    expect(genAiConvention.read({ name: 'GET', kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'GET' }, resource: {}, events: [] })).toBeUndefined();
  });
});

describe('ls_provider', () => {
  it("uses LangChain's provider names for GenAI and AI SDK spellings", () => {
    expect(lsProvider('openai')).toBe('openai');
    expect(lsProvider('openai.chat')).toBe('openai');
    expect(lsProvider('anthropic.messages')).toBe('anthropic');
    expect(lsProvider('azure.ai.openai')).toBe('azure');
    expect(lsProvider('az.ai.inference')).toBe('azure');
    expect(lsProvider('gcp.vertex_ai')).toBe('google_vertexai');
    expect(lsProvider('google.vertex.chat')).toBe('google_vertexai');
    expect(lsProvider('gcp.gemini')).toBe('google_genai');
    expect(lsProvider('google.generative-ai')).toBe('google_genai');
    expect(lsProvider('aws.bedrock')).toBe('amazon_bedrock');
    expect(lsProvider('amazon-bedrock')).toBe('amazon_bedrock');
    expect(lsProvider('mistral_ai')).toBe('mistralai');
    expect(lsProvider('x_ai')).toBe('xai');
    expect(lsProvider('xai.chat')).toBe('xai');
    expect(lsProvider('')).toBeUndefined();
  });
});
