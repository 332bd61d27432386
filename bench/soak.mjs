// `npm run soak` (not a test): sustained load for minutes with random faults injected into the
// strict local server, then the figures that matter: spans in, runs acknowledged, duplicates the
// server saw (replays answered 409), lost (must be 0), peak RSS, export latency p50/p99.
// SOAK_SECONDS (default 120), SOAK_RATE spans/s (default 2000), SOAK_FAULT_EVERY_MS (default 500),
// SOAK_DELIVERY_THREAD (main, the default, or worker).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LangSmithSpanExporter, replaySpool } from 'otel-langsmith';
import { startServerProcess } from './servers/spawn.mjs';

const seconds = Number(process.env.SOAK_SECONDS ?? 120);
const rate = Number(process.env.SOAK_RATE ?? 2000);
const faultEvery = Number(process.env.SOAK_FAULT_EVERY_MS ?? 500);

const server = await startServerProcess('langsmith-server');
const spool = mkdtempSync(join(tmpdir(), 'soak-spool-'));
const exporter = new LangSmithSpanExporter({ endpoint: server.url, apiKey: 'bench-key', projectName: 'soak', env: {}, failedRunsDir: spool, maxConcurrentRequests: 16, deliveryThread: process.env.SOAK_DELIVERY_THREAD ?? 'main' });
const latencies = [];
const timedExporter = {
  export(spans, done) {
    const started = performance.now();
    exporter.export(spans, (result) => {
      latencies.push(performance.now() - started);
      done(result);
    });
  },
  shutdown: () => exporter.shutdown(),
  forceFlush: () => exporter.forceFlush(),
};
const provider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(timedExporter, { maxQueueSize: 50_000, maxExportBatchSize: 1024, scheduledDelayMillis: 200 })],
});
const tracer = provider.getTracer('soak');

// Random faults, each for one request: statuses the exporter retries, resets, slow answers.
const FAULTS = [
  { status: 503 },
  { status: 502 },
  { status: 429, retryAfter: '1' },
  { status: 429 },
  { status: 500 },
  { reset: 'before-headers' },
  { reset: 'after-headers' },
  { delayMs: 300 },
];
let faults = 0;
const faultTimer = setInterval(() => {
  const fault = FAULTS[Math.floor(Math.random() * FAULTS.length)];
  faults++;
  fetch(`${server.url}/_local/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...fault, times: 1 + Math.floor(Math.random() * 3) }) }).catch(() => undefined);
}, faultEvery);

let spansIn = 0;
let peakRss = 0;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
const started = Date.now();
const perTick = Math.max(1, Math.round(rate / 100)); // 10 ms ticks
while (Date.now() - started < seconds * 1000) {
  for (let i = 0; i < perTick; i += 4) {
    const root = tracer.startSpan('request', { attributes: { i: spansIn } });
    const ctx = trace.setSpan(context.active(), root);
    const llm = tracer.startSpan('chat', { attributes: { 'langsmith.span.kind': 'llm' } }, ctx);
    tracer.startSpan('tool', {}, trace.setSpan(context.active(), llm)).end();
    llm.end();
    tracer.startSpan('post-process', {}, ctx).end();
    root.end();
    spansIn += 4;
  }
  await new Promise((resolve) => setTimeout(resolve, 10));
}
clearInterval(faultTimer);
await fetch(`${server.url}/_local/faults`, { method: 'DELETE' }).catch(() => undefined);
await provider.shutdown();
clearInterval(rssTimer);
const spooled = exporter.stats().runsSpooled;
const replay = spooled ? await replaySpool(spool, { endpoint: server.url, apiKey: 'bench-key', env: {} }) : { delivered: 0, remaining: 0 };
const summary = await server.call('summary');
await server.close();

latencies.sort((a, b) => a - b);
const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(1) : '-');
const stats = exporter.stats();
const result = {
  seconds,
  spansIn,
  spansReceivedByExporter: stats.spansReceived,
  droppedByProcessor: spansIn - stats.spansReceived,
  faultsInjected: faults,
  runsAcknowledged: stats.runsDelivered,
  retries: stats.retries,
  spooledThenReplayed: `${spooled} spooled, ${replay.delivered} replayed, ${replay.remaining} left`,
  runsStoredByServer: summary.runs,
  duplicatesSeenByServer: summary.statuses['409'] ?? 0,
  lost: stats.spansReceived - summary.runs,
  orphaned: stats.runsOrphaned,
  peakRssMiB: Math.round(peakRss / 1024 / 1024),
  exportLatencyMs: { p50: pct(50), p99: pct(99), max: latencies.length ? latencies.at(-1).toFixed(1) : '-' },
  serverStatuses: summary.statuses,
};
console.log(JSON.stringify(result, null, 2));
if (result.lost !== 0) process.exitCode = 1;
