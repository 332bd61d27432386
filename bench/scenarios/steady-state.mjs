// The application thread's share of the work, with one long-lived exporter (warm JIT on every
// thread, a delivery worker already started), delivery on the application thread against
// `deliveryThread: 'worker'`: the same flat traces, fresh span ids each round, BSP defaults,
// paced so nothing is dropped. Per span: busy time of the application's event loop (ELU), CPU of
// the whole process (all threads), and delivered runs/s.
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LangSmithSpanExporter } from 'otel-langsmith';
import { generateShape, PROJECT, QUICK } from '../workload.mjs';
import { round } from './ceiling.mjs';
import { feed, tailOnly } from './exporter-bsp.mjs';

export const STEADY_STATE_THREADS = ['main', 'worker'];
const ROUNDS = QUICK ? 3 : 6; // the first ones warm up, the rest are kept
const WARM_UP_ROUNDS = QUICK ? 1 : 2;
const TRACES = QUICK ? 200 : 600;

export async function runSteadyState({ server, deliveryThread }) {
  await server.call('reset');
  const exporter = new LangSmithSpanExporter({ endpoint: server.url, apiKey: 'bench-key', projectName: PROJECT, env: {}, deliveryThread });
  const processor = new BatchSpanProcessor(exporter, {});
  await exporter.forceFlush();
  const kept = [];
  for (let r = 0; r < ROUNDS; r++) {
    const spans = generateShape('flat', TRACES, 1000 + r);
    const before = exporter.stats().runsDelivered;
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    await feed(processor, spans, { room: 2048 });
    await tailOnly(processor, 512);
    await processor.forceFlush();
    while (exporter.stats().runsDelivered - before < spans.length) await new Promise((resolve) => setTimeout(resolve, 1));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    if (r >= WARM_UP_ROUNDS) {
      kept.push({
        runsPerSecond: Math.round(spans.length / seconds),
        appLoopMicrosPerSpan: (elu.active * 1000) / spans.length,
        processCpuMicrosPerSpan: (cpu.user + cpu.system) / spans.length,
      });
    }
  }
  await processor.shutdown();
  const median = (key) => kept.map((k) => k[key]).sort((a, b) => a - b)[Math.floor(kept.length / 2)];
  return {
    deliveryThread,
    rounds: kept.length,
    spansPerRound: generateShape('flat', TRACES, 1).length,
    runsPerSecond: median('runsPerSecond'),
    appLoopMicrosPerSpan: round(median('appLoopMicrosPerSpan'), 1),
    processCpuMicrosPerSpan: round(median('processCpuMicrosPerSpan'), 1),
    allRounds: kept.map((k) => ({ runsPerSecond: k.runsPerSecond, appLoopMicrosPerSpan: round(k.appLoopMicrosPerSpan, 1), processCpuMicrosPerSpan: round(k.processCpuMicrosPerSpan, 1) })),
  };
}
