// `node bench/stalls.mjs [default|tuned|baseline]` (after `npx tsup`): runs the event-loop scenario
// (bench/scenarios/event-loop-child.mjs) under the V8 CPU profiler and lists the longest gaps
// between two ticks of the application (over 8 ms) and whose code filled them (the exporter's, the
// SDK's and the application's, garbage collection), so a stall can be pinned on its cause.
// Not part of `npm run bench`.
import { mkdirSync, readFileSync } from 'node:fs';
import { runEventLoopVariant } from './scenarios/event-loop.mjs';
import { startServerProcess } from './servers/spawn.mjs';

const variant = process.argv[2] ?? 'default';
const STALL_MICROS = 10_000;
const SAMPLE_MICROS = 250; // the child's sampling interval (event-loop-child.mjs)
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const profileFile = new URL(`eventloop-${variant}.cpuprofile`, dir).pathname;

const server = await startServerProcess('sink-server'); // as in npm run bench: the discard sink
const result = await runEventLoopVariant({ server, variant, profileFile });
await server.close();
console.log(`delay p99 ${result.delayMillis.p99} ms, max ${result.delayMillis.max} ms; longest export() ${result.longestExportCall?.millis} ms`);

const profile = JSON.parse(readFileSync(profileFile, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

/** Who a sample belongs to: the first frame, leaf upwards, from a known owner. */
function ownerOf(leaf) {
  const name = leaf.callFrame.functionName;
  if (name === '(garbage collector)') return 'gc';
  if (name === '(program)') return 'program (V8/native)';
  for (let node = leaf; node; node = byId.get(parent.get(node.id))) {
    const url = node.callFrame.url;
    if (/\/dist\//.test(url)) return `exporter: ${node.callFrame.functionName || '(anonymous)'}`;
    if (/node_modules\/undici\//.test(url)) return 'undici';
    if (/node_modules\/@opentelemetry\/sdk-trace-base\/.*BatchSpanProcessor/.test(url)) return 'BatchSpanProcessor';
    if (/node_modules\/@opentelemetry\//.test(url)) return 'OTel SDK (span creation)';
    if (/bench\//.test(url)) return 'application';
  }
  return `other: ${name || '(anonymous)'}`;
}

// Samples on the profiler's clock, then for each long gap between application ticks (from the
// child, same clock) what ran in it.
const timeline = [];
let t = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i];
  timeline.push({ t, leaf: byId.get(profile.samples[i]) });
}
const gaps = result.betweenTicks.longest ?? [];
console.log(`between application ticks: max ${result.betweenTicks.maxMillis} ms (${result.betweenTicks.maxWithoutGcMillis} ms without GC), ${result.betweenTicks.over10Millis} gaps > 10 ms; not counting waits for a core: max ${result.betweenTicks.maxOnCpuMillis ?? '–'} ms`);
console.log(`${gaps.length} gaps > 8 ms (busy samples by owner, then by function):`);
for (const gap of gaps.sort((a, b) => b.millis - a.millis).slice(0, 12)) {
  const owners = new Map();
  const functions = new Map();
  let busy = 0;
  let idle = 0;
  for (const { t: at, leaf } of timeline) {
    if (at < gap.startMicros || at > gap.endMicros) continue;
    if (leaf.callFrame.functionName === '(idle)') {
      idle++;
      continue;
    }
    busy++;
    const owner = ownerOf(leaf);
    owners.set(owner, (owners.get(owner) ?? 0) + 1);
    const fn = leaf.callFrame.functionName || '(anonymous)';
    functions.set(fn, (functions.get(fn) ?? 0) + 1);
  }
  const top = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, n]) => `${k} ${Math.round((100 * n) / Math.max(1, busy))}%`).join(', ');
  // Few samples of either kind in a long gap: the thread was not running (another thread or
  // process had the core), which no code on this loop caused.
  const sampledMillis = ((busy + idle) * SAMPLE_MICROS) / 1000;
  console.log(`${String(gap.millis).padStart(6)} ms (GC ${gap.gcMillis} ms${gap.waitedMillis === undefined ? '' : `, waiting for a core ${gap.waitedMillis} ms`}; ${busy} busy and ${idle} idle samples, ~${sampledMillis.toFixed(1)} ms of the thread running): ${top(owners)}\n         ${top(functions)}`);
}
