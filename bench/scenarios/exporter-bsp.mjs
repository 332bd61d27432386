// This exporter behind BatchSpanProcessor: the recorded spans are handed to `onEnd` in their end
// order, as fast as the application can (yielding to the event loop every FEED_CHUNK spans). The
// processor then exports on its own schedule (one batch at a time, each waiting for the previous
// export's callback); only the last partial batch is pushed out with `forceFlush()` instead of
// waiting `scheduledDelayMillis` (5 s by default) for it. Measured: from the first `onEnd` to the
// last run acknowledged.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LangSmithSpanExporter } from 'otel-langsmith';
import { PROJECT } from '../workload.mjs';
import { round, serverCpuPerRun } from './ceiling.mjs';

export const FEED_CHUNK = 100;

export const VARIANTS = {
  default: { label: 'BSP defaults, exporter defaults', bsp: {}, exporter: {} },
  tuned: {
    label: 'BSP queue 100k, batch 2048, delay 50 ms; maxConcurrentRequests 64',
    bsp: { maxQueueSize: 100_000, maxExportBatchSize: 2048, scheduledDelayMillis: 50 },
    exporter: { maxConcurrentRequests: 64 },
  },
  worker: { label: "BSP defaults, exporter defaults with deliveryThread: 'worker'", bsp: {}, exporter: { deliveryThread: 'worker' } },
  // The opt-in batch ingestion (`POST /runs/batch`, up to 100 runs a request) with the tuned processor.
  batch: {
    label: "BSP queue 100k, batch 2048, delay 50 ms; transport: 'batch'",
    bsp: { maxQueueSize: 100_000, maxExportBatchSize: 2048, scheduledDelayMillis: 50 },
    exporter: { transport: 'batch' },
  },
  'batch-defaults': { label: "BSP defaults, exporter defaults with transport: 'batch'", bsp: {}, exporter: { transport: 'batch' } },
};

/**
 * Hands spans to a processor like an application ending them: chunks, yielding in between.
 * With `room` (the processor's maxQueueSize), waits while the processor's queue could not take
 * another chunk: the fastest producer that never makes it drop a span. Without it, as fast as
 * possible (what is over the queue is dropped and counted).
 */
export async function feed(processor, spans, { chunk = FEED_CHUNK, room } = {}) {
  for (let i = 0; i < spans.length; i++) {
    processor.onEnd(spans[i]);
    if (i % chunk !== chunk - 1) continue;
    await yieldToLoop();
    while (room !== undefined && queueLength(processor) + chunk > room) await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** The processor's private queue (`_finishedSpans`, sdk-trace 2.x); 0 when it cannot be read. */
const queueLength = (processor) => (Array.isArray(processor._finishedSpans) ? processor._finishedSpans.length : 0);

/**
 * Waits until the processor's queue holds less than one batch: what is left would wait for the
 * scheduled delay. Reads the processor's private queue (`_finishedSpans`, sdk-trace 2.x); without
 * it, flushes at once.
 */
export async function tailOnly(processor, batchSize) {
  while (queueLength(processor) >= batchSize) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Polls `read()` until `done()`; returns when the value last changed. */
async function settle(read, done, { timeoutMillis = 120_000, pollMillis = 1 } = {}) {
  let last = read();
  let changedAt = performance.now();
  const started = changedAt;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, pollMillis));
    const value = read();
    if (value !== last) {
      last = value;
      changedAt = performance.now();
    }
    if (done()) return { changedAt, timedOut: false };
    if (performance.now() - started > timeoutMillis) return { changedAt, timedOut: true };
  }
}

/**
 * `paced`: the producer never overfills the processor's queue (see feed), so nothing is dropped
 * and the figure is the rate these settings sustain; otherwise full speed, drops counted.
 */
export async function runExporterScenario({ server, spans, variant, paced = true }) {
  const { bsp: bspOptions, exporter: exporterOptions, label } = VARIANTS[variant];
  await server.call('reset');
  const exporter = new LangSmithSpanExporter({ endpoint: server.url, apiKey: 'bench-key', projectName: PROJECT, env: {}, ...exporterOptions });
  const processor = new BatchSpanProcessor(exporter, bspOptions);
  let longestExportCall = { millis: 0, cpuMillis: 0, spans: 0 };
  let exportCallsMillis = 0;
  let exportCalls = 0;
  const exportOriginal = exporter.export.bind(exporter);
  exporter.export = (batch, callback) => {
    const t = performance.now();
    const c = process.cpuUsage();
    exportOriginal(batch, callback);
    const millis = performance.now() - t;
    const used = process.cpuUsage(c);
    exportCalls++;
    exportCallsMillis += millis;
    if (millis > longestExportCall.millis) longestExportCall = { millis: round(millis, 1), cpuMillis: round((used.user + used.system) / 1000, 1), spans: batch.length };
  };

  // A delivery worker (deliveryThread: 'worker') starts with the exporter: measure once it answers,
  // as a long-lived exporter would be, not its start-up.
  await exporter.forceFlush();
  const server0 = await server.call('usage');
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  await feed(processor, spans, { room: paced ? (bspOptions.maxQueueSize ?? 2048) : undefined });
  const fedMillis = performance.now() - t0;
  await tailOnly(processor, bspOptions.maxExportBatchSize ?? 512);
  let flushed = false;
  processor.forceFlush().then(
    () => (flushed = true),
    () => (flushed = true),
  );
  const { changedAt, timedOut } = await settle(
    () => exporter.stats().runsDelivered,
    () => {
      const s = exporter.stats();
      const settledRuns = s.runsDelivered + s.runsFailed + s.runsRejected + s.spansFiltered + s.spansUnmappable;
      return flushed && s.queuedRuns === 0 && s.inFlightRequests === 0 && settledRuns + s.heldRuns >= s.spansReceived;
    },
  );
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const server1 = await server.call('usage');
  const stats = exporter.stats();
  const seconds = (changedAt - t0) / 1000;
  const stored = await server.call('count');
  await processor.shutdown(); // held strays (their parent was dropped by the BSP) go out as orphans here
  const after = exporter.stats();
  const runsPerSecond = Math.round(stats.runsDelivered / seconds);
  return {
    variant,
    label,
    paced,
    spans: spans.length,
    droppedByBsp: spans.length - stats.spansReceived,
    runsDelivered: stats.runsDelivered,
    storedByServer: stored,
    failed: stats.runsFailed + stats.runsRejected,
    heldAtEnd: stats.heldRuns,
    orphanedAtShutdown: after.runsOrphaned - stats.runsOrphaned,
    seconds: round(seconds, 3),
    feedSeconds: round(fedMillis / 1000, 3),
    runsPerSecond,
    cpuMicrosPerSpan: round((cpu.user + cpu.system) / spans.length, 1),
    /** Busy time of the application's event loop (feeding the processor included), per span. */
    appLoopMicrosPerSpan: round((elu.active * 1000) / spans.length, 1),
    serverCpuMicrosPerRun: serverCpuPerRun(server0, server1, Math.max(1, stats.runsDelivered)),
    exportCalls,
    /** Wall time of the longest synchronous export() call, the CPU this process used meanwhile, its batch. */
    longestExportCall,
    /** Share of the run spent inside synchronous export() calls, when no response can be processed. */
    exportCallsShare: round(exportCallsMillis / (changedAt - t0), 2),
    serverCountMatches: stored === stats.runsDelivered,
    timedOut,
  };
}
