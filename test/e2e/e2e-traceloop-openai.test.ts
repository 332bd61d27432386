import { createRequire } from 'node:module';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, type BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { OpenAIInstrumentation } from '@traceloop/instrumentation-openai';
import { OpenAI } from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { OpenAIInstrumentation as LegacyOpenAIInstrumentation } from 'traceloop-openai-legacy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIdFromSpanId } from 'otel-langsmith';
import { startLocalServer, type LocalServer, type StoredRun } from 'otel-langsmith/testing';
import { traceloopConvention } from '../../src/mapping/conventions/traceloop.js';
import { exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { tracerWith } from '../helpers/tracing.js';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { metadataOf } from '../helpers/runs.js';

// The real `openai` client against the local stub, instrumented by Traceloop's OpenLLMetry
// instrumentation in its current release (0.27, GenAI `gen_ai.input.messages` form) and in 0.22
// (the legacy indexed `gen_ai.prompt.N.*` form). The openai package ships separate ESM and CJS
// builds with separate classes, so 0.27 patches the ESM client and 0.22 the CJS one: each call
// yields exactly one span. Spans go through a BatchSpanProcessor and our exporter to the strict
// local server. This file installs global OTel state; vitest runs each file in its own process.

const WEATHER_TOOL: ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};
const QUESTION: ChatCompletionMessageParam = { role: 'user', content: 'Weather in Paris?' };
const ANSWER = 'It will rain in Paris.';

let server: LocalServer;
let stub: OpenAIStub;
let provider: BasicTracerProvider;
const seen = new InMemorySpanExporter();
let current: OpenAI;
let legacy: OpenAI;

beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
  stub = await startOpenAIStub();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  ({ provider } = tracerWith([new SimpleSpanProcessor(seen), new BatchSpanProcessor(exporterFor(server), { scheduledDelayMillis: 10 })]));
  trace.setGlobalTracerProvider(provider);
  const currentInstrumentation = new OpenAIInstrumentation();
  const legacyInstrumentation = new LegacyOpenAIInstrumentation();
  registerInstrumentations({ instrumentations: [currentInstrumentation, legacyInstrumentation], tracerProvider: provider });
  // vitest loads `openai` as ESM, which require-in-the-middle never sees: patch by hand.
  const CjsOpenAI = (createRequire(import.meta.url)('openai') as { OpenAI: typeof OpenAI }).OpenAI;
  currentInstrumentation.manuallyInstrument(OpenAI as unknown as Parameters<typeof currentInstrumentation.manuallyInstrument>[0]);
  legacyInstrumentation.manuallyInstrument(CjsOpenAI as unknown as Parameters<typeof legacyInstrumentation.manuallyInstrument>[0]);
  current = new OpenAI({ baseURL: stub.baseURL, apiKey: 'sk-test' });
  legacy = new CjsOpenAI({ baseURL: stub.baseURL, apiKey: 'sk-test' });
});
afterAll(async () => {
  await provider.shutdown();
  await stub.close();
  await server.close();
});

/** Runs `work` inside an application span; returns that span's run, its children's runs and their spans. */
async function underAppSpan(work: () => Promise<void>) {
  let appSpanId = '';
  await provider.getTracer('app').startActiveSpan('handle request', async (span) => {
    appSpanId = span.spanContext().spanId;
    await work();
    span.end();
  });
  await provider.forceFlush();
  const app = server.run(runIdFromSpanId(appSpanId));
  expect(app, 'application span exported').toBeDefined();
  const children = server.runs().filter((r) => r.parent_run_id === app!.id).sort((x, y) => x.start_time.localeCompare(y.start_time));
  const spanOf = (run: StoredRun): ReadableSpan => seen.getFinishedSpans().find((s) => runIdFromSpanId(s.spanContext().spanId) === run.id)!;
  return { app: app!, children, spanOf };
}

async function toolRoundTrip(client: OpenAI): Promise<void> {
  const first = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [QUESTION], tools: [WEATHER_TOOL], temperature: 0.2, max_tokens: 64 });
  const assistant = first.choices[0]!.message;
  await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [QUESTION, assistant, { role: 'tool', tool_call_id: assistant.tool_calls![0]!.id, content: '{"forecast":"rain"}' }],
    tools: [WEATHER_TOOL],
  });
}

async function streamedChat(client: OpenAI): Promise<void> {
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Will it rain?' }], stream: true, stream_options: { include_usage: true } });
  for await (const chunk of stream) void chunk;
}

