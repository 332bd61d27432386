// Throughput and memory of the bridge under sustained load, on this machine, 127.0.0.1 only:
//   client (official OTel JS OTLP/HTTP proto exporter, gzip, batches of 512 spans, N in flight)
//     → bridge (a separate process: `otel-langsmith bridge`, sampled for RSS and CPU)
//     → strict local LangSmith server (in this process).
// With --via-collector COLLECTOR_BINARY: client → Collector (otelcol-bridge.yaml) → bridge instead.
// With --grpc: the official OTel JS gRPC exporter (gzip) to the bridge's OTLP/gRPC port instead.
// With --data-dir: the bridge writes every request to a fresh data directory (fsynced before the
// 200, kept until delivered); the line then says how large the directory got.
//
//   npm run build && node examples/collector/measure.mjs [--seconds 20] [--in-flight 4] [--grpc]
//
// Prints one JSON line of numbers. Bounded in time and in count; it stops by itself.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpGrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startLocalServer } from 'otel-langsmith/testing';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../..');
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    'in-flight': { type: 'string', default: '4' },
    'via-collector': { type: 'string' },
    grpc: { type: 'boolean', default: false },
    'data-dir': { type: 'boolean', default: false },
    // e.g. 96: caps the bridge's V8 old space, to tell a leak (it would fail) from lazy GC.
    'bridge-heap-mib': { type: 'string' },
  },
});
const SECONDS = Math.min(Number(values.seconds), 120);
const IN_FLIGHT = Number(values['in-flight']);
const BATCH = 512;
const KEY = 'lsv2_measure_0123456789';

const server = await startLocalServer({ apiKey: KEY });
const dataDir = values['data-dir'] ? join(mkdtempSync(join(tmpdir(), 'measure-data-')), 'data') : undefined;
const heapFlags = values['bridge-heap-mib'] ? [`--max-old-space-size=${Number(values['bridge-heap-mib'])}`] : [];
const bridge = await startProcess(process.execPath, [...heapFlags, join(repo, 'dist/cli.js'), 'bridge', '--port', '0', '--endpoint', server.url, '--project', 'measure', ...(dataDir ? ['--data-dir', dataDir] : [])], { LANGSMITH_API_KEY: KEY }, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
let target = bridge.match[1];
const grpcTarget = bridge.output().match(/OTLP\/gRPC on (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
if (values.grpc && values['via-collector']) throw new Error('--grpc measures the bridge alone: drop --via-collector');
if (values.grpc && !grpcTarget) throw new Error(`the bridge printed no gRPC address:\n${bridge.output()}`);
let collector;
let queueDir;
if (values['via-collector']) {
  const [grpc, http, metrics] = [await freePort(), await freePort(), await freePort()];
  queueDir = mkdtempSync(join(tmpdir(), 'measure-queue-'));
  collector = await startProcess(values['via-collector'], ['--config', join(here, 'otelcol-bridge.yaml')], {
    OTELCOL_OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
    OTELCOL_OTLP_HTTP_ENDPOINT: `127.0.0.1:${http}`,
    OTELCOL_METRICS_PORT: String(metrics),
    OTELCOL_QUEUE_DIR: queueDir,
    OTELCOL_LOG_LEVEL: 'warn',
    LANGSMITH_BRIDGE_ENDPOINT: target,
  });
  for (let i = 0; i < 300 && !(await reachable(`http://127.0.0.1:${http}/`)); i++) await sleep(100);
  target = `http://127.0.0.1:${http}`;
}

// 64 traces of 8 spans (root → 3 steps, each with an LLM leaf, and one more leaf) per batch of
// 512, fresh ids every batch; whole traces per batch.
const memory = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'measure', 'telemetry.sdk.language': 'nodejs' }),
  spanProcessors: [new SimpleSpanProcessor(memory)],
});
const tracer = provider.getTracer('measure', '1.0.0');
function batch() {
  memory.reset();
  for (let t = 0; t < BATCH / 8; t++) {
    const root = tracer.startSpan('request', { attributes: { 'app.user': `u-${t}`, 'app.n': t } });
    const rc = trace.setSpan(context.active(), root);
    for (let s = 0; s < 3; s++) {
      const step = tracer.startSpan(`step ${s}`, { attributes: { 'app.step': s } }, rc);
      const llm = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5 };
      tracer.startSpan('chat m', { attributes: llm }, trace.setSpan(rc, step)).end();
      step.end();
    }
    tracer.startSpan('extra', {}, rc).end();
    root.end();
  }
  const spans = memory.getFinishedSpans();
  if (spans.length !== BATCH) throw new Error(`a batch of ${spans.length} spans`);
  return spans;
}

const exporter = values.grpc
  ? new OtlpGrpcExporter({ url: grpcTarget, compression: 'gzip', concurrencyLimit: IN_FLIGHT * 2, timeoutMillis: 60_000 })
  : new OTLPTraceExporter({ url: `${target}/v1/traces`, compression: 'gzip', concurrencyLimit: IN_FLIGHT * 2, timeoutMillis: 60_000 });
const exportBatch = (spans) => new Promise((resolve) => exporter.export(spans, (result) => resolve(result.code === 0)));

