import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LangSmithSpanExporter } from 'otel-langsmith';

// Without a context manager, every nested span would start a trace of its own.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const exporter = new LangSmithSpanExporter({ projectName: 'my-app' }); // key and endpoint from LANGSMITH_* env vars
const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);

const tracer = trace.getTracer('my-app');
await tracer.startActiveSpan('answer question', async (root) => {
  await tracer.startActiveSpan('retrieve documents', async (span) => span.end());
  await tracer.startActiveSpan('call model', { attributes: { 'langsmith.span.kind': 'llm' } }, async (span) => span.end());
  root.end();
});

await provider.shutdown(); // flushes: resolves once LangSmith acknowledged every run
