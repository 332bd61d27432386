// Machine information, and how much CPU other processes took while a scenario ran: on a shared
// machine (other builds, test runs) that load is the main source of noise, so every throughput
// figure carries it.
import { readFileSync } from 'node:fs';
import os from 'node:os';

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    availableParallelism: os.availableParallelism?.() ?? cpus.length,
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

function readJiffies() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [, user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return { busy: user + nice + system + irq + softirq + steal, idle: idle + iowait };
  } catch {
    return undefined;
  }
}

function pidJiffies(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0;
  }
}

/**
 * Measures, between start() and stop(), the cores used by processes other than `pids` (this
 * process and the bench's own servers). Linux only; elsewhere returns undefined.
 */
export function startLoadMonitor(pids = [process.pid]) {
  const sys0 = readJiffies();
  const own0 = pids.reduce((sum, pid) => sum + pidJiffies(pid), 0);
  const t0 = performance.now();
  return () => {
    const sys1 = readJiffies();
    if (!sys0 || !sys1) return undefined;
    const own1 = pids.reduce((sum, pid) => sum + pidJiffies(pid), 0);
    const seconds = (performance.now() - t0) / 1000;
    if (seconds < 0.05) return undefined;
    const others = (sys1.busy - sys0.busy - (own1 - own0)) / CLOCK_TICKS / seconds;
    return Math.max(0, Math.round(others * 100) / 100);
  };
}

/**
 * BENCH_WAIT_QUIET=seconds: waits (at most that long) until other processes use less than
 * `threshold` cores, sampled over 2 s. Returns the last sample.
 */
export async function waitForQuiet(maxSeconds, threshold = 0.3) {
  const deadline = Date.now() + maxSeconds * 1000;
  for (;;) {
    const stop = startLoadMonitor([process.pid]);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const load = stop();
    if (load === undefined || load < threshold || Date.now() > deadline) return load;
  }
}