const samples = [];
const cpuAt = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in seconds (USER_HZ 100)
};
const rssOf = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) / 1024;
const started = Date.now();
const cpu0 = cpuAt(bridge.child.pid);
const sampler = setInterval(() => samples.push({ t: (Date.now() - started) / 1000, runs: server.runs().length, rssMiB: rssOf(bridge.child.pid), collectorRssMiB: collector ? rssOf(collector.child.pid) : undefined }), 1000);
// The data directory's size (bytes of segment files), from /health, four times a second.
const diskSamples = [];
const diskSampler = dataDir
  ? setInterval(() => {
      fetch(`${bridge.match[1]}/health`)
        .then((r) => r.json())
        .then((h) => diskSamples.push(h.durability.journal.bytes))
        .catch(() => {});
    }, 250)
  : undefined;

let sent = 0;
let failedBatches = 0;
const deadline = started + SECONDS * 1000;
await Promise.all(
  Array.from({ length: IN_FLIGHT }, async () => {
    while (Date.now() < deadline) {
      const spans = batch();
      if (await exportBatch(spans)) sent += spans.length;
      else failedBatches++;
    }
  }),
);
const sendSeconds = (Date.now() - started) / 1000;
for (let i = 0; i < 600 && server.runs().length < sent; i++) await sleep(100);
clearInterval(sampler);
clearInterval(diskSampler);
const totalSeconds = (Date.now() - started) / 1000;
const cpuSeconds = cpuAt(bridge.child.pid) - cpu0;
const steady = samples.filter((s) => s.t >= 5 && s.t <= SECONDS);
const draining = samples.filter((s) => s.t >= sendSeconds + 2);
const drainRate = draining.length > 1 ? (draining.at(-1).runs - draining[0].runs) / (draining.at(-1).t - draining[0].t) : undefined;
const rate = steady.length > 1 ? (steady.at(-1).runs - steady[0].runs) / (steady.at(-1).t - steady[0].t) : NaN;
console.log(
  JSON.stringify({
    path: collector
      ? 'JS proto exporter → Collector → bridge → local server'
      : values.grpc
        ? 'JS gRPC exporter → bridge (OTLP/gRPC) → local server'
        : 'JS proto exporter → bridge (OTLP/HTTP) → local server',
    batchSpans: BATCH,
    bridgeHeapCapMiB: values['bridge-heap-mib'] ? Number(values['bridge-heap-mib']) : undefined,
    inFlight: IN_FLIGHT,
    sendSeconds: round(sendSeconds),
    totalSeconds: round(totalSeconds),
    timeline: samples.filter((_, i) => i % 5 === 0).map((s) => [round(s.t), s.runs, round(s.rssMiB)]),
    spansSent: sent,
    failedBatches,
    runsStored: server.runs().length,
    spansPerSecondEndToEnd: Math.round(server.runs().length / totalSeconds),
    spansPerSecondSteady: Math.round(rate),
    // Delivery rate once the client stopped (with a Collector: its queue draining into the bridge).
    spansPerSecondAfterClientStopped: drainRate === undefined ? undefined : Math.round(drainRate),
    bridgeCpuSecondsPerSecond: round(cpuSeconds / totalSeconds),
    bridgeRssMiB: { max: round(Math.max(...samples.map((s) => s.rssMiB))), atEnd: round(samples.at(-1)?.rssMiB ?? NaN) },
    collectorRssMiB: collector ? { max: round(Math.max(...samples.map((s) => s.collectorRssMiB))) } : undefined,
    bridgeStatsAtEnd: await (await fetch(`${bridge.match[1]}/health`)).json().then((h) => ({ requests: h.requests, throttled: h.throttled, unavailable: h.unavailable })),
    dataDir: dataDir
      ? await (await fetch(`${bridge.match[1]}/health`)).json().then(({ durability: { journal } }) => ({
          bytesMax: Math.max(0, ...diskSamples),
          bytesMedian: [...diskSamples].sort((a, b) => a - b)[Math.floor(diskSamples.length / 2)] ?? 0,
          bytesAtEnd: journal.bytes,
          appends: journal.appends,
          fsyncs: journal.fsyncs,
          segmentsCompacted: journal.segmentsCompacted,
          refusedFull: journal.refusedFull,
        }))
      : undefined,
  }),
);

await exporter.shutdown();
if (collector) await collector.stop();
await bridge.stop();
await server.close();
if (queueDir) rmSync(queueDir, { recursive: true, force: true });
if (dataDir) rmSync(dirname(dataDir), { recursive: true, force: true });

function round(n) {
  return Math.round(n * 10) / 10;
}
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
async function reachable(url) {
  try {
    await fetch(url);
    return true;
  } catch {
    return false;
  }
}
async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
async function startProcess(command, args, env, ready) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OTEL_|LANGSMITH_|LANGCHAIN_|https?_proxy$)/i.test(k)));
  const child = spawn(command, args, { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.once('exit', () => child.kill('SIGKILL'));
  let match;
  if (ready) {
    for (let i = 0; i < 300 && !(match = output.match(ready)); i++) {
      if (child.exitCode !== null) throw new Error(`${command} exited: ${output}`);
      await sleep(100);
    }
    if (!match) throw new Error(`${command} not ready: ${output}`);
  }
  return {
    child,
    match,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
