// `node bench/allocations.mjs [main|worker]` (after `npx tsup`): where the bytes allocated per span
// go in the steady state (flat traces, BSP defaults, paced, to the discard sink), from V8's
// sampling heap profiler with objects already collected by GC included: garbage is what makes
// the pauses that stall the application's loop. The application's own span creation is counted
// too. Not part of `npm run bench`.
import { Session } from 'node:inspector/promises';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LangSmithSpanExporter } from 'otel-langsmith';
import { generateShape, PROJECT } from './workload.mjs';
import { feed } from './scenarios/exporter-bsp.mjs';
import { startServerProcess } from './servers/spawn.mjs';

const sink = await startServerProcess('sink-server');
const exporter = new LangSmithSpanExporter({ endpoint: sink.url, apiKey: 'k', projectName: PROJECT, env: {}, ...(process.argv[2] === 'worker' ? { deliveryThread: 'worker' } : {}) });
const processor = new BatchSpanProcessor(exporter, {});
async function round(seed) {
  const spans = generateShape('flat', 300, seed);
  const before = exporter.stats().runsDelivered;
  await feed(processor, spans, { room: 2048 });
  await processor.forceFlush();
  while (exporter.stats().runsDelivered - before < spans.length) await new Promise((r) => setTimeout(r, 2));
  return spans.length;
}
for (let i = 0; i < 3; i++) await round(100 + i); // warm-up (JIT)
const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');
await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
let n = 0;
for (let i = 0; i < 5; i++) n += await round(200 + i);
const { profile } = await session.post('HeapProfiler.stopSampling');
await exporter.shutdown();
await sink.close();
const bySelf = new Map();
let total = 0;
const walk = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber}`;
  total += node.selfSize;
  if (node.selfSize) bySelf.set(name, (bySelf.get(name) ?? 0) + node.selfSize);
  for (const child of node.children) walk(child);
};
walk(profile.head);
console.log(`bytes allocated per span (sampled every 4 KiB): ~${Math.round(total / n)}; by allocating function:`);
for (const [name, bytes] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log((bytes / n).toFixed(0).padStart(6), name);
