// The bridge's throughput on the workload's spans (issue 16): the bridge started in this process
// with startBridge (otel-langsmith/bridge), the strict local server (another process) as
// LangSmith, and a child process sending the shape's spans as OTLP/HTTP protobuf
// (./bridge-client-child.mjs). Measured: from `go` to every span delivered by the bridge's
// exporter (its stats), spans/s; compared by the caller with the exporter's own runs/s on the
// same spans (the tuned exporter behind BatchSpanProcessor). The bridge's exporter gets the same
// options as that tuned exporter (maxConcurrentRequests 64).
import { fork } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBridge } from 'otel-langsmith/bridge';
import { PROJECT } from '../workload.mjs';
import { round } from './ceiling.mjs';
import { VARIANTS } from './exporter-bsp.mjs';

export async function runBridgeThroughput({ server, shape, inFlight = 4, timeoutMillis = 120_000 }) {
  await server.call('reset');
  const bridge = await startBridge({ port: 0, grpcPort: false, endpoint: server.url, apiKey: 'bench-key', projectName: PROJECT, env: {}, ...VARIANTS.tuned.exporter });
  const child = fork(new URL('./bridge-client-child.mjs', import.meta.url), [JSON.stringify({ url: bridge.url, shape, inFlight })], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const messages = [];
    let wake;
    child.on('message', (m) => {
      messages.push(m);
      wake?.();
    });
    const next = async (key) => {
      for (;;) {
        const hit = messages.find((m) => m[key]);
        if (hit) return hit;
        if (child.exitCode !== null) throw new Error(`bridge client (${shape}) exited with ${child.exitCode}`);
        await Promise.race([new Promise((resolve) => (wake = resolve)), sleep(100)]);
      }
    };
    const { spans } = await next('ready');
    const before = bridge.exporter.stats();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    child.send({ go: true });
    const settled = () => {
      const s = bridge.exporter.stats();
      return s.runsDelivered + s.runsFailed + s.runsRejected - (before.runsDelivered + before.runsFailed + before.runsRejected);
    };
    while (settled() < spans && performance.now() - t0 < timeoutMillis) await sleep(1);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const client = await next('done');
    const s = bridge.exporter.stats();
    const delivered = s.runsDelivered - before.runsDelivered;
    const stored = (await server.call('summary')).runs;
    return {
      shape,
      spans,
      delivered,
      failed: s.runsFailed + s.runsRejected - (before.runsFailed + before.runsRejected),
      clientFailed: client.failed,
      serverCountMatches: stored === delivered,
      seconds: round(seconds, 3),
      spansPerSecond: Math.round(delivered / seconds),
      /** CPU of this process (the bridge: decoding, mapping, delivery) per span. */
      bridgeCpuMicrosPerSpan: round((cpu.user + cpu.system) / spans, 1),
    };
  } finally {
    if (child.exitCode === null) child.kill();
    await exited;
    await bridge.close();
  }
}
