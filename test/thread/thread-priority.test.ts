import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { LangSmithSpanExporter } from 'otel-langsmith';
import { exportOnce, exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { endedSpan } from '../helpers/tracing.js';
import { WORKER_NICENESS } from '../../src/thread/thread-priority.js';

/** Thread ids of this process whose nice value is `nice` (Linux: field 19 of /proc/self/task/<tid>/stat). */
function threadsAtNice(nice: number): string[] {
  return readdirSync('/proc/self/task').filter((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) === nice;
    } catch {
      return false; // the thread ended meanwhile
    }
  });
}

const linux = process.platform === 'linux';
if (!linux) console.log(`skipped the delivery worker's priority tests: ${process.platform} has no per-thread nice values to read`);

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(() => server.close());

describe.skipIf(!linux)('the delivery worker yields the CPU to the application', () => {
  it(`runs at nice ${WORKER_NICENESS}, the application's threads unchanged`, async () => {
    const before = threadsAtNice(WORKER_NICENESS);
    const exporter = exporterFor(server, { deliveryThread: 'worker' });
    await exportOnce(exporter, [endedSpan('s', {})]); // the worker has started and answered
    const lowered = threadsAtNice(WORKER_NICENESS).filter((tid) => !before.includes(tid));
    expect(lowered).toHaveLength(1);
    expect(lowered[0]).not.toBe(String(process.pid)); // never the application's main thread
    await exporter.shutdown();
  });

  it("keeps its priority in the OTLP bridge, where receiving is the process's work", async () => {
    const before = threadsAtNice(WORKER_NICENESS);
    const exporter = new LangSmithSpanExporter({ endpoint: server.url, apiKey: TEST_KEY, env: {}, deliveryThread: 'worker' }, { spansFromElsewhere: true });
    await exportOnce(exporter, [endedSpan('s', {})]);
    expect(threadsAtNice(WORKER_NICENESS).filter((tid) => !before.includes(tid))).toEqual([]);
    await exporter.shutdown();
  });
});
