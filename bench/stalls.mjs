// `node bench/stalls.mjs [default|tuned|baseline]` (after `npx tsup`): runs the event-loop scenario
// (bench/scenarios/event-loop-child.mjs) under the V8 CPU profiler and lists the loop iterations
// longer than 10 ms: how long each lasted and whose code filled it (the exporter's, the
// SDK's and the application's, garbage collection), so a stall can be pinned on its cause.
// Not part of `npm run bench`.
import { mkdirSync, readFileSync } from 'node:fs';
import { runEventLoopVariant } from './scenarios/event-loop.mjs';
import { startServerProcess } from './servers/spawn.mjs';

const variant = process.argv[2] ?? 'default';
const STALL_MICROS = 10_000;
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const profileFile = new URL(`eventloop-${variant}.cpuprofile`, dir).pathname;

const server = await startServerProcess('langsmith-server');
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

/** The macrotask a sample belongs to: the frame just below (root). */
function taskOf(leaf) {
  let node = leaf;
  for (let up = byId.get(parent.get(node.id)); up && up.callFrame.functionName !== '(root)'; up = byId.get(parent.get(up.id))) node = up;
  return node.callFrame.functionName || '(anonymous)';
}

// The loop runs its timers once per iteration, so a timer is late by about one iteration: cut the
// samples into iterations at each entry into the timers phase, and keep the long iterations.
const stalls = [];
let current;
let lastTask;
let t = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i];
  const leaf = byId.get(profile.samples[i]);
  const task = taskOf(leaf);
  if (task === 'processTimers' && lastTask !== 'processTimers') {
    if (current && current.end - current.start >= STALL_MICROS) stalls.push(current);
    current = { start: t, end: t, owners: new Map(), tasks: new Map() };
  }
  lastTask = task;
  if (!current) continue;
  current.end = t;
  if (leaf.callFrame.functionName === '(idle)') continue;
  const owner = ownerOf(leaf);
  current.owners.set(owner, (current.owners.get(owner) ?? 0) + 1);
  current.tasks.set(task, (current.tasks.get(task) ?? 0) + 1);
}
const total = (profile.endTime - profile.startTime) / 1000;
console.log(`${stalls.length} loop iterations ≥ ${STALL_MICROS / 1000} ms in ${Math.round(total)} ms of profile (busy samples by owner; by macrotask)`);
for (const stall of stalls.sort((a, b) => b.end - b.start - (a.end - a.start)).slice(0, 12)) {
  const samples = [...stall.owners.values()].reduce((a, b) => a + b, 0);
  const owners = [...stall.owners].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([o, n]) => `${o} ${Math.round((100 * n) / samples)}%`);
  const tasks = [...stall.tasks].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([o, n]) => `${o} ${Math.round((100 * n) / samples)}%`);
  console.log(`${((stall.end - stall.start) / 1000).toFixed(1).padStart(6)} ms at ${((stall.start - profile.startTime) / 1000).toFixed(0)} ms: ${owners.join(', ')}\n         tasks: ${tasks.join(', ')}`);
}
