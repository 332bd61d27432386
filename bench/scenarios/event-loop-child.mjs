// Child process (see ./event-loop.mjs): an application loop producing about `rate` spans/s through a
// real tracer (trees of every workload shape) plus some CPU work of its own, with this exporter
// behind BatchSpanProcessor beside it. Measures the event loop: utilisation, delay percentiles, and
// the longest synchronous export() call. Variant `baseline` uses an exporter that does nothing.
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { openSync, readSync } from 'node:fs';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { LangSmithSpanExporter } from 'otel-langsmith';
import { GENERATORS, PROJECT, seededIdGenerator } from '../workload.mjs';
import { VARIANTS } from './exporter-bsp.mjs';

const { url, variant, durationMillis, warmupMillis, drainMillis, rate, appBusyFraction, profileFile } = JSON.parse(process.argv[2]);
let listenerWarnings = 0; // MaxListenersExceededWarning from the exporter's shared abort signal: counted, not printed
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'MaxListenersExceededWarning') listenerWarnings++;
  else process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

const GC_KINDS = {
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};
const SPANS_PER_TRACE = { flat: 21, deep: 10, wide: 201, llm: 4 };
// About 1 LLM span in 9, 2% of traces wide: flat, deep, llm, flat, deep, llm, ... and a wide every 10 cycles.
const CYCLE = ['flat', 'deep', 'llm'];

const noopExporter = { export: (spans, callback) => callback({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} };
// Controls: the standard OTLP/HTTP exporters (JSON, and protobuf) on the same application, processor and sink, so a
// gap any exporter behind BatchSpanProcessor would cause (spans kept alive until their batch is
// exported, then garbage) can be told from one this exporter causes.
const CONTROLS = {
  'otlp-http': { label: 'BSP defaults, the standard OTLP/HTTP JSON exporter (control)', bsp: VARIANTS.default.bsp },
  'otlp-http-tuned': { label: 'BSP as tuned, the standard OTLP/HTTP JSON exporter (control)', bsp: VARIANTS.tuned.bsp },
  'otlp-proto': { label: 'BSP defaults, the standard OTLP/HTTP protobuf exporter (control)', bsp: VARIANTS.default.bsp, proto: true },
};
const settings = variant === 'baseline' ? VARIANTS.default : (CONTROLS[variant] ?? VARIANTS[variant]);
const exporter =
  variant === 'baseline'
    ? noopExporter
    : CONTROLS[variant]
      ? new (CONTROLS[variant].proto ? OTLPProtoTraceExporter : OTLPTraceExporter)({ url: `${url}/v1/traces` })
      : new LangSmithSpanExporter({ endpoint: url, apiKey: 'bench-key', projectName: PROJECT, env: {}, ...settings.exporter });
/** Whether the exporter is this library's (the others have no stats). */
const ours = exporter instanceof LangSmithSpanExporter;

let measuring = false;
const exportCalls = [];
const exportOriginal = exporter.export.bind(exporter);
exporter.export = (spans, callback) => {
  const t = performance.now();
  const c = process.cpuUsage();
  exportOriginal(spans, callback);
  const used = process.cpuUsage(c);
  if (measuring) exportCalls.push({ millis: performance.now() - t, cpuMillis: (used.user + used.system) / 1000, spans: spans.length });
};

const processor = new BatchSpanProcessor(exporter, settings.bsp);
// Count the spans the processor drops (queue full), as it does not say.
const maxQueueSize = settings.bsp.maxQueueSize ?? 2048;
const queued = () => (Array.isArray(processor._finishedSpans) ? processor._finishedSpans.length : 0);
let dropped = 0;
const onEndOriginal = processor.onEnd.bind(processor);
processor.onEnd = (span) => {
  if (queued() >= maxQueueSize) dropped++;
  onEndOriginal(span);
};
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'bench-app', 'deployment.environment.name': 'bench' }),
  idGenerator: seededIdGenerator(0xc0ffee),
  spanLimits: { attributeValueLengthLimit: Infinity, attributeCountLimit: 256 },
  spanProcessors: [processor],
});
const tracer = provider.getTracer('bench-app', '1.0.0');

// The application: every tick, the traces due at `rate` (catch-up capped at 50 ms worth), then CPU
// work of its own for `appBusyFraction` of the elapsed time.
let produced = 0;
let traces = 0;
let running = true;
const started = performance.now();
let lastTick = started;
// The CPU profiler's clock (CLOCK_MONOTONIC, µs), so bench/stalls.mjs can find a gap in the profile.
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Nanoseconds this thread has spent waiting for a core (Linux: the second field of
 * /proc/<pid>/task/<tid>/schedstat; re-read in place, about 1 µs), or undefined elsewhere. On two
 * vCPUs shared with the receiving server and helper threads, a gap can be the thread waiting to be
 * scheduled rather than running anything: this tells the two apart.
 */
