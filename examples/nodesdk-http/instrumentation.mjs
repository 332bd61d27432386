// Loaded with `node --import ./instrumentation.mjs app.mjs`, before any application module, as the
// OpenTelemetry docs recommend: instrumentations can only patch modules loaded after them.
import { register } from 'node:module';
import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import * as openaiModule from 'openai';
import { LangSmithSpanExporter } from 'otel-langsmith';

// OpenTelemetry's ESM loader hook (import-in-the-middle): without it, what an ES module app
// `import`s (node:http included) is never patched. Registered before the app's modules load.
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

export const exporter = new LangSmithSpanExporter({
  projectName: process.env.LANGSMITH_PROJECT ?? 'nodesdk-http', // key and endpoint from LANGSMITH_* env
  // spanFilter: SpanFilters.llmAndAncestors, // only LLM runs and the spans around them (README)
});

// OpenInference records the messages and the answer on the span; @opentelemetry/instrumentation-openai
// (part of the auto-instrumentations) puts them in log records only, so it is replaced here.
const openInference = new OpenAIInstrumentation();

export const sdk = new NodeSDK({
  resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME ?? 'nodesdk-http' }),
  spanProcessors: [new BatchSpanProcessor(exporter)],
  instrumentations: [
    getNodeAutoInstrumentations({
      '@opentelemetry/instrumentation-openai': { enabled: false },
      // One span per TCP connect and DNS lookup adds noise to LLM traces.
      '@opentelemetry/instrumentation-net': { enabled: false },
      '@opentelemetry/instrumentation-dns': { enabled: false },
    }),
    openInference,
  ],
  // This example is about traces: no OTLP metrics or logs (the NodeSDK's default when these are unset).
  metricReaders: [],
  logRecordProcessors: [],
});
sdk.start();

// The app imports `openai` as an ES module; OpenInference's own hook only sees require(), so patch
// the module by hand. It is the same module instance the app gets.
openInference.manuallyInstrument(openaiModule);
