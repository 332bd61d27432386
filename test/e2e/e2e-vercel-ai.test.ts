import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { embed, generateText, stepCountIs, streamText, tool } from 'ai';
import { MockEmbeddingModelV3, MockLanguageModelV3, simulateReadableStream } from 'ai/test';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { startLocalServer, type LocalServer, type StoredRun } from 'otel-langsmith/testing';
import { exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { tracerWith } from '../helpers/tracing.js';
import { metadataOf } from '../helpers/runs.js';

// The real AI SDK (6.0.x) with its mock models, traced through a real SDK pipeline and our
// exporter into the strict local server. This file installs a global context manager and tracer
// provider, as an application would; vitest runs each test file in its own process.
let server: LocalServer;
let provider: ReturnType<typeof tracerWith>['provider'];
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  ({ provider } = tracerWith([new BatchSpanProcessor(exporterFor(server), { scheduledDelayMillis: 10 })]));
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  await provider.shutdown();
  await server.close();
});

const telemetry = { isEnabled: true, functionId: 'weather-agent', metadata: { session_id: 's-1' } };
const usage = {
  inputTokens: { total: 12, noCache: 8, cacheRead: 4, cacheWrite: undefined },
  outputTokens: { total: 7, text: 5, reasoning: 2 },
};

