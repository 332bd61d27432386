// `node bench/app-thread.mjs` (after `npx tsup --silent`): the application thread's cost per span,
// exporter by exporter, alone (also part of `npm run bench`). Prints one Markdown table (median of
// the rounds) and writes bench/results/app-thread.json. BENCH_ROUNDS=n (default 3), BENCH_QUICK=1
// (a fifth of the spans, one round).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { machineInfo } from './machine.mjs';
import { RESULTS_DIR, renderAppThreadTable } from './report.mjs';
import { runAppThread } from './scenarios/app-thread.mjs';
import { startServerProcess } from './servers/spawn.mjs';
import { QUICK } from './workload.mjs';

const rounds = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3));
const started = performance.now();
const progress = (message) => process.stderr.write(`[app-thread ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
const loadavg = () => os.loadavg().map((l) => Math.round(l * 100) / 100);

/**
 * Linux: CPU jiffies of the whole machine (busy) and of this process with its waited-for children
 * (utime + stime + cutime + cstime: the sink and every variant's child, once exited), so the cores
 * other processes used during the run can be told (the load average also counts this bench).
 */
function jiffies() {
  try {
    const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).map(Number);
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return { busy: user + nice + system + irq + softirq + steal, own: f[11] + f[12] + f[13] + f[14] };
  } catch {
    return undefined;
  }
}
const j0 = jiffies();
const machine = machineInfo();
const sink = await startServerProcess('sink-server');
// BENCH_SINK_NICE=10: the sink at a lower scheduling priority, standing for a receiver on another
// machine (LangSmith is remote): its CPU then never makes the application's thread wait for a core.
// Off by default, so runs compare with the figures measured before.
const sinkNice = Number(process.env.BENCH_SINK_NICE ?? 0);
if (sinkNice) os.setPriority(sink.pid, sinkNice);
let appThread;
try {
  appThread = await runAppThread({ sink, rounds, quick: QUICK, progress });
} finally {
  await sink.close();
}
const j1 = jiffies();
const otherCores = j0 && j1 ? Math.max(0, Math.round(((j1.busy - j0.busy - (j1.own - j0.own)) / 100 / ((performance.now() - started) / 1000)) * 100) / 100) : undefined;
const results = { sinkNice, otherCores, startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(), machine, loadAverageAtEnd: loadavg(), durationSeconds: Math.round((performance.now() - started) / 1000), appThread };
mkdirSync(RESULTS_DIR, { recursive: true });
const file = new URL('app-thread.json', RESULTS_DIR);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(
  `Machine: ${machine.cpuModel}, ${machine.cpuCount} CPUs, Node ${machine.node}. Load average (1/5/15 min) at start ${machine.loadAverageAtStart.join(' / ')}, at end ${results.loadAverageAtEnd.join(' / ')} (this bench included); other processes used ${otherCores ?? "–"} cores on average; ${results.durationSeconds} s${sinkNice ? `; the sink at nice ${sinkNice}` : ""}.\n`,
);
console.log(renderAppThreadTable(appThread));
console.log(`\nJSON: ${file.pathname}`);
