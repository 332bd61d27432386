import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { Attributes } from '@opentelemetry/api';
import type { OpenAI } from 'openai';
import { OpenAIInstrumentation as LegacyOpenAIInstrumentation } from 'traceloop-openai-legacy';
import { getToolAttributes, traceTool } from '@arizeai/openinference-core';
import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import * as CallbackManagerModule from '@langchain/core/callbacks/manager';
import { HumanMessage, ToolMessage } from '@langchain/core/messages';
import { OpenTelemetry as AiSdkOpenTelemetry } from '@ai-sdk/otel';
import { embed, embedMany } from 'ai-v7';
import { MockEmbeddingModelV4 } from 'ai-v7/test';
import { ChatOpenAI } from '@langchain/openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapSpan } from 'otel-langsmith';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { endedSpan, recordingTracer } from '../helpers/tracing.js';

// Older attribute forms still written in the wild, each rendered where LangSmith shows it. Real
// producers where one installs here (openinference-core's tracing helpers), otherwise real SDK spans
// with the attributes as the producer's source writes them (cited per test).

const runOf = (attributes: Attributes, name = 'span') => mapSpan(endedSpan(name, attributes), { projectName: 'p' }).run;

describe('a tool run is named after its tool, not the method that ran it', () => {
  it('openinference-core traceTool names the span after the wrapped function; tool.name names the run', async () => {
    const { tracer, spans } = recordingTracer();
    const acall = traceTool(async function acall(city: string) {
      return { city, forecast: 'rain' };
    }, { tracer, attributes: getToolAttributes({ name: 'get_weather', description: 'Weather by city', parameters: { type: 'object' } }) });
    await acall('Paris');
    const span = spans()[0]!;
    expect(span.name).toBe('acall');
    const { run } = mapSpan(span, { projectName: 'p' });
    expect(run.run_type).toBe('tool');
    expect(run.name).toBe('get_weather');
  });

  it('LlamaIndex-style FunctionTool.acall with OpenInference tool.name (openinference-instrumentation-llama-index)', () => {
    const run = runOf({ 'openinference.span.kind': 'TOOL', 'tool.name': 'multiply', 'input.value': '{"a":2,"b":3}', 'output.value': '6' }, 'FunctionTool.acall');
    expect(run).toMatchObject({ name: 'multiply', run_type: 'tool', inputs: { a: 2, b: 3 } });
  });

  it('a span that names a GenAI tool without an operation is a tool run named after it (Pydantic AI instrumentation version 1)', () => {
    const run = runOf({ 'gen_ai.tool.name': 'weather', 'gen_ai.tool.call.id': 'call_1', 'logfire.msg': 'running tool: weather', tool_arguments: '{"city":"Paris"}' }, 'running tool');
    expect(run).toMatchObject({ name: 'weather', run_type: 'tool', inputs: { city: 'Paris' } });
  });

  it('a span with its own name and no tool is left alone', () => {
    expect(runOf({ 'openinference.span.kind': 'TOOL', 'input.value': '{}' }, 'FunctionTool.acall').name).toBe('FunctionTool.acall');
    expect(runOf({ 'openinference.span.kind': 'CHAIN', 'tool.name': 'x' }, 'chain').name).toBe('chain');
  });
});

describe('OpenLLMetry indexed tool definitions and calls', () => {
  it('llm.request.functions.N.parameters (the Python instrumentations) → invocation_params.tools', () => {
    const run = runOf({
      'llm.request.type': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'llm.request.functions.0.name': 'get_weather',
      'llm.request.functions.0.description': 'Weather by city',
      'llm.request.functions.0.parameters': '{"type":"object","properties":{"city":{"type":"string"}}}',
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': 'Weather in Paris?',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.finish_reason': 'tool_calls',
      'gen_ai.completion.0.tool_calls.0.id': 'call_1',
      'gen_ai.completion.0.tool_calls.0.name': 'get_weather',
      'gen_ai.completion.0.tool_calls.0.arguments': '{"city":"Paris"}',
    });
    expect(run.extra?.invocation_params?.tools).toEqual([
      { type: 'function', function: { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    ]);
    expect(run.outputs?.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }, finish_reason: 'tool_calls' },
    ]);
  });
});

