// Memory under a parent-wait backlog: N children whose parent never ends (default 1,000,000),
// with the exporter's default hold bounds. Prints peak RSS/heap and what happened to the runs
// (held up to the bound, the oldest sent as orphan roots: nothing dropped). Run with --expose-gc.
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { LangSmithSpanExporter } from 'otel-langsmith';
import { startServerProcess } from './servers/spawn.mjs';

const total = Number(process.env.HELD_SPANS ?? 1_000_000);
const server = await startServerProcess('sink-server');
const exporter = new LangSmithSpanExporter({ endpoint: server.url, apiKey: 'bench-key', env: {}, maxConcurrentRequests: 32 });
const provider = new BasicTracerProvider();
const tracer = provider.getTracer('held');
const parent = tracer.startSpan('parent that never ends');
const ctx = trace.setSpan(context.active(), parent);

let peakRss = 0;
let peakHeap = 0;
let peakHeld = 0;
const sample = () => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakHeld = Math.max(peakHeld, exporter.stats().heldRuns);
};
const timer = setInterval(sample, 100);
const started = performance.now();
const BATCH = 2048;
for (let sent = 0; sent < total; sent += BATCH) {
  const spans = [];
  const n = Math.min(BATCH, total - sent);
  for (let i = 0; i < n; i++) {
    const span = tracer.startSpan('child', { attributes: { i: sent + i, payload: 'x'.repeat(200) } }, ctx);
    span.end();
    spans.push(span);
  }
  await new Promise((resolve) => exporter.export(spans, resolve));
  // Back-pressure like a BatchSpanProcessor would feel it: wait when the send queue is long.
  while (exporter.stats().queuedRuns > 50_000) await new Promise((r) => setTimeout(r, 20));
}
await exporter.forceFlush();
sample();
clearInterval(timer);
const stats = exporter.stats();
await exporter.shutdown();
await server.close();
console.log(JSON.stringify({
  spans: total,
  seconds: +((performance.now() - started) / 1000).toFixed(1),
  peakHeldRuns: peakHeld,
  heldAtEnd: stats.heldRuns,
  runsOrphanedBufferFull: stats.runsOrphaned,
  runsDelivered: stats.runsDelivered,
  failed: stats.runsFailed + stats.runsRejected,
  peakRssMiB: Math.round(peakRss / 2 ** 20),
  peakHeapMiB: Math.round(peakHeap / 2 ** 20),
}, null, 2));
