import { setMetadata, setSession, setTags, setUser } from '@arizeai/openinference-core';
import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import { context, trace, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, type BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import * as OpenAIModule from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIdFromSpanId } from 'otel-langsmith';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { tracerWith } from '../helpers/tracing.js';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { metadataOf } from '../helpers/runs.js';

// The real `openai` client against the local stub, instrumented by Arize's OpenInference
// instrumentation, exported through a BatchSpanProcessor and our exporter to the strict local
// server. This file installs global OTel state; vitest runs each test file in its own process.

const WEATHER_TOOL: ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};
const TOOL_CALL = { id: 'call_weather_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
const STUB_USAGE = { input_tokens: 21, output_tokens: 9, total_tokens: 30, input_token_details: { cache_read: 4 }, output_token_details: { reasoning: 2 } };

let server: LocalServer;
let stub: OpenAIStub;
let provider: BasicTracerProvider;
let client: OpenAIModule.OpenAI;
const seen = new InMemorySpanExporter();

beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
  stub = await startOpenAIStub();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  ({ provider } = tracerWith([new SimpleSpanProcessor(seen), new BatchSpanProcessor(exporterFor(server), { scheduledDelayMillis: 10 })]));
  trace.setGlobalTracerProvider(provider);
  const instrumentation = new OpenAIInstrumentation();
  registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: provider });
  // vitest loads `openai` as ESM, which require-in-the-middle never sees: patch it by hand.
  instrumentation.manuallyInstrument(OpenAIModule as unknown as Parameters<typeof instrumentation.manuallyInstrument>[0]);
  client = new OpenAIModule.OpenAI({ baseURL: stub.baseURL, apiKey: 'sk-test' });
});
afterAll(async () => {
  await provider.shutdown();
  await stub.close();
  await server.close();
});

/** Runs `work` inside an application span and returns that span's run and its children's runs. */
async function underAppSpan(work: () => Promise<void>, withContext: (ctx: Context) => Context = (ctx) => ctx) {
  const tracer = provider.getTracer('app');
  let appSpanId = '';
  await context.with(withContext(context.active()), () =>
    tracer.startActiveSpan('handle request', async (span) => {
      appSpanId = span.spanContext().spanId;
      await work();
      span.end();
    }),
  );
  await provider.forceFlush();
  const appRunId = runIdFromSpanId(appSpanId);
  const app = server.run(appRunId);
  const children = server.runs().filter((r) => r.parent_run_id === appRunId);
  expect(app, 'application span exported').toBeDefined();
  return { app: app!, children };
}