/** Answers with a tool call first, then with text once the tool result is in the prompt. */
function weatherModel() {
  let calls = 0;
  return new MockLanguageModelV3({
    provider: 'openai.chat',
    modelId: 'gpt-4o-mini',
    doGenerate: async () =>
      calls++ === 0
        ? {
            content: [{ type: 'tool-call', toolCallId: 'call-1', toolName: 'weather', input: '{"city":"Paris"}' }],
            finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
            usage,
            warnings: [],
          }
        : { content: [{ type: 'text', text: 'Rain in Paris.' }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] },
    doStream: async () => ({
      stream: simulateReadableStream({
        chunks: [
          { type: 'text-start', id: 't1' },
          { type: 'text-delta', id: 't1', delta: 'Hello' },
          { type: 'text-delta', id: 't1', delta: ' there' },
          { type: 'text-end', id: 't1' },
          { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
        ],
      }),
    }),
  });
}

async function flushedRuns(count: number): Promise<StoredRun[]> {
  await provider.forceFlush();
  return server.waitForRuns(count, 5000);
}

const byName = (runs: StoredRun[], name: string) => runs.filter((run) => run.name === name);

it('generateText with a tool: wrapper chain, two llm runs with usage, a tool run, all under one parent', async () => {
  server.reset();
  const weather = tool({
    description: 'Weather for a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => ({ city, forecast: 'rain' }),
  });
  const result = await generateText({
    model: weatherModel(),
    system: 'Be brief.',
    prompt: 'Weather in Paris?',
    tools: { weather },
    stopWhen: stepCountIs(3),
    temperature: 0.3,
    headers: { authorization: 'Bearer sk-secret-value' },
    experimental_telemetry: telemetry,
  });
  expect(result.text).toBe('Rain in Paris.');
  const runs = await flushedRuns(4);

  const [wrapper] = byName(runs, 'weather-agent');
  expect(wrapper).toMatchObject({ run_type: 'chain', inputs: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather in Paris?' }] } });
  expect(wrapper!.outputs).toEqual({ output: 'Rain in Paris.', finish_reason: 'stop' });
  // The wrapper repeats its children's total usage: it must not count a second time.
  expect(wrapper!.outputs).not.toHaveProperty('usage_metadata');
  expect(wrapper!.parent_run_id).toBeUndefined();
  expect(metadataOf(wrapper!)).toMatchObject({ session_id: 's-1' });

  const llmRuns = byName(runs, 'ai.generateText.doGenerate').sort((a, b) => a.start_time.localeCompare(b.start_time));
  expect(llmRuns).toHaveLength(2);
  for (const llm of llmRuns) {
    expect(llm.run_type).toBe('llm');
    expect(llm.parent_run_id).toBe(wrapper!.id);
    expect(llm.outputs?.usage_metadata).toMatchObject({ input_tokens: 12, output_tokens: 7, total_tokens: 19 });
    expect(metadataOf(llm)).toMatchObject({ ls_model_name: 'gpt-4o-mini', ls_provider: 'openai', ls_model_type: 'chat', ls_temperature: 0.3, session_id: 's-1' });
    expect(llm.extra?.invocation_params).toMatchObject({ temperature: 0.3 });
    expect(llm.inputs.tools).toEqual([
      { type: 'function', function: expect.objectContaining({ name: 'weather', description: 'Weather for a city', parameters: expect.objectContaining({ type: 'object' }) }) },
    ]);
  }
  const [first, second] = llmRuns;
  expect(first!.inputs.messages).toEqual([
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Weather in Paris?' },
  ]);
  expect(first!.outputs?.choices).toEqual([
    {
      index: 0,
      message: { role: 'assistant', content: null, tool_calls: [{ id: 'call-1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
      finish_reason: 'tool_calls',
    },
  ]);
  expect(second!.inputs.messages).toEqual([
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call-1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', content: '{"city":"Paris","forecast":"rain"}', tool_call_id: 'call-1', name: 'weather' },
  ]);
  expect(second!.outputs?.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'Rain in Paris.' }, finish_reason: 'stop' }]);

  // The AI SDK parents tool calls on the wrapper, beside the model calls (not under them).
  const [toolRun] = byName(runs, 'weather');
  expect(toolRun).toMatchObject({ run_type: 'tool', inputs: { city: 'Paris' }, outputs: { city: 'Paris', forecast: 'rain' }, parent_run_id: wrapper!.id });

  // Headers may hold credentials: names only.
  const everything = JSON.stringify(runs);
  expect(everything).not.toContain('sk-secret-value');
  expect(metadataOf(first!)['ai.request.headers']).toEqual(expect.arrayContaining(['authorization']));
});

it('streamText: the doStream llm run gets a new_token event at the first chunk', async () => {
  server.reset();
  const result = streamText({ model: weatherModel(), prompt: 'Say hello', experimental_telemetry: telemetry });
  let text = '';
  for await (const delta of result.textStream) text += delta;
  expect(text).toBe('Hello there');
  const runs = await flushedRuns(2);

  const [wrapper] = byName(runs, 'weather-agent');
  const [llm] = byName(runs, 'ai.streamText.doStream');
  expect(wrapper).toMatchObject({ run_type: 'chain', outputs: { output: 'Hello there', finish_reason: 'stop' } });
  expect(wrapper!.outputs).not.toHaveProperty('usage_metadata');
  expect(llm).toMatchObject({
    run_type: 'llm',
    parent_run_id: wrapper!.id,
    inputs: { messages: [{ role: 'user', content: 'Say hello' }] },
    outputs: { choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there' }, finish_reason: 'stop' }] },
  });
  expect(llm!.outputs?.usage_metadata).toMatchObject({ input_tokens: 12, output_tokens: 7 });
  const tokenEvents = llm!.events?.filter((event) => event.name === 'new_token') ?? [];
  expect(tokenEvents).toEqual([{ name: 'new_token', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/), kwargs: { token: '' } }]);
  expect(tokenEvents[0]!.time >= llm!.start_time).toBe(true);
  expect(llm!.events?.map((event) => event.name)).not.toContain('ai.stream.firstChunk');
  expect(metadataOf(llm!)['ai.response.msToFirstChunk']).toEqual(expect.any(Number));
});

it('embed: an embedding run with the input text and no vectors anywhere', async () => {
  server.reset();
  const model = new MockEmbeddingModelV3({
    provider: 'openai.embedding',
    modelId: 'text-embedding-3-small',
    doEmbed: async () => ({ embeddings: [[0.125, 0.25, 0.375]], usage: { tokens: 3 }, warnings: [] }),
  });
  const { embedding } = await embed({ model, value: 'sunny day', experimental_telemetry: telemetry });
  expect(embedding).toEqual([0.125, 0.25, 0.375]);
  const runs = await flushedRuns(2);

  const [wrapper] = byName(runs, 'weather-agent');
  const [embedRun] = byName(runs, 'ai.embed.doEmbed');
  expect(wrapper).toMatchObject({ run_type: 'chain', inputs: { input: 'sunny day' } });
  expect(embedRun).toMatchObject({ run_type: 'embedding', parent_run_id: wrapper!.id, inputs: { input: ['sunny day'] } });
  expect(metadataOf(embedRun!)).toMatchObject({ ls_model_name: 'text-embedding-3-small', ls_provider: 'openai', session_id: 's-1' });
  expect(JSON.stringify(runs)).not.toContain('0.375');
});
