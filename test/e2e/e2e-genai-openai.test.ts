import { context, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { LoggerProvider, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
} from '@opentelemetry/semantic-conventions/incubating';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LangSmithSpanExporter } from 'otel-langsmith';
import { startLocalServer, type LocalServer, type StoredRun } from 'otel-langsmith/testing';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { tracerWith } from '../helpers/tracing.js';

// The contrib OpenAI instrumentation (0.21, GenAI semconv 1.36 for chat completions) around the
// real `openai` v6 client, talking to a local stub, exported through our exporters into the strict
// local server. It records request/response/usage attributes on spans; message content goes to
// log records (gen_ai.*.message, gen_ai.choice) through the Logs API, which the exporters' log
// record processors join to the runs of their spans. Two exporters see every span and record, one
// mapping on the application thread and one in the delivery worker (`deliveryThread`), each into
// its own project. This file installs global OTel state; vitest runs each test file in its own
// process. The worker needs dist/ (`npm test` builds it).
let server: LocalServer;
let workerServer: LocalServer;
let stub: OpenAIStub;
let provider: ReturnType<typeof tracerWith>['provider'];
let loggerProvider: LoggerProvider;
const raw = new InMemorySpanExporter();
let client: import('openai').OpenAI;
const exporters: Record<'main' | 'worker', LangSmithSpanExporter> = {} as never;

beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
  workerServer = await startLocalServer({ apiKey: TEST_KEY });
  stub = await startOpenAIStub();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  exporters.main = exporterFor(server, { deliveryThread: 'main' });
  exporters.worker = exporterFor(workerServer, { deliveryThread: 'worker' });
  expect(exporters.worker.deliveryMode()).toMatchObject({ thread: 'worker', mapping: 'worker' });
  ({ provider } = tracerWith([
    new SimpleSpanProcessor(raw),
    new BatchSpanProcessor(exporters.main, { scheduledDelayMillis: 10 }),
    new BatchSpanProcessor(exporters.worker, { scheduledDelayMillis: 10 }),
  ]));
  trace.setGlobalTracerProvider(provider);
  // The processors are sdk-logs LogRecordProcessors as they are (a type error otherwise).
  const processors: LogRecordProcessor[] = [exporters.main.logRecordProcessor(), exporters.worker.logRecordProcessor()];
  loggerProvider = new LoggerProvider({ processors });
  logs.setGlobalLoggerProvider(loggerProvider);
  // Asked for the newest GenAI attribute form; 0.21 has no such switch (checked below).
  process.env.OTEL_SEMCONV_STABILITY_OPT_IN = 'gen_ai_latest_experimental';
  const instrumentation = new OpenAIInstrumentation({ captureMessageContent: true });
  registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: provider });
  // vitest imports `openai` as ESM, which require-in-the-middle never sees; the instrumentation's
  // patch accepts an ES module namespace (it unwraps `default`), so it is applied by hand.
  const openai = await import('openai');
  for (const definition of instrumentation.getModuleDefinitions()) definition.patch?.(openai, '6.30.1');
  client = new openai.OpenAI({ baseURL: stub.baseURL, apiKey: 'sk-test-not-a-secret', maxRetries: 0 });
});
afterAll(async () => {
  await loggerProvider.shutdown();
  await provider.shutdown();
  await stub.close();
  await server.close();
  await workerServer.close();
});

/** The runs named `name` each exporter delivered (`count` runs each). */
async function runsNamed(name: string, count: number): Promise<Record<'main' | 'worker', StoredRun[]>> {
  await provider.forceFlush();
  await Promise.all([server.waitForRuns(count, 5000), workerServer.waitForRuns(count, 5000)]);
  const named = (from: LocalServer) => from.runs().filter((run) => run.name === name);
  return { main: named(server), worker: named(workerServer) };
}

const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

const MODES = ['main', 'worker'] as const;
const resetServers = () => {
  server.reset();
  workerServer.reset();
};