describe('OpenInference-instrumented openai client → LangSmith runs', () => {
  it('chat with a tool call, then a second call with the tool result: two llm runs under the app run', async () => {
    const question: ChatCompletionMessageParam = { role: 'user', content: 'Weather in Paris?' };
    const { app, children } = await underAppSpan(async () => {
      const first = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [question], tools: [WEATHER_TOOL], temperature: 0.2, max_tokens: 64 });
      const assistant = first.choices[0]!.message;
      await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [question, assistant, { role: 'tool', tool_call_id: assistant.tool_calls![0]!.id, content: '{"forecast":"rain"}' }],
        tools: [WEATHER_TOOL],
      });
    });

    expect(children).toHaveLength(2);
    const [first, second] = children.sort((x, y) => x.start_time.localeCompare(y.start_time));
    for (const run of [first!, second!]) {
      expect(run.run_type).toBe('llm');
      expect(run.parent_run_id).toBe(app.id);
      expect(run.outputs?.usage_metadata).toEqual(STUB_USAGE);
      expect(metadataOf(run)).toMatchObject({ ls_provider: 'openai', ls_model_name: 'gpt-4o-mini-2024-07-18', ls_model_type: 'chat' });
      // Consumed attributes are not repeated in metadata.
      expect(Object.keys(metadataOf(run)).filter((k) => /^(llm\.(input|output)_messages|llm\.token_count|input\.value|output\.value)/.test(k))).toEqual([]);
    }

    expect(first!.inputs).toEqual({ messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    expect(first!.outputs?.choices).toEqual([{ index: 0, message: { role: 'assistant', content: null, tool_calls: [TOOL_CALL] }, finish_reason: 'tool_calls' }]);
    expect(first!.extra?.invocation_params).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.2, max_tokens: 64, tools: [WEATHER_TOOL] });
    expect(metadataOf(first!)).toMatchObject({ ls_temperature: 0.2, ls_max_tokens: 64 });

    expect(second!.inputs).toEqual({
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [TOOL_CALL] },
        { role: 'tool', content: '{"forecast":"rain"}', tool_call_id: 'call_weather_1' },
      ],
    });
    expect(second!.outputs?.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'It will rain in Paris.' }, finish_reason: 'stop' }]);
  });

  it('streaming chat: messages and the assembled answer, but no usage (OpenInference skips the usage chunk)', async () => {
    const { app, children } = await underAppSpan(async () => {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Will it rain?' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const chunk of stream) void chunk;
    });

    expect(children).toHaveLength(1);
    const run = children[0]!;
    expect(run).toMatchObject({ run_type: 'llm', parent_run_id: app.id, inputs: { messages: [{ role: 'user', content: 'Will it rain?' }] } });
    expect(run.outputs?.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'It will rain in Paris.' }, finish_reason: 'stop' }]);
    // The stub did send a usage chunk (include_usage); the instrumentation does not record it on streams.
    expect(run.outputs).not.toHaveProperty('usage_metadata');
    // Streams carry no response model: the request's model is all there is.
    expect(metadataOf(run)).toMatchObject({ ls_provider: 'openai', ls_model_name: 'gpt-4o-mini', ls_model_type: 'chat' });
    expect(run.extra?.invocation_params).toMatchObject({ model: 'gpt-4o-mini', stream: true });
  });

  it('embeddings: an embedding run with the input texts, never the vectors', async () => {
    const { app, children } = await underAppSpan(async () => {
      // `float`: the stub answers in floats, while openai v6 asks for base64 by default and would decode garbage.
      await client.embeddings.create({ model: 'text-embedding-3-small', input: ['It rains', 'It pours'], encoding_format: 'float' });
    });

    expect(children).toHaveLength(1);
    const run = children[0]!;
    expect(run).toMatchObject({ run_type: 'embedding', parent_run_id: app.id, inputs: { input: ['It rains', 'It pours'] }, outputs: {} });
    expect(metadataOf(run)).toMatchObject({ ls_provider: 'openai', ls_model_name: 'text-embedding-3-small' });
    const span = seen.getFinishedSpans().find((s) => runIdFromSpanId(s.spanContext().spanId) === run.id)!;
    expect(span.attributes['embedding.embeddings.0.embedding.vector']).toEqual([0.1, 0.2, 0.3]);
    expect(JSON.stringify(run)).not.toMatch(/embedding\.vector|0\.1,0\.2,0\.3/);
  });

  it('legacy completions: prompt and text choices, usage, model type llm', async () => {
    const { app, children } = await underAppSpan(async () => {
      await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say good day' });
    });

    const run = children[0]!;
    expect(run).toMatchObject({ run_type: 'llm', parent_run_id: app.id, inputs: { prompt: 'Say good day' } });
    expect(run.outputs).toEqual({ choices: [{ index: 0, text: ' and good night.' }], usage_metadata: { input_tokens: 5, output_tokens: 4, total_tokens: 9 } });
    expect(metadataOf(run)).toMatchObject({ ls_provider: 'openai', ls_model_name: 'gpt-3.5-turbo-instruct', ls_model_type: 'llm' });
    expect(metadataOf(run)).not.toHaveProperty('input.mime_type');
  });

  it("a long conversation: the SDK's 128-attribute limit cuts the indexed messages, so the full request body stays in metadata", async () => {
    const history: ChatCompletionMessageParam[] = Array.from({ length: 80 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i}` }));
    const { children } = await underAppSpan(async () => {
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: history });
    });

    const run = children[0]!;
    const messages = run.inputs.messages as unknown[];
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.length).toBeLessThan(history.length);
    expect(metadataOf(run)['otel.dropped_attributes_count']).toBeGreaterThan(0);
    expect(JSON.parse(metadataOf(run)['input.value'] as string).messages).toEqual(history);
  });

  it('session, user, metadata and tags set through openinference-core reach thread metadata and tags', async () => {
    const { children } = await underAppSpan(
      async () => {
        await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      },
      (ctx) => setTags(setMetadata(setUser(setSession(ctx, { sessionId: 'sess-42' }), { userId: 'user-7' }), { tenant: 'acme' }), ['beta', 'web']),
    );

    const run = children[0]!;
    expect(run.tags).toEqual(['beta', 'web']);
    expect(metadataOf(run)).toMatchObject({ session_id: 'sess-42', user_id: 'user-7', tenant: 'acme' });
    expect(metadataOf(run)).not.toHaveProperty('tag.tags');
    expect(metadataOf(run)).not.toHaveProperty('session.id');
  });
});
