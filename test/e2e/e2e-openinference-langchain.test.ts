import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import * as CallbackManagerModule from '@langchain/core/callbacks/manager';
import { HumanMessage, ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { BatchSpanProcessor, type BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { tracerWith } from '../helpers/tracing.js';

// A LangChain tool round trip (@langchain/openai against the local OpenAI stub, a real LangChain
// tool), instrumented by OpenInference's LangChain instrumentation, exported through a
// BatchSpanProcessor and our exporter to the strict local server. The instrumentation flattens
// messages without their tool-call ids; the runs still pair each call with its result.

let server: LocalServer;
let stub: OpenAIStub;
let provider: BasicTracerProvider;
let instrumentation: LangChainInstrumentation;

beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
  stub = await startOpenAIStub();
  ({ provider } = tracerWith([new BatchSpanProcessor(exporterFor(server), { scheduledDelayMillis: 10 })]));
  instrumentation = new LangChainInstrumentation({ tracerProvider: provider });
  instrumentation.manuallyInstrument(CallbackManagerModule);
});
afterAll(async () => {
  instrumentation?.disable();
  await provider?.shutdown();
  await stub?.close();
  await server?.close();
});

describe('OpenInference-instrumented LangChain → LangSmith runs', () => {
  it('tool calls and the tool result keep their ids; the tool run is named after the tool', async () => {
    const getWeather = tool(async ({ city }: { city: string }) => JSON.stringify({ city, forecast: 'rain' }), {
      name: 'get_weather',
      description: 'Weather by city',
      schema: z.object({ city: z.string() }),
    });
    const model = new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'sk-test', configuration: { baseURL: stub.baseURL } }).bindTools([getWeather]);
    const question = new HumanMessage('Weather in Paris?');
    const call = await model.invoke([question]);
    const result = (await getWeather.invoke(call.tool_calls![0]!)) as ToolMessage;
    await model.invoke([question, call, result]);
    await provider.forceFlush();

    const runs = server.runs();
    const llm = runs.filter((run) => run.run_type === 'llm').sort((a, b) => (a.start_time < b.start_time ? -1 : 1));
    expect(llm).toHaveLength(2);
    const toolCall = { id: 'call_weather_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
    expect(llm[0]!.outputs?.choices).toMatchObject([{ message: { role: 'assistant', tool_calls: [toolCall] }, finish_reason: 'tool_calls' }]);
    expect(llm[1]!.inputs?.messages).toMatchObject([
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', tool_calls: [toolCall] },
      { role: 'tool', tool_call_id: 'call_weather_1' },
    ]);
    const toolRun = runs.find((run) => run.run_type === 'tool');
    expect(toolRun?.name).toBe('get_weather');
  });
});