it('a chat completion with a tool call: llm run with model, provider, params, usage, finish reason, and the messages of the log records', async () => {
  resetServers();
  const completion = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You answer about the weather.' },
      { role: 'user', content: 'Weather in Paris?' },
    ],
    tools: [weatherTool],
    temperature: 0.2,
    max_tokens: 50,
    stop: ['\n\n'],
  });
  expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
  const runs = await runsNamed('chat gpt-4o-mini', 1);

  for (const mode of MODES) {
    expect(runs[mode], mode).toHaveLength(1);
    const run = runs[mode][0]!;
    expect(run.run_type).toBe('llm');
    expect(run.inputs?.messages, mode).toEqual([
      { role: 'system', content: 'You answer about the weather.' },
      { role: 'user', content: 'Weather in Paris?' },
    ]);
    expect(run.outputs, mode).toMatchObject({
      choices: [
        {
          index: 0,
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            tool_calls: [{ id: 'call_weather_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
          },
        },
      ],
      usage_metadata: { input_tokens: 21, output_tokens: 9, total_tokens: 30 },
    });
    expect(run.extra?.metadata).toMatchObject({
      ls_provider: 'openai',
      ls_model_name: 'gpt-4o-mini-2024-07-18',
      ls_model_type: 'chat',
      ls_temperature: 0.2,
      ls_max_tokens: 50,
      ls_stop: ['\n\n'],
      [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: ['tool_calls'],
      [ATTR_GEN_AI_RESPONSE_ID]: 'chatcmpl-stub-1',
    });
    expect(run.extra?.invocation_params).toEqual({ temperature: 0.2, max_tokens: 50, stop: ['\n\n'] });
    // The records are read into the messages, not repeated as the run's events.
    expect(run.events ?? []).toEqual([]);
    // Mapped fields are not repeated as raw attributes.
    expect(run.extra?.metadata).not.toHaveProperty([ATTR_GEN_AI_USAGE_INPUT_TOKENS]);
    expect(run.extra?.metadata).not.toHaveProperty([ATTR_GEN_AI_REQUEST_TEMPERATURE]);
  }
  expect(exporters.main.stats()).toMatchObject({ logRecordsJoined: 3, logRecordsUnjoined: 0, logRecordsAfterExport: 0 });
  expect(exporters.worker.stats()).toMatchObject({ logRecordsJoined: 3, logRecordsUnjoined: 0, logRecordsAfterExport: 0 });
});

it('the tool round trip: the assistant tool call with its id and the tool message with tool_call_id come back as inputs', async () => {
  resetServers();
  const completion = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_weather_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_weather_1', content: '{"forecast":"rain"}' },
    ],
    tools: [weatherTool],
  });
  expect(completion.choices[0]?.message.content).toBe('It will rain in Paris.');
  const runs = await runsNamed('chat gpt-4o-mini', 1);

  for (const mode of MODES) {
    const run = runs[mode][0]!;
    expect(run.inputs?.messages, mode).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_weather_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', content: '{"forecast":"rain"}', tool_call_id: 'call_weather_1' },
    ]);
    expect(run.outputs?.choices, mode).toEqual([{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'It will rain in Paris.' } }]);
  }
});

it('a streamed chat completion with a final usage chunk: the streamed text is the output', async () => {
  resetServers();
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Weather?' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  expect(text).toBe('It will rain in Paris.');
  const runs = await runsNamed('chat gpt-4o-mini', 1);

  for (const mode of MODES) {
    const run = runs[mode][0]!;
    expect(run.run_type).toBe('llm');
    expect(run.inputs?.messages, mode).toEqual([{ role: 'user', content: 'Weather?' }]);
    expect(run.outputs, mode).toMatchObject({
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'It will rain in Paris.' } }],
      usage_metadata: { input_tokens: 21, output_tokens: 9, total_tokens: 30 },
    });
    expect(run.extra?.metadata).toMatchObject({ ls_model_name: 'gpt-4o-mini-2024-07-18', [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: ['stop'] });
  }
});

it('an embeddings call: embedding run; its token count stays visible in metadata', async () => {
  resetServers();
  const response = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['sunny day', 'rainy day'] });
  expect(response.data).toHaveLength(2);
  const runs = await runsNamed('embeddings text-embedding-3-small', 1);

  for (const mode of MODES) {
    const run = runs[mode][0]!;
    expect(run.run_type).toBe('embedding');
    expect(run.extra?.metadata).toMatchObject({ ls_provider: 'openai', ls_model_name: 'text-embedding-3-small', [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 6 });
    expect(run.outputs).not.toHaveProperty('usage_metadata');
  }
});

describe('what 0.21 really writes', () => {
  it('GenAI attributes on the span, message content only in log records; the spans stay untouched by the join', () => {
    const chat = raw.getFinishedSpans().find((span) => span.name === 'chat gpt-4o-mini');
    // Even with OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental, 0.21 writes the deprecated
    // `gen_ai.system` (not `gen_ai.provider.name`) for chat completions, no gen_ai.input/output.messages
    // and no span events: message content only reaches log records. The same span objects went to
    // our exporters: joining their records gave them no events (other exporters share them).
    expect(chat?.attributes).toMatchObject({ [ATTR_GEN_AI_OPERATION_NAME]: 'chat', [ATTR_GEN_AI_SYSTEM]: 'openai', [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini' });
    expect(chat?.attributes).not.toHaveProperty([ATTR_GEN_AI_PROVIDER_NAME]);
    expect(chat?.attributes).not.toHaveProperty([ATTR_GEN_AI_INPUT_MESSAGES]);
    expect(chat?.events).toEqual([]);
  });
});
