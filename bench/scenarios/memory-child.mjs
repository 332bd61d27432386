// Child process, run with --expose-gc (see ./memory.mjs): children whose parents have not ended are
// exported and held by the exporter's parent gate. Measures heap and RSS per held run against the
// run's JSON body, then ends the parents and times the release of the held runs.
import { readFileSync } from 'node:fs';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { context, trace } from '@opentelemetry/api';
import { LangSmithSpanExporter } from 'otel-langsmith';
import { createRecordingTracer, PROJECT } from '../workload.mjs';

const { url, kind, children, childrenPerParent } = JSON.parse(process.argv[2]);
if (typeof gc !== 'function') throw new Error('run with --expose-gc');

function fullGc() {
  for (let i = 0; i < 3; i++) gc();
}
const peakRssFromProc = () => {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
};

const exporter = new LangSmithSpanExporter({
  endpoint: url,
  apiKey: 'bench-key',
  projectName: PROJECT,
  env: {},
  maxHeldRuns: children * 2,
  maxHeldBytes: 8 * 2 ** 30,
  maxQueuedRuns: children * 2, // the release at the end queues every held run at once
  orphanTimeoutMillis: 10 * 60_000,
});
const { tracer, ended } = createRecordingTracer(kind === 'llm' ? 77 : 78);
const parents = [];
for (let p = 0; p < Math.ceil(children / childrenPerParent); p++) parents.push(tracer.startSpan(`parent ${p}`, { attributes: { 'app.parent': p } }));

// One child span like the workload's: a flat-trace DB call (~1.3 KB body) or an LLM call (~23 KB).
const LOREM = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ';
const longText = (chars, salt) => `[${salt}] ${LOREM.repeat(Math.ceil(chars / LOREM.length))}`.slice(0, chars);
function child(i, ctx) {
  const attributes =
    kind === 'llm'
      ? {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.input.messages': JSON.stringify(
            Array.from({ length: 16 }, (_, m) => ({ role: m % 2 ? 'assistant' : 'user', parts: [{ type: 'text', content: longText(1200, `${i}.${m}`) }] })),
          ),
          'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: longText(1200, `${i} out`) }], finish_reason: 'stop' }]),
          'gen_ai.usage.input_tokens': 5000,
          'gen_ai.usage.output_tokens': 300,
        }
      : {
          'db.system.name': 'postgresql',
          'db.namespace': 'shop',
          'db.collection.name': 'order_items',
          'db.operation.name': 'SELECT',
          'db.query.text': `SELECT id, sku, quantity, price_cents, currency, created_at FROM order_items WHERE order_id = $1 AND line = $2 ORDER BY created_at DESC LIMIT 50 -- ${i}`,
          'server.address': 'db.internal',
          'server.port': 5432,
          'db.response.returned_rows': i % 50,
        };
  tracer.startSpan(kind === 'llm' ? 'chat gpt-4o' : 'SELECT shop.order_items', { attributes }, ctx).end();
}

let peakHeap = 0;
let peakRss = 0;
const sample = () => {
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakRss = Math.max(peakRss, m.rss);
};
const sampler = setInterval(sample, 20);

fullGc();
const before = process.memoryUsage();
const CHUNK = 1000;
const noop = () => {};
for (let i = 0; i < children; i++) {
  child(i, trace.setSpan(context.active(), parents[Math.floor(i / childrenPerParent)]));
  if (ended.length === CHUNK || i === children - 1) {
    exporter.export(ended.splice(0), noop);
    sample();
    await yieldToLoop();
  }
}
// export() maps in slices between turns of the event loop: wait until every span handed over is a
// held run, or the spans still waiting to be mapped would be counted as held runs' memory.
await exporter.forceFlush();
fullGc();
const held = process.memoryUsage();
const stats = exporter.stats();
sample();

// The parents end: each acknowledgement releases its held children.
const releaseStarted = performance.now();
for (const parent of parents) parent.end();
exporter.export(ended.splice(0), noop);
while (performance.now() - releaseStarted < 120_000) {
  const s = exporter.stats();
  if (s.queuedRuns === 0 && s.inFlightRequests === 0 && s.heldRuns === 0) break;
  await sleep(5);
}
const releaseSeconds = (performance.now() - releaseStarted) / 1000;
const afterRelease = exporter.stats();
clearInterval(sampler);
await exporter.shutdown();

const perRun = (bytes) => Math.round(bytes / stats.heldRuns);
const avgBody = stats.heldBytes / stats.heldRuns;
const heapPerRun = (held.heapUsed - before.heapUsed) / stats.heldRuns;
process.send({
  kind,
  heldRuns: stats.heldRuns,
  avgBodyBytes: Math.round(avgBody),
  heapBytesPerHeldRun: Math.round(heapPerRun),
  heapToBodyRatio: Math.round((heapPerRun / avgBody) * 100) / 100,
  rssBytesPerHeldRun: perRun(held.rss - before.rss),
  heapUsedBeforeMiB: Math.round(before.heapUsed / 2 ** 20),
  heapUsedHeldMiB: Math.round(held.heapUsed / 2 ** 20),
  peakHeapUsedMiB: Math.round(peakHeap / 2 ** 20),
  peakRssMiB: Math.round((peakRssFromProc() ?? peakRss) / 2 ** 20),
  externalHeldMiB: Math.round(held.external / 2 ** 20),
  releaseSeconds: Math.round(releaseSeconds * 100) / 100,
  releasedRunsPerSecond: Math.round(afterRelease.runsDelivered / releaseSeconds),
  delivered: afterRelease.runsDelivered,
  failed: afterRelease.runsFailed + afterRelease.runsRejected,
  orphaned: afterRelease.runsOrphaned,
});
process.disconnect();
