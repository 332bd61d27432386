// `node bench/profile.mjs [shape] [variant]`: one exporter run behind BatchSpanProcessor under the
// V8 CPU profiler (the same profiler as `node --cpu-prof`, limited to the measured part), then the
// functions with the most self and inclusive time. `variant` is tuned (default), default, or map
// (mapSpan alone over the shape's spans, 5 passes). The raw profile goes to
// bench/results/<shape>-<variant>.cpuprofile (open it in Chrome DevTools > Performance).
// Not part of `npm run bench`; build first (`npx tsup`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { mapSpan } from 'otel-langsmith';
import { runExporterScenario } from './scenarios/exporter-bsp.mjs';
import { startServerProcess } from './servers/spawn.mjs';
import { generateWorkload, PROJECT } from './workload.mjs';

/** Functions of the exporter whose inclusive share is always shown (when they appear). */
const FOCUS = [
  'export', 'accept', 'mapSpan', 'readConventions', 'microsToIso', 'attributesToRecord', 'serializeWithinBudget', 'applyPrivacy', 'keeps',
  'submit', 'onRelease', 'acknowledged', 'finish', 'deliver', 'deliverWithRetry', 'post', 'request', 'readCapped', 'wait', 'rewrite',
  'addEventListener', '(garbage collector)', 'writev', 'writeH1', 'onHttpSocketReadable',
];

const shape = process.argv[2] ?? 'flat';
const variant = process.argv[3] ?? 'tuned';
const workload = generateWorkload([shape]);
const mapAll = () => {
  for (const span of workload[shape].spans) mapSpan(span, { projectName: PROJECT });
};
const server = variant === 'map' ? undefined : await startServerProcess('langsmith-server');
// Warm up (JIT) on the same spans first.
if (server) await runExporterScenario({ server, spans: workload[shape].spans, variant });
else mapAll();

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
let result;
if (server) result = await runExporterScenario({ server, spans: workload[shape].spans, variant });
else {
  const t = performance.now();
  for (let i = 0; i < 5; i++) mapAll();
  result = { microsPerSpan: ((performance.now() - t) * 1000) / 5 / workload[shape].spans.length };
}
const { profile } = await session.post('Profiler.stop');
session.disconnect();
await server?.close();

const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const file = new URL(`${shape}-${variant}.cpuprofile`, dir);
writeFileSync(file, JSON.stringify(profile));
console.log(result);
console.log(`profile: ${file.pathname}`);
printSummary(profile);

export function summarize(profile, top = 30) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const label = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^.*\/(node_modules\/|dist\/|bench\/)/, '$1')}:${lineNumber + 1}` : '';
    return `${functionName || '(anonymous)'} ${where}`.trim();
  };
  const self = new Map();
  const inclusive = new Map();
  const samples = profile.samples ?? [];
  let active = 0;
  for (const id of samples) {
    const leaf = byId.get(id);
    const leafLabel = label(leaf);
    if (leafLabel !== '(idle)') active++;
    self.set(leafLabel, (self.get(leafLabel) ?? 0) + 1);
    const seen = new Set();
    for (let node = leaf; node; node = byId.get(parent.get(node.id))) {
      const l = label(node);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + 1);
    }
  }
  const rows = (map) =>
    [...map.entries()]
      .filter(([l]) => !['(root)', '(idle)', '(program)'].includes(l))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([l, n]) => ({ function: l, pctOfBusy: Math.round((1000 * n) / Math.max(1, active)) / 10 }));
  return { samples: samples.length, busySamples: active, self: rows(self), inclusive: rows(inclusive) };
}


function printSummary(profile) {
  const summary = summarize(profile, 400);
  const focus = summary.inclusive.filter((row) => FOCUS.includes(row.function.split(' ')[0]) && !/node_modules\/@opentelemetry\/(api|sdk-trace)/.test(row.function));
  summary.self = summary.self.slice(0, 30);
  summary.inclusive = summary.inclusive.slice(0, 30);
  console.log(`samples ${summary.samples}, busy ${summary.busySamples}`);
  console.log('self time (% of busy samples):');
  console.table(summary.self);
  console.log('inclusive time (% of busy samples):');
  console.table(summary.inclusive);
  console.log('inclusive time of exporter and transport functions (% of busy samples):');
  console.table(focus);
}
