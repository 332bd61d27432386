// A small traced program, configured the way users configure it: LANGSMITH_* env vars.
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LangSmithSpanExporter } from 'otel-langsmith';

export async function runQuickstart({ projectName = 'quickstart' } = {}) {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = new LangSmithSpanExporter({ projectName }); // key and endpoint from env
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'quickstart' }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('quickstart', '1.0.0');

  await tracer.startActiveSpan('answer question', { attributes: { question: 'Will it rain in Paris?' } }, async (root) => {
    await tracer.startActiveSpan('retrieve documents', async (span) => {
      span.addEvent('cache miss', { key: 'paris-weather' });
      span.setAttribute('documents.count', 2);
      span.end();
    });
    await tracer.startActiveSpan('lookup forecast', { attributes: { 'langsmith.span.kind': 'tool' } }, async (span) => {
      try {
        throw new Error('forecast service unavailable');
      } catch (error) {
        span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      } finally {
        span.end();
      }
    });
    // OTel GenAI attributes, as an instrumented model client records them: model and token usage.
    const llmAttributes = {
      'langsmith.span.kind': 'llm',
      'langsmith.span.tags': 'demo',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 24,
      'gen_ai.usage.output_tokens': 9,
    };
    await tracer.startActiveSpan('call model', { attributes: llmAttributes }, async (span) => {
      span.end();
    });
    root.end();
  });

  // Shutdown flushes the batch processor and waits until LangSmith acknowledged every run.
  await provider.shutdown();
  trace.disable();
  context.disable();
  return exporter.stats();
}
