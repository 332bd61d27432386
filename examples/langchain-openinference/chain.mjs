// A LangChain.js chain (prompt → ChatOpenAI → string parser) traced by OpenInference's LangChain
// instrumentation, exported to LangSmith as OpenTelemetry spans by otel-langsmith.
//
// Leave LANGSMITH_TRACING / LANGCHAIN_TRACING_V2 unset: they switch on LangChain's own LangSmith
// tracer, which would send every run a second time, beside these spans.
import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import * as CallbackManagerModule from '@langchain/core/callbacks/manager';
import { awaitAllCallbacks } from '@langchain/core/callbacks/promises';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { ChatOpenAI } from '@langchain/openai';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { pathToFileURL } from 'node:url';
import { LangSmithSpanExporter } from 'otel-langsmith';

const tracingFlags = ['LANGSMITH_TRACING', 'LANGSMITH_TRACING_V2', 'LANGCHAIN_TRACING_V2', 'LANGCHAIN_TRACING'];
const doubleTracing = tracingFlags.filter((name) => /^true$/i.test(process.env[name] ?? ''));
if (doubleTracing.length > 0) {
  console.warn(`${doubleTracing.join(', ')}=true: LangChain's own LangSmith tracer is on too, so every run is sent twice. Unset it.`);
}

export async function run({ topic = 'the rain in Paris' } = {}) {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = new LangSmithSpanExporter({ projectName: process.env.LANGSMITH_PROJECT ?? 'langchain-openinference' }); // key and endpoint from env
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'langchain-openinference' }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  trace.setGlobalTracerProvider(provider);

  // @langchain/core has no single entry module for require hooks to patch: OpenInference asks for
  // its callback manager module to be instrumented by hand (a tracer joins every run's callbacks).
  const instrumentation = new LangChainInstrumentation({ tracerProvider: provider });
  instrumentation.manuallyInstrument(CallbackManagerModule);

  const prompt = ChatPromptTemplate.fromMessages([
    ['system', 'You are a concise weather reporter.'],
    ['human', 'Write one sentence about {topic}.'],
  ]);
  const model = new ChatOpenAI({
    model: process.env.OPENAI_MODEL ?? 'gpt-4o-mini',
    temperature: 0.2,
    configuration: { baseURL: process.env.OPENAI_BASE_URL }, // unset: api.openai.com; key from OPENAI_API_KEY
  });
  const chain = prompt.pipe(model).pipe(new StringOutputParser()).withConfig({ runName: 'weather-report' });

  let answer;
  try {
    answer = await chain.invoke({ topic }, { metadata: { session_id: 'demo-session' } });
  } finally {
    // LangChain runs callbacks in the background: the chain's own span ends after invoke() returned.
    // Wait for them, or shutdown would find the root span still open and send its children as roots.
    await awaitAllCallbacks();
    instrumentation.disable();
    // Flushes the batch and waits until LangSmith acknowledged every run.
    await provider.shutdown();
    trace.disable();
    context.disable();
  }
  return { answer, stats: exporter.stats() };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { answer } = await run();
  console.log(answer);
}
