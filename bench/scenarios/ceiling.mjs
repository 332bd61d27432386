// Ceiling: plain undici POSTs of the very run bodies the exporter would send (pre-serialized by
// mapSpan and encoded to bytes beforehand), to the same strict local server. No mapping, no parent gate, no retry. Through
// `Pool.dispatch` with the least a handler can do (status, body kept as text), the cheapest way
// undici offers and the way the exporter's transport posts: `Pool.request` costs 4–7 µs more a POST.
import { Pool } from 'undici';

export const CONCURRENCY_LEVELS = [1, 10, 32, 64];

const HEADERS = { 'x-api-key': 'bench-key', 'content-type': 'application/json' };

async function openPool(url, connections) {
  const pool = new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  // Open every connection first: the ceiling measures requests, not TCP handshakes.
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const { body } = await pool.request({ method: 'GET', path: '/health' });
      await body.text();
    }),
  );
  return pool;
}

/** One POST through `dispatch`: resolves with the status once the whole response is read. */
function post(pool, body) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let status = 0;
    pool.dispatch(
      { method: 'POST', path: '/runs', headers: HEADERS, body },
      {
        onRequestStart() {},
        onResponseStart(_controller, statusCode) {
          status = statusCode;
        },
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          Buffer.concat(chunks).toString('utf8'); // decoded, as the exporter decodes its responses
          resolve(status);
        },
        onResponseError(_controller, error) {
          reject(error);
        },
      },
    );
  });
}

/**
 * POSTs `bodies` in order with `concurrency` requests in flight. A 404 (parent not stored yet,
 * only possible when a child overtakes its parent) is put back at the end and counted.
 */
async function postAll(pool, bodies, concurrency, counts) {
  const queue = bodies.slice();
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const item = queue[next++];
      const statusCode = await post(pool, item.body);
      if (statusCode === 200) counts.ok++;
      else if (statusCode === 404) {
        counts.requeued++;
        queue.push(item);
      } else {
        counts.errors++;
        counts.lastError = statusCode;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Bodies grouped by depth in the tree: level 0 (roots), level 1, ... */
function levels(bodies) {
  const byDepth = [];
  for (const item of bodies) (byDepth[item.depth] ??= []).push(item);
  return byDepth.filter(Boolean);
}

/**
 * mode 'unconstrained': all bodies at once, sorted roots first (so a child is never sent before its
 * parent is stored, in practice; any that is would be requeued and counted).
 * mode 'level-by-level': each level starts only when every run of the previous level is acknowledged.
 */
export async function runCeiling({ server, bodies, concurrency, mode }) {
  await server.call('reset');
  const pool = await openPool(server.url, concurrency);
  const counts = { ok: 0, requeued: 0, errors: 0 };
  // Encoded beforehand, outside the timing: the ceiling pays neither serialization nor encoding.
  const groups = levels(bodies.map((item) => ({ ...item, body: Buffer.from(item.body, 'utf8') })));
  const server0 = await server.call('usage');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (mode === 'unconstrained') await postAll(pool, groups.flat(), concurrency, counts);
  else for (const group of groups) await postAll(pool, group, concurrency, counts);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const server1 = await server.call('usage');
  await pool.close();
  const stored = await server.call('count');
  return {
    mode,
    concurrency,
    runs: bodies.length,
    stored,
    requeued: counts.requeued,
    errors: counts.errors,
    seconds: round(seconds, 3),
    runsPerSecond: Math.round(counts.ok / seconds),
    clientCpuMicrosPerRun: round((cpu.user + cpu.system) / bodies.length, 1),
    serverCpuMicrosPerRun: serverCpuPerRun(server0, server1, bodies.length),
  };
}

/** Every concurrency level; the best one is the ceiling. */
export async function ceilingSweep({ server, bodies, mode, levels: concurrencyLevels = CONCURRENCY_LEVELS }) {
  const results = [];
  for (const concurrency of concurrencyLevels) results.push(await runCeiling({ server, bodies, concurrency, mode }));
  const best = results.reduce((a, b) => (b.runsPerSecond > a.runsPerSecond ? b : a));
  return { mode, best, byConcurrency: results };
}

export const round = (value, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

/** CPU the server process used between two `usage` answers, per run. */
export function serverCpuPerRun(before, after, runs) {
  const micros = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system;
  return round(micros / runs, 1);
}
