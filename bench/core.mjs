// Core exporter figures: runs/s delivered through BatchSpanProcessor to the strict local server
// (in another process), and how long provider.shutdown() takes with the server down.
import { fork } from 'node:child_process';
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LangSmithSpanExporter } from 'otel-langsmith';

const CHILDREN = 4;

function startServer() {
  const child = fork(new URL('./server-process.mjs', import.meta.url));
  return new Promise((resolve) => child.once('message', ({ url }) => resolve({ url, child })));
}

async function throughput(url, traces, processorOptions, label, pauseMillis) {
  const exporter = new LangSmithSpanExporter({ endpoint: url, apiKey: 'bench-key', projectName: 'bench', env: {} });
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter, processorOptions)] });
  const tracer = provider.getTracer('bench');
  const spans = traces * (CHILDREN + 1);
  const started = performance.now();
  for (let t = 0; t < traces; t++) {
    const root = tracer.startSpan('root', { attributes: { 'trace.index': t, payload: 'x'.repeat(512) } });
    const ctx = trace.setSpan(context.active(), root);
    for (let c = 0; c < CHILDREN; c++) tracer.startSpan(`child ${c}`, { attributes: { i: c } }, ctx).end();
    root.end();
    if (t % 20 === 0) await new Promise((r) => setTimeout(r, pauseMillis)); // 100 spans, then the application yields
  }
  await provider.forceFlush();
  const seconds = (performance.now() - started) / 1000;
  const stats = exporter.stats();
  await provider.shutdown();
  const ok = stats.runsDelivered === stats.spansReceived && stats.runsOrphaned === 0 && stats.runsFailed === 0;
  return { label, spans, runsDelivered: stats.runsDelivered, droppedByProcessor: spans - stats.spansReceived, orphaned: stats.runsOrphaned, failed: stats.runsFailed + stats.runsRejected, seconds: +seconds.toFixed(2), runsPerSecond: Math.round(stats.runsDelivered / seconds), ok };
}

async function shutdownWithServerDown(url) {
  const exporter = new LangSmithSpanExporter({ endpoint: url, apiKey: 'bench-key', env: {} });
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  const tracer = provider.getTracer('bench');
  for (let i = 0; i < 100; i++) tracer.startSpan(`op ${i}`).end();
  const started = performance.now();
  const outcome = await provider.shutdown().then(() => 'resolved', (error) => `rejected: ${error.message.slice(0, 80)}…`);
  return { providerShutdownSeconds: +((performance.now() - started) / 1000).toFixed(2), outcome, failedRuns: exporter.stats().runsFailed };
}

const traces = Number(process.env.BENCH_TRACES ?? 4000);
const { url, child } = await startServer();
const results = [];
results.push(await throughput(url, traces, {}, 'BSP defaults, 100 spans per 15 ms offered', 15));
results.push(await throughput(url, traces, {}, 'BSP defaults, 100 spans per 1 ms offered', 1));
results.push(await throughput(url, traces, { maxQueueSize: 100_000, maxExportBatchSize: 2048, scheduledDelayMillis: 50 }, 'BSP tuned (queue 100k, batch 2048, 50 ms), as fast as possible', 1));
child.send('close');
await new Promise((r) => child.once('exit', r));
const down = await shutdownWithServerDown(url); // the server process is gone: connection refused
console.table(results);
console.log('provider.shutdown() with the server down (100 spans, default options):', down);
console.log(JSON.stringify({ results, down }));