describe('OpenLLMetry 0.22 (traceloop-openai-legacy) with OpenAI’s older functions API', () => {
  // A local endpoint answering with the deprecated `function_call` (the shared stub answers tools only).
  let endpoint: Server;
  let baseURL = '';
  beforeAll(async () => {
    endpoint = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            id: 'chatcmpl-fn',
            object: 'chat.completion',
            created: 1_700_000_000,
            model: 'gpt-3.5-turbo-0613',
            choices: [{ index: 0, message: { role: 'assistant', content: null, function_call: { name: 'get_weather', arguments: '{"city":"Paris"}' } }, finish_reason: 'function_call' }],
            usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    baseURL = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    await new Promise((resolve) => endpoint?.close(resolve));
  });

  it('llm.request.functions.N.* → invocation_params.tools; gen_ai.completion.N.function_call.* → a tool call on the answer', async () => {
    const { provider, spans } = recordingTracer();
    const instrumentation = new LegacyOpenAIInstrumentation();
    instrumentation.setTracerProvider(provider);
    // The CJS build of openai, which this instrumentation patches (see e2e-traceloop-openai.test.ts).
    const CjsOpenAI = (createRequire(import.meta.url)('openai') as { OpenAI: typeof OpenAI }).OpenAI;
    instrumentation.manuallyInstrument(CjsOpenAI as unknown as Parameters<typeof instrumentation.manuallyInstrument>[0]);
    const client = new CjsOpenAI({ baseURL, apiKey: 'sk-test' });
    const parameters = { type: 'object', properties: { city: { type: 'string' } } };
    await client.chat.completions.create({
      model: 'gpt-3.5-turbo-0613',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      functions: [{ name: 'get_weather', description: 'Weather by city', parameters }],
    });
    const span = spans().find((candidate) => candidate.attributes['llm.request.functions.0.name'] !== undefined)!;
    expect(span.attributes['gen_ai.completion.0.function_call.name']).toBe('get_weather');
    const { run } = mapSpan(span, { projectName: 'p' });
    expect(run.run_type).toBe('llm');
    expect(run.extra?.invocation_params?.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Weather by city', parameters } }]);
    expect(run.outputs?.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }, finish_reason: 'function_call' },
    ]);
  });
});