describe('Traceloop 0.22 (legacy indexed gen_ai.prompt.N.* form) → LangSmith runs', () => {
  it('chat with a tool call, then the tool result: llm runs with messages, choices, usage and invocation params', async () => {
    const { app, children, spanOf } = await underAppSpan(() => toolRoundTrip(legacy));

    expect(children.map((r) => r.name)).toEqual(['openai.chat', 'openai.chat']);
    const [first, second] = children as [StoredRun, StoredRun];
    expect(spanOf(first).instrumentationScope.version).toBe('0.22.5');
    for (const run of children) {
      expect(run).toMatchObject({ run_type: 'llm', parent_run_id: app.id });
      expect(run.outputs?.usage_metadata).toEqual({ input_tokens: 21, output_tokens: 9, total_tokens: 30 });
      // The instrumentation writes the provider as a display name ("OpenAI").
      expect(metadataOf(run)).toMatchObject({ ls_provider: 'openai', ls_model_name: 'gpt-4o-mini-2024-07-18', ls_model_type: 'chat' });
      expect(Object.keys(metadataOf(run)).filter((k) => /^(gen_ai\.(prompt|completion)\.|llm\.request\.type|llm\.usage)/.test(k))).toEqual([]);
    }

    expect(first.inputs).toEqual({ messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    // The legacy form records tool calls without their ids.
    expect(first.outputs?.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }, finish_reason: 'tool_calls' },
    ]);
    expect(first.extra?.invocation_params).toEqual({
      model: 'gpt-4o-mini',
      temperature: 0.2,
      max_tokens: 64,
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather by city', parameters: WEATHER_TOOL.function.parameters } }],
    });
    expect(metadataOf(first)).toMatchObject({ ls_temperature: 0.2, ls_max_tokens: 64 });

    // The legacy form keeps only role and content of input messages: the assistant's tool calls and
    // the tool message's call id are not recorded (its null content is written as "null").
    expect(second.inputs).toEqual({
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '' },
        { role: 'tool', content: '{"forecast":"rain"}' },
      ],
    });
    expect(second.outputs?.choices).toEqual([{ index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop' }]);
  });

  it('streaming chat: messages and the assembled answer; no usage (0.22 records none on streams)', async () => {
    const { app, children } = await underAppSpan(() => streamedChat(legacy));

    expect(children).toHaveLength(1);
    const run = children[0]!;
    expect(run).toMatchObject({ run_type: 'llm', parent_run_id: app.id, inputs: { messages: [{ role: 'user', content: 'Will it rain?' }] } });
    expect(run.outputs?.choices).toEqual([{ index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop' }]);
    expect(run.outputs).not.toHaveProperty('usage_metadata');
    expect(metadataOf(run)).toMatchObject({ ls_provider: 'openai', ls_model_name: 'gpt-4o-mini-2024-07-18', ls_model_type: 'chat' });
  });

  it('legacy completions: prompt and text choices', async () => {
    const { app, children } = await underAppSpan(async () => {
      await legacy.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say good day' });
    });

    const run = children[0]!;
    expect(run).toMatchObject({ name: 'openai.completion', run_type: 'llm', parent_run_id: app.id, inputs: { prompt: 'Say good day' } });
    expect(run.outputs).toEqual({ choices: [{ index: 0, text: ' and good night.', finish_reason: 'stop' }], usage_metadata: { input_tokens: 5, output_tokens: 4, total_tokens: 9 } });
    expect(metadataOf(run)).toMatchObject({ ls_provider: 'openai', ls_model_name: 'gpt-3.5-turbo-instruct', ls_model_type: 'llm' });
  });

  it('embeddings: the instrumentation records no span at all', async () => {
    const { children } = await underAppSpan(async () => {
      await legacy.embeddings.create({ model: 'text-embedding-3-small', input: 'It rains', encoding_format: 'float' });
    });
    expect(children).toEqual([]);
  });
});

describe('Traceloop 0.27 (GenAI gen_ai.input.messages form) → LangSmith runs', () => {
  // 0.27 writes no traceloop.* or legacy attributes on model calls: the Traceloop convention leaves
  // these spans to the GenAI convention, and the runs are what that convention makes of them.

  it('chat with a tool call, then the tool result: llm runs, none of it read by the Traceloop convention', async () => {
    const { app, children, spanOf } = await underAppSpan(() => toolRoundTrip(current));

    expect(children.map((r) => r.name)).toEqual(['chat gpt-4o-mini', 'chat gpt-4o-mini']);
    for (const run of children) {
      const span = spanOf(run);
      expect(span.instrumentationScope.version).toBe('0.27.0');
      expect(traceloopConvention.read({ name: span.name, kind: span.kind, attributes: span.attributes, resource: {}, events: span.events })).toBeUndefined();
      expect(run).toMatchObject({ run_type: 'llm', parent_run_id: app.id });
      expect(run.outputs?.usage_metadata).toMatchObject({ input_tokens: 21, output_tokens: 9, total_tokens: 30 });
      expect(metadataOf(run)).toMatchObject({ ls_provider: 'openai', ls_model_name: 'gpt-4o-mini-2024-07-18' });
    }
    const [first, second] = children as [StoredRun, StoredRun];
    expect(first.inputs).toMatchObject({ messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    expect(first.outputs?.choices).toMatchObject([{ index: 0, message: { role: 'assistant', tool_calls: [{ id: 'call_weather_1', function: { name: 'get_weather' } }] } }]);
    expect((second.inputs.messages as unknown[]).length).toBeGreaterThanOrEqual(3);
    expect(second.outputs?.choices).toMatchObject([{ message: { role: 'assistant', content: ANSWER } }]);
  });

  it('streaming chat: messages and answer, no usage (0.27 records none on streams)', async () => {
    const { app, children } = await underAppSpan(() => streamedChat(current));

    expect(children).toHaveLength(1);
    const run = children[0]!;
    expect(run).toMatchObject({ run_type: 'llm', parent_run_id: app.id, inputs: { messages: [{ role: 'user', content: 'Will it rain?' }] } });
    expect(run.outputs?.choices).toMatchObject([{ message: { role: 'assistant', content: ANSWER } }]);
    expect(run.outputs).not.toHaveProperty('usage_metadata');
    expect(metadataOf(run)).toMatchObject({ ls_provider: 'openai', ls_model_name: 'gpt-4o-mini-2024-07-18' });
  });

  it('embeddings: the instrumentation records no span at all', async () => {
    const { children } = await underAppSpan(async () => {
      await current.embeddings.create({ model: 'text-embedding-3-small', input: 'It rains', encoding_format: 'float' });
    });
    expect(children).toEqual([]);
  });
});
