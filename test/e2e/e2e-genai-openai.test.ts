import { context, trace } from '@opentelemetry/api';
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
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalServer, type LocalServer, type StoredRun } from 'otel-langsmith/testing';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { tracerWith } from '../helpers/tracing.js';

// The contrib OpenAI instrumentation (0.21, GenAI semconv 1.36 for chat completions) around the
// real `openai` v6 client, talking to a local stub, exported through our exporter into the strict
// local server. It records request/response/usage attributes on spans; message content goes to
// log records, which a span exporter never sees. This file installs global OTel state; vitest runs
// each test file in its own process.
let server: LocalServer;
let stub: OpenAIStub;
let provider: ReturnType<typeof tracerWith>['provider'];
const raw = new InMemorySpanExporter();
let client: import('openai').OpenAI;

beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
  stub = await startOpenAIStub();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  ({ provider } = tracerWith([new SimpleSpanProcessor(raw), new BatchSpanProcessor(exporterFor(server), { scheduledDelayMillis: 10 })]));
  trace.setGlobalTracerProvider(provider);
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
  await provider.shutdown();
  await stub.close();
  await server.close();
});

async function runsNamed(name: string, count: number): Promise<StoredRun[]> {
  await provider.forceFlush();
  await server.waitForRuns(count, 5000);
  return server.runs().filter((run) => run.name === name);
}

const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

it('a chat completion with a tool call: llm run with model, provider, params, usage and finish reason', async () => {
  server.reset();
  const completion = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Weather in Paris?' }],
    tools: [weatherTool],
    temperature: 0.2,
    max_tokens: 50,
    stop: ['\n\n'],
  });
  expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
  const [run] = await runsNamed('chat gpt-4o-mini', 1);

  expect(run).toMatchObject({ run_type: 'llm', inputs: {} });
  expect(run!.outputs).toEqual({ usage_metadata: { input_tokens: 21, output_tokens: 9, total_tokens: 30 } });
  expect(run!.extra?.metadata).toMatchObject({
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
  expect(run!.extra?.invocation_params).toEqual({ temperature: 0.2, max_tokens: 50, stop: ['\n\n'] });
  // Mapped fields are not repeated as raw attributes.
  expect(run!.extra?.metadata).not.toHaveProperty([ATTR_GEN_AI_USAGE_INPUT_TOKENS]);
  expect(run!.extra?.metadata).not.toHaveProperty([ATTR_GEN_AI_REQUEST_TEMPERATURE]);
  // Even with captureMessageContent the span itself carries no message content (it went to logs).
  expect(JSON.stringify(run)).not.toContain('Weather in Paris?');
});

it('a streamed chat completion with a final usage chunk', async () => {
  server.reset();
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Weather?' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  expect(text).toBe('It will rain in Paris.');
  const [run] = await runsNamed('chat gpt-4o-mini', 1);

  expect(run!.run_type).toBe('llm');
  expect(run!.outputs?.usage_metadata).toEqual({ input_tokens: 21, output_tokens: 9, total_tokens: 30 });
  expect(run!.extra?.metadata).toMatchObject({ ls_model_name: 'gpt-4o-mini-2024-07-18', [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: ['stop'] });
});

it('an embeddings call: embedding run; its token count stays visible in metadata', async () => {
  server.reset();
  const response = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['sunny day', 'rainy day'] });
  expect(response.data).toHaveLength(2);
  const [run] = await runsNamed('embeddings text-embedding-3-small', 1);

  expect(run!.run_type).toBe('embedding');
  expect(run!.extra?.metadata).toMatchObject({ ls_provider: 'openai', ls_model_name: 'text-embedding-3-small', [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 6 });
  expect(run!.outputs).not.toHaveProperty('usage_metadata');
});

it('emits the GenAI attributes the mapping relies on (what 0.21 really writes)', () => {
  const chat = raw.getFinishedSpans().find((span) => span.name === 'chat gpt-4o-mini');
  // Even with OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental, 0.21 writes the deprecated
  // `gen_ai.system` (not `gen_ai.provider.name`) for chat completions, no gen_ai.input/output.messages
  // and no span events: message content only reaches log records.
  expect(chat?.attributes).toMatchObject({ [ATTR_GEN_AI_OPERATION_NAME]: 'chat', [ATTR_GEN_AI_SYSTEM]: 'openai', [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini' });
  expect(chat?.attributes).not.toHaveProperty([ATTR_GEN_AI_PROVIDER_NAME]);
  expect(chat?.attributes).not.toHaveProperty([ATTR_GEN_AI_INPUT_MESSAGES]);
  expect(chat?.events).toEqual([]);
});
