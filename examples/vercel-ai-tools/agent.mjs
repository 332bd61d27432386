// The AI SDK's generateText with a tool, traced to LangSmith through its OpenTelemetry telemetry.
// Offline by default (the SDK's mock model); AI_MODEL=openai:gpt-4o-mini uses a real provider.
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { generateText, stepCountIs, tool } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { LangSmithSpanExporter } from 'otel-langsmith';

const weather = tool({
  description: 'The weather forecast for a city',
  inputSchema: z.object({ city: z.string().describe('City name') }),
  execute: async ({ city }) => ({ city, forecast: 'light rain', temperatureC: 14 }),
});

/**
 * A scripted stand-in for a chat model: asks for the weather tool first, then answers from the tool
 * result the SDK put in the prompt. Same interface as a real provider model.
 */
function mockWeatherModel() {
  const usage = { inputTokens: { total: 42, noCache: 42 }, outputTokens: { total: 12, text: 12 } };
  return new MockLanguageModelV3({
    provider: 'mock',
    modelId: 'mock-weather-model',
    doGenerate: async ({ prompt }) => {
      const toolMessage = prompt.find((message) => message.role === 'tool');
      if (!toolMessage) {
        return {
          content: [{ type: 'tool-call', toolCallId: 'call-1', toolName: 'weather', input: JSON.stringify({ city: 'Paris' }) }],
          finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
          usage,
          warnings: [],
        };
      }
      const { value } = toolMessage.content[0].output; // { type: 'json', value: <the tool's result> }
      return {
        content: [{ type: 'text', text: `${value.city}: ${value.forecast}, ${value.temperatureC} °C. Take an umbrella.` }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage,
        warnings: [],
      };
    },
  });
}

/** `AI_MODEL=<provider>:<model id>` loads `@ai-sdk/<provider>` (install it first); unset: the mock. */
async function chooseModel(spec = process.env.AI_MODEL) {
  if (!spec) return mockWeatherModel();
  const [provider, ...rest] = spec.split(':');
  const modelId = rest.join(':');
  if (!provider || !modelId) throw new Error(`AI_MODEL must look like openai:gpt-4o-mini, got ${spec}`);
  const packageName = `@ai-sdk/${provider}`;
  let module;
  try {
    module = await import(packageName);
  } catch (error) {
    throw new Error(`AI_MODEL=${spec} needs ${packageName}: npm install ${packageName}`, { cause: error });
  }
  const factory = module[provider];
  if (typeof factory !== 'function') throw new Error(`${packageName} exports no ${provider}() provider`);
  return factory(modelId);
}

export async function run({ question = 'What is the weather in Paris?', sessionId = 'demo-session' } = {}) {
  const model = await chooseModel();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = new LangSmithSpanExporter({ projectName: process.env.LANGSMITH_PROJECT ?? 'vercel-ai-tools' }); // key and endpoint from env
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'vercel-ai-tools' }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  trace.setGlobalTracerProvider(provider); // the AI SDK traces through the global tracer provider

  let result;
  try {
    result = await generateText({
      model,
      system: 'You are a weather assistant. Use the weather tool, then answer in one sentence.',
      prompt: question,
      tools: { weather },
      stopWhen: stepCountIs(3), // step 1: the tool call, step 2: the answer
      experimental_telemetry: {
        isEnabled: true,
        functionId: 'weather-assistant', // the name of the root run
        metadata: { session_id: sessionId }, // groups runs into a LangSmith thread
      },
    });
  } finally {
    // Flushes the batch and waits until LangSmith acknowledged every run.
    await provider.shutdown();
    trace.disable();
    context.disable();
  }
  return { text: result.text, steps: result.steps.length, stats: exporter.stats() };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { text, steps } = await run();
  console.log(`${text}\n(${steps} steps)`);
}
