// From the former bench/core.mjs: how long `provider.shutdown()` takes when the server is down
// (connection refused), with default options: it must end within the exporter's bounds.
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LangSmithSpanExporter } from 'otel-langsmith';
import { startServerProcess } from '../servers/spawn.mjs';
import { round } from './ceiling.mjs';

export async function runShutdownWithServerDown() {
  const server = await startServerProcess('langsmith-server');
  const url = server.url;
  await server.kill(); // nothing listens on that port any more
  const exporter = new LangSmithSpanExporter({ endpoint: url, apiKey: 'bench-key', env: {} });
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  const tracer = provider.getTracer('bench');
  for (let i = 0; i < 100; i++) tracer.startSpan(`op ${i}`).end();
  const started = performance.now();
  const outcome = await provider.shutdown().then(
    () => 'resolved',
    (error) => `rejected: ${String(error?.message ?? error).slice(0, 80)}`,
  );
  return { spans: 100, providerShutdownSeconds: round((performance.now() - started) / 1000, 2), outcome, runsFailed: exporter.stats().runsFailed };
}