describe('tool-call ids kept only in the serialized messages of input.value / output.value', () => {
  let stub: OpenAIStub;
  beforeAll(async () => {
    stub = await startOpenAIStub();
  });
  afterAll(async () => {
    await stub?.close();
  });

  const WEATHER = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };

  it('OpenInference LangChain (JS): the assistant’s call and the tool result are paired by id, as LangChain sent them', async () => {
    const { provider, spans } = recordingTracer();
    const instrumentation = new LangChainInstrumentation({ tracerProvider: provider });
    instrumentation.manuallyInstrument(CallbackManagerModule);
    try {
      const model = new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'sk-test', configuration: { baseURL: stub.baseURL } }).bindTools([WEATHER]);
      const question = new HumanMessage('Weather in Paris?');
      const call = await model.invoke([question]);
      const result = new ToolMessage({ tool_call_id: call.tool_calls![0]!.id!, content: '{"forecast":"rain"}' });
      await model.invoke([question, call, result]);
    } finally {
      instrumentation.disable();
    }
    const [first, second] = spans().map((span) => mapSpan(span, { projectName: 'p' }).run);
    // The indexed attributes carry no ids (the instrumentation's parseMessage drops them).
    expect(Object.keys(spans()[1]!.attributes).filter((key) => key.endsWith('tool_call.id') || key.endsWith('tool_call_id'))).toEqual([]);
    const toolCall = { id: 'call_weather_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
    // (The content of a tool-calling turn is as the instrumentation wrote it, "".)
    expect((first!.outputs?.choices as Array<{ message: unknown }>)[0]!.message).toMatchObject({ role: 'assistant', tool_calls: [toolCall] });
    expect(second!.inputs?.messages).toMatchObject([
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', tool_calls: [toolCall] },
      { role: 'tool', content: '{"forecast":"rain"}', tool_call_id: 'call_weather_1' },
    ]);
  });

  it('LangChain’s plain dict form and OpenAI bodies too; a call whose name differs, or lists of other lengths, get no id', () => {
    const base: Attributes = {
      'openinference.span.kind': 'LLM',
      'llm.input_messages.0.message.role': 'assistant',
      'llm.input_messages.0.message.tool_calls.0.tool_call.function.name': 'look',
      'llm.input_messages.0.message.tool_calls.0.tool_call.function.arguments': '{}',
      'llm.input_messages.1.message.role': 'tool',
      'llm.input_messages.1.message.content': 'seen',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'look',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{}',
    };
    const dictForm = runOf({
      ...base,
      'input.value': JSON.stringify({ messages: [[{ type: 'ai', content: '', tool_calls: [{ name: 'look', args: {}, id: 'c1' }] }, { type: 'tool', content: 'seen', tool_call_id: 'c1' }]] }),
      'output.value': JSON.stringify({ choices: [{ message: { role: 'assistant', tool_calls: [{ id: 'c2', type: 'function', function: { name: 'look', arguments: '{}' } }] } }] }),
    });
    expect(dictForm.inputs?.messages).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'look', arguments: '{}' } }] },
      { role: 'tool', content: 'seen', tool_call_id: 'c1' },
    ]);
    expect((dictForm.outputs?.choices as Array<{ message: { tool_calls: unknown } }>)[0]!.message.tool_calls).toEqual([{ id: 'c2', type: 'function', function: { name: 'look', arguments: '{}' } }]);

    const mismatched = runOf({
      ...base,
      'input.value': JSON.stringify({ messages: [{ role: 'assistant', tool_calls: [{ id: 'c1', function: { name: 'other' } }] }, { role: 'tool', tool_call_id: 'c1' }, { role: 'user', content: 'extra' }] }),
    });
    expect(JSON.stringify(mismatched.inputs)).not.toContain('c1');
  });
});

describe('AI SDK v7 (@ai-sdk/otel) embedding spans: the texts are the run’s inputs, as v6’s are', () => {
  it('embedMany and embed with the integration’s embedding attributes on', async () => {
    const { tracer, spans } = recordingTracer();
    const integration = new AiSdkOpenTelemetry({ tracer, embedding: true });
    const model = new MockEmbeddingModelV4({ doEmbed: async ({ values }) => ({ embeddings: values.map(() => [0.1, 0.2]), usage: { tokens: 5 }, warnings: [] }) });
    await embedMany({ model, values: ['sunny day', 'rainy day'], maxParallelCalls: 1, telemetry: { integrations: [integration] } });
    await embed({ model, value: 'cloudy', telemetry: { integrations: [integration] } });
    const runs = spans().map((span) => ({ span, run: mapSpan(span, { projectName: 'p' }).run }));
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (const { span, run } of runs) {
      // No ai.operationId: these are the integration's GenAI-semconv spans.
      expect(span.attributes['ai.operationId']).toBeUndefined();
      expect(run.run_type).toBe('embedding');
      const values = span.attributes['ai.values'] as string[] | undefined;
      const texts = values ? values.map((text) => JSON.parse(text) as string) : (JSON.parse(span.attributes['ai.value'] as string) as string);
      expect(run.inputs).toEqual({ input: texts });
      // The vectors are dropped, never copied into metadata.
      expect(JSON.stringify(run.extra?.metadata)).not.toContain('0.1,0.2');
    }
    expect(runs.map(({ run }) => run.inputs)).toContainEqual({ input: ['sunny day', 'rainy day'] });
    expect(runs.map(({ run }) => run.inputs)).toContainEqual({ input: 'cloudy' });
  });
});