const runqueueWaitNanos = (() => {
  try {
    const fd = openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
    const buffer = Buffer.alloc(128);
    return () => Number(buffer.toString('latin1', 0, readSync(fd, buffer, 0, 128, 0)).split(' ')[1]);
  } catch {
    return () => undefined;
  }
})();

// Between the end of one application tick and the start of the next the loop runs everything else
// (the exporter's responses and mapping slices, the processor's timer, garbage collection): the
// longest such gap bounds the stall the application sees from work that is not its own.
const gaps = [];
let lastTickEnd;
let waitAtLastTickEnd;
async function application() {
  while (running) {
    const now = performance.now();
    const waited = runqueueWaitNanos();
    if (measuring && lastTickEnd !== undefined) {
      const waitedMillis = waited === undefined ? undefined : (waited - waitAtLastTickEnd) / 1e6;
      gaps.push({ start: lastTickEnd, millis: now - lastTickEnd, waitedMillis, endMonotonicMicros: monotonicMicros() });
    }
    const due = Math.min((rate * (now - started)) / 1000, produced + rate * 0.05);
    while (produced < due) {
      const shape = traces % (CYCLE.length * 10) === 0 ? 'wide' : CYCLE[traces % CYCLE.length];
      GENERATORS[shape](tracer, traces++);
      produced += SPANS_PER_TRACE[shape];
    }
    const spinUntil = performance.now() + (now - lastTick) * appBusyFraction;
    while (performance.now() < spinUntil); // the application's own work
    lastTick = now;
    lastTickEnd = performance.now();
    waitAtLastTickEnd = runqueueWaitNanos();
    await sleep(1);
  }
}
const app = application();

await sleep(warmupMillis);
const histogram = monitorEventLoopDelay({ resolution: 1 });
const elu0 = performance.eventLoopUtilization();
const cpu0 = process.cpuUsage();
const produced0 = produced;
const t0 = performance.now();
const profiler = profileFile ? await startProfiler() : undefined;
// Garbage-collection pauses of the window (main thread), to tell them from the exporter's own work.
const gcPauses = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauses.push({ start: entry.startTime, millis: entry.duration, kind: entry.detail?.kind });
});
gcObserver.observe({ entryTypes: ['gc'] });
histogram.enable();
measuring = true;
lastTickEnd = undefined; // the first gap starts at the first tick of the window
await sleep(durationMillis);
histogram.disable();
measuring = false;
if (profiler) await profiler.stop();
gcObserver.disconnect();
const seconds = (performance.now() - t0) / 1000;
const elu = performance.eventLoopUtilization(elu0);
const cpu = process.cpuUsage(cpu0);
const producedInWindow = produced - produced0;
// What the exporter had not caught up with when the window closed: in the processor's queue, in
// the exporter's send queue or in flight (runs held for a parent are not counted).
const atWindowEnd = ours ? exporter.stats() : undefined;
const backlogAtWindowEnd = atWindowEnd ? queued() + atWindowEnd.queuedRuns + atWindowEnd.inFlightRequests : queued();
running = false;
await app;

// Drain (bounded), to count what was dropped or lost; what is still on its way then is reported.
const drainStarted = performance.now();
await Promise.race([processor.forceFlush().catch(() => undefined), sleep(drainMillis)]);
if (ours) {
  while (performance.now() - drainStarted < drainMillis) {
    const s = exporter.stats();
    // Nothing left in the processor, queued or in flight: what is still held waits for a parent the processor dropped.
    if (queued() === 0 && s.queuedRuns === 0 && s.inFlightRequests === 0) break;
    await sleep(5);
  }
}
const stats = ours ? exporter.stats() : undefined;
const drainSeconds = (performance.now() - drainStarted) / 1000;
if (stats) await exporter.shutdown(); // bounded by shutdownTimeoutMillis; the processor's queue is not flushed again
else await provider.shutdown();

/** `node bench/profile.mjs eventloop`: a CPU profile of the measured window, to find what stalls the loop. */
async function startProfiler() {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      writeFileSync(profileFile, JSON.stringify(profile));
    },
  };
}

