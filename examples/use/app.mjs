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

// Flushes: resolves once LangSmith acknowledged every run, rejects when some could not be
// delivered (the error says how many and why): report it, never crash on it. The processor skips
// exporter.shutdown() after a failed flush, so call it too (idempotent, bounded).
await provider.shutdown().catch((error) => console.error(error.message));
await exporter.shutdown();
