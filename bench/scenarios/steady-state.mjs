// The application thread's share of the work, with one long-lived exporter (warm JIT on every
// thread, a delivery worker already started), the default against delivery on the application
// thread and in `deliveryThread: 'worker'`: the same flat traces, fresh span ids each round, BSP defaults,
// paced so nothing is dropped. Per span: CPU time of the application's thread, busy time of its
// event loop (ELU, which also counts time it waited for a core), CPU of the whole process (all
// threads), and delivered runs/s.
import { readFileSync } from 'node:fs';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LangSmithSpanExporter } from 'otel-langsmith';
import { generateShape, PROJECT, QUICK } from '../workload.mjs';
import { round } from './ceiling.mjs';
import { feed, tailOnly } from './exporter-bsp.mjs';

/** One long-lived exporter each: the default ('auto'), delivery on the application thread, in a worker, and batch ingestion. */
export const STEADY_STATE_SETTINGS = [
  { label: "defaults (deliveryThread: 'auto')", options: {} },
  { label: "deliveryThread: 'main'", options: { deliveryThread: 'main' } },
  { label: "deliveryThread: 'worker'", options: { deliveryThread: 'worker' } },
  { label: "transport: 'batch'", options: { transport: 'batch' } },
];
// Full runs go past the 100 000 acknowledged ids the exporter remembers for late children (10
// rounds of 12 600 spans), so a cost that appears only once that memory is full shows: the rounds
// after it are reported on their own.
const REMEMBERED_IDS = 100_000; // REMEMBERED_PARENTS in src/pipeline/run-pipeline.ts
const ROUNDS = QUICK ? 3 : 10; // the first ones warm up, the rest are kept
const WARM_UP_ROUNDS = QUICK ? 1 : 2;
const TRACES = QUICK ? 200 : 600;

/**
 * CPU time of this process's main thread alone, µs (Linux: /proc/self/task/<pid>/schedstat, in ns):
 * unlike event-loop utilisation it does not count time the thread waited for a core, and unlike
 * process.cpuUsage() it leaves out the worker and GC threads. Undefined elsewhere.
 */
function mainThreadCpuMicros() {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
  } catch {
    return undefined;
  }
}

export async function runSteadyState({ server, setting }) {
  await server.call('reset');
  const exporter = new LangSmithSpanExporter({ endpoint: server.url, apiKey: 'bench-key', projectName: PROJECT, env: {}, ...setting.options });
  const processor = new BatchSpanProcessor(exporter, {});
  await exporter.forceFlush();
  const kept = [];
  for (let r = 0; r < ROUNDS; r++) {
    const spans = generateShape('flat', TRACES, 1000 + r);
    const before = exporter.stats().runsDelivered;
    const cpu0 = process.cpuUsage();
    const thread0 = mainThreadCpuMicros();
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    await feed(processor, spans, { room: 2048 });
    await tailOnly(processor, 512);
    await processor.forceFlush();
    while (exporter.stats().runsDelivered - before < spans.length) await new Promise((resolve) => setTimeout(resolve, 1));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const thread1 = mainThreadCpuMicros();
    const elu = performance.eventLoopUtilization(elu0);
    if (r >= WARM_UP_ROUNDS) {
      kept.push({
        pastRememberedIds: before >= REMEMBERED_IDS,
        runsPerSecond: Math.round(spans.length / seconds),
        appLoopMicrosPerSpan: (elu.active * 1000) / spans.length,
        appThreadCpuMicrosPerSpan: thread0 === undefined || thread1 === undefined ? undefined : (thread1 - thread0) / spans.length,
        processCpuMicrosPerSpan: (cpu.user + cpu.system) / spans.length,
      });
    }
  }
  await processor.shutdown();
  const median = (key, rounds = kept) => {
    const sorted = rounds.map((k) => k[key]).sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const past = kept.filter((k) => k.pastRememberedIds);
  return {
    setting: setting.label,
    rounds: kept.length,
    spansPerRound: generateShape('flat', TRACES, 1).length,
    runsPerSecond: Math.round(median('runsPerSecond')),
    appLoopMicrosPerSpan: round(median('appLoopMicrosPerSpan'), 1),
    appThreadCpuMicrosPerSpan: kept[0].appThreadCpuMicrosPerSpan === undefined ? undefined : round(median('appThreadCpuMicrosPerSpan'), 1),
    processCpuMicrosPerSpan: round(median('processCpuMicrosPerSpan'), 1),
    /** The same, over the rounds that started with the remembered ids already at their bound. */
    pastRememberedIds: past.length
      ? { rounds: past.length, appThreadCpuMicrosPerSpan: past[0].appThreadCpuMicrosPerSpan === undefined ? undefined : round(median('appThreadCpuMicrosPerSpan', past), 1), runsPerSecond: Math.round(median('runsPerSecond', past)) }
      : undefined,
    allRounds: kept.map((k) => ({
      pastRememberedIds: k.pastRememberedIds,
      runsPerSecond: k.runsPerSecond,
      appLoopMicrosPerSpan: round(k.appLoopMicrosPerSpan, 1),
      appThreadCpuMicrosPerSpan: k.appThreadCpuMicrosPerSpan === undefined ? undefined : round(k.appThreadCpuMicrosPerSpan, 1),
      processCpuMicrosPerSpan: round(k.processCpuMicrosPerSpan, 1),
    })),
  };
}