/** The gaps between application ticks (1 ms sleep): longest, p99, over 10 ms, and the same without the GC pauses inside them. */
function betweenTicks() {
  const gcInside = (gap) => gcPauses.filter((p) => p.start >= gap.start && p.start < gap.start + gap.millis).reduce((a, p) => a + p.millis, 0);
  const withoutGc = gaps.map((gap) => gap.millis - gcInside(gap));
  // The part of each gap the thread was on a core (running the exporter, undici, timers or GC),
  // and the same without GC: the gap minus the time it waited to be scheduled.
  const onCpu = gaps.map((gap) => (gap.waitedMillis === undefined ? undefined : Math.max(0, gap.millis - gap.waitedMillis)));
  const onCpuWithoutGc = gaps.map((gap, i) => (onCpu[i] === undefined ? undefined : Math.max(0, onCpu[i] - gcInside(gap))));
  const maxOf = (values) => (values.some((v) => v === undefined) || values.length === 0 ? undefined : r(Math.max(...values)));
  const sorted = gaps.map((g) => g.millis).sort((a, b) => a - b);
  const r = (x) => Math.round(x * 10) / 10;
  return {
    gaps: gaps.length,
    maxMillis: r(sorted.at(-1) ?? 0),
    p99Millis: r(sorted[Math.floor(sorted.length * 0.99)] ?? 0),
    over10Millis: sorted.filter((m) => m > 10).length,
    maxWithoutGcMillis: r(Math.max(0, ...withoutGc)),
    over10WithoutGcMillis: withoutGc.filter((m) => m > 10).length,
    /** Linux only: the longest time the thread was on a core between two ticks (GC included), and without GC. */
    maxOnCpuMillis: maxOf(onCpu),
    over10OnCpuMillis: onCpu.includes(undefined) ? undefined : onCpu.filter((m) => m > 10).length,
    maxOnCpuWithoutGcMillis: maxOf(onCpuWithoutGc),
    /** The longest time the thread waited for a core inside one gap. */
    maxWaitedMillis: maxOf(gaps.map((g) => g.waitedMillis)),
    // For bench/stalls.mjs: where the long gaps are on the profiler's clock.
    longest: profileFile
      ? gaps
          .filter((g) => g.millis > 8)
          .map((g) => ({ millis: r(g.millis), gcMillis: r(gcInside(g)), waitedMillis: g.waitedMillis === undefined ? undefined : r(g.waitedMillis), startMicros: g.endMonotonicMicros - Math.round(g.millis * 1000), endMicros: g.endMonotonicMicros }))
      : undefined,
  };
}

const ms = (ns) => Math.round(ns / 1e4) / 100;
const sorted = exportCalls.map((c) => c.millis).sort((a, b) => a - b);
const longest = exportCalls.reduce((a, b) => (b.millis > (a?.millis ?? -1) ? b : a), undefined);
process.send({
  variant,
  label: variant === 'baseline' ? 'no exporter work (BSP defaults, exporter that returns at once)' : settings.label,
  seconds: Math.round(seconds * 100) / 100,
  spansPerSecond: Math.round(producedInWindow / seconds),
  eventLoopUtilization: Math.round(elu.utilization * 1000) / 1000,
  processCpuCores: Math.round(((cpu.user + cpu.system) / 1e6 / seconds) * 100) / 100,
  delayMillis: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), mean: ms(histogram.mean) },
  gc: {
    pauses: gcPauses.length,
    maxPauseMillis: Math.round(Math.max(0, ...gcPauses.map((p) => p.millis)) * 10) / 10,
    pausesOver10Millis: gcPauses.filter((p) => p.millis > 10).length,
    majorPauses: gcPauses.filter((p) => p.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR).length,
    totalMillis: Math.round(gcPauses.reduce((a, p) => a + p.millis, 0)),
    // The five longest, with their kind (scavenge, mark-compact, incremental marking step, weak callbacks).
    longest: [...gcPauses]
      .sort((a, b) => b.millis - a.millis)
      .slice(0, 5)
      .map((p) => ({ millis: Math.round(p.millis * 10) / 10, kind: GC_KINDS[p.kind] ?? String(p.kind) })),
  },
  betweenTicks: betweenTicks(),
  exportCalls: exportCalls.length,
  longestExportCall: longest ? { millis: Math.round(longest.millis * 10) / 10, cpuMillis: Math.round(longest.cpuMillis * 10) / 10, spans: longest.spans } : undefined,
  exportCallP99Millis: sorted.length ? Math.round(sorted[Math.floor(sorted.length * 0.99)] * 10) / 10 : undefined,
  exportCallsOver10Millis: exportCalls.filter((c) => c.millis > 10).length,
  spansProduced: produced,
  backlogAtWindowEnd,
  droppedByBsp: dropped,
  runsDelivered: stats?.runsDelivered,
  runsFailed: stats ? stats.runsFailed + stats.runsRejected : undefined,
  /** Spans not yet settled when the bounded drain ended (still queued in the processor or the exporter). */
  undeliveredAfterDrain: stats ? produced - dropped - stats.runsDelivered - stats.runsFailed - stats.runsRejected : undefined,
  drainSeconds: Math.round(drainSeconds * 10) / 10,
  maxListenersWarnings: listenerWarnings,
});
process.disconnect();
