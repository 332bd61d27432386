// Child process (see ./app-thread.mjs): the application thread's cost of one exporter variant, per
// span. A real BasicTracerProvider + BatchSpanProcessor (batch 512, queue 100k so nothing is
// dropped, 5 ms delay), spans produced through a real tracer in steady chunks (setImmediate in
// between so the processor's timer runs): traces of four spans (a root + 3 children) with a few
// GenAI and HTTP attributes, or the same with ~20 KB of gen_ai.input/output.messages on every span.
// Measured: the main thread's event-loop ACTIVE time (performance.eventLoopUtilization().active)
// from before the first span until forceFlush() resolved and every span was settled (export
// callbacks back; for this exporter, every run delivered or failed by its stats). A worker
// thread's CPU is not on this loop: that is the point. The caller subtracts the no-op variant.
import { openSync, readSync } from 'node:fs';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_URL_FULL } from '@opentelemetry/semantic-conventions';
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
} from '@opentelemetry/semantic-conventions/incubating';
import { Agent, request } from 'undici';
import { LangSmithSpanExporter } from 'otel-langsmith';
import { PROJECT, seededIdGenerator } from '../workload.mjs';

const { url, variant, kind, spans: SPANS, warmupSpans: WARMUP_SPANS, chunk: CHUNK } = JSON.parse(process.argv[2]);
process.removeAllListeners('warning'); // MaxListenersExceededWarning etc.: not this benchmark's subject
process.on('warning', () => {});

const ours = (extra) => new LangSmithSpanExporter({ endpoint: url, apiKey: 'bench-key', projectName: PROJECT, env: {}, ...extra });
const FACTORIES = {
  noop: () => ({ export: (spans, callback) => callback({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} }),
  // concurrencyLimit (default 30 exports pending) raised: forceFlush() hands the processor's whole
  // queue over at once, and over the limit the OTLP exporters fail the batch instead of queueing it.
  'otlp-proto': () => new OtlpProtoExporter({ url: `${url}/v1/traces`, concurrencyLimit: 1000 }),
  'otlp-json': () => new OtlpJsonExporter({ url: `${url}/v1/traces`, concurrencyLimit: 1000 }),
  // No deliveryThread option: whatever the default is.
  default: () => ours({}),
  main: () => ours({ deliveryThread: 'main' }),
  worker: () => ours({ deliveryThread: 'worker' }),
  batch: () => ours({ transport: 'batch' }),
  transform: () => ours({ transformRun: (run) => run }),
  'undici-floor': () => undiciFloor(),
};

// --- the spans -------------------------------------------------------------------------------

/** ~16 KB of input messages and ~4 KB of output messages as GenAI semconv JSON, a few variants. */
function llmMessages(seed) {
  const words = 'the quick brown fox jumps over a lazy dog while an agent plans its next tool call carefully'.split(' ');
  const text = (n, salt) => {
    let s = '';
    for (let i = 0; s.length < n; i++) s += words[(i * 7 + salt) % words.length] + ' ';
    return s.slice(0, n);
  };
  const input = [
    { role: 'system', parts: [{ type: 'text', content: text(2000, seed) }] },
    ...Array.from({ length: 6 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', parts: [{ type: 'text', content: text(2300, seed + i) }] })),
  ];
  const output = [{ role: 'assistant', parts: [{ type: 'text', content: text(3900, seed + 9) }], finish_reason: 'stop' }];
  return { input: JSON.stringify(input), output: JSON.stringify(output) };
}
const MESSAGES = kind === 'llm' ? Array.from({ length: 8 }, (_, i) => llmMessages(i)) : [];

function genAiAttributes(i, operation) {
  const attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: operation,
    [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini',
    [ATTR_GEN_AI_SYSTEM]: 'openai',
    [ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
    [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 100 + (i % 900),
    [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 20 + (i % 200),
    [ATTR_HTTP_REQUEST_METHOD]: 'POST',
    [ATTR_URL_FULL]: 'https://api.openai.com/v1/chat/completions',
    [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200,
  };
  if (kind === 'llm') {
    const m = MESSAGES[i % MESSAGES.length];
    attributes[ATTR_GEN_AI_INPUT_MESSAGES] = m.input;
    attributes[ATTR_GEN_AI_OUTPUT_MESSAGES] = m.output;
  }
  return attributes;
}

/** One trace of four spans: a root and three children (all four carry the attributes). */
function trace(tracer, i) {
  tracer.startActiveSpan('invoke_agent bench', { kind: SpanKind.INTERNAL, attributes: genAiAttributes(i, 'invoke_agent') }, (root) => {
    for (let c = 0; c < 3; c++) {
      const child = tracer.startSpan(`chat gpt-4o-mini ${c}`, { kind: SpanKind.CLIENT, attributes: genAiAttributes(i + c, 'chat') });
      child.end();
    }
    root.end();
  });
}

// --- the undici floor ------------------------------------------------------------------------

/**
 * The floor: one plain undici request() POST of a run body per span, on this thread, as many
 * connections as this exporter's default maxConcurrentRequests (10). The bodies are this
 * exporter's runs for the same kind of spans (captured with transformRun beforehand, encoded
 * once), so only the HTTP cost is measured.
 */
let floorBodies;
async function captureBodies() {
  const runs = [];
  const capture = ours({ transformRun: (run) => void runs.push(Buffer.from(JSON.stringify(run))) || null });
  const ended = [];
  const provider = new BasicTracerProvider({
    idGenerator: seededIdGenerator(0xbeef),
    spanLimits: { attributeValueLengthLimit: Infinity, attributeCountLimit: 256 },
    spanProcessors: [{ onStart() {}, onEnd: (span) => ended.push(span), forceFlush: async () => {}, shutdown: async () => {} }],
  });
  const tracer = provider.getTracer('bench-app');
  for (let i = 0; i < 100; i++) trace(tracer, i);
  await new Promise((resolve) => capture.export(ended, resolve));
  await capture.shutdown();
  return runs;
}
function undiciFloor() {
  const dispatcher = new Agent({ connections: 10, keepAliveTimeout: 30_000 });
  let next = 0;
  const headers = { 'content-type': 'application/json', 'x-api-key': 'bench-key' };
  return {
    export(spans, callback) {
      let pending = spans.length;
      let failed = 0;
      const done = (ok) => {
        if (!ok) failed++;
        if (--pending === 0) callback({ code: failed ? 1 : 0 });
      };
      for (let i = 0; i < spans.length; i++) {
        const body = floorBodies[next++ % floorBodies.length];
        request(`${url}/runs`, { method: 'POST', headers, body, dispatcher }).then(
          (res) => res.body.dump().then(() => done(res.statusCode < 300)),
          () => done(false),
        );
      }
    },
    shutdown: () => dispatcher.close(),
    forceFlush: async () => {},
  };
}

// --- the run ---------------------------------------------------------------------------------

/**
 * Nanoseconds this (the main) thread has run on a core: the first field of
 * /proc/self/task/<tid>/schedstat (Linux). Unlike event-loop active time, it leaves out the time
 * the thread waited for a core, which on 2 vCPUs shared with a worker thread and the sink is not
 * work of the application's thread. Undefined elsewhere.
 */
const threadCpuNanos = (() => {
  try {
    const fd = openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
    const buffer = Buffer.alloc(128);
    return () => Number(buffer.toString('latin1', 0, readSync(fd, buffer, 0, 128, 0)).split(' ')[0]);
  } catch {
    return () => undefined;
  }
})();

if (variant === 'undici-floor') floorBodies = await captureBodies();
const exporter = FACTORIES[variant]();
const isOurs = exporter instanceof LangSmithSpanExporter;
let exported = 0;
let failed = 0;
const exportOriginal = exporter.export.bind(exporter);
exporter.export = (batch, callback) =>
  exportOriginal(batch, (result) => {
    if (result.code === 0) exported += batch.length;
    else failed += batch.length;
    callback(result);
  });

const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'bench-app', 'deployment.environment.name': 'bench' }),
  idGenerator: seededIdGenerator(0xc0ffee),
  spanLimits: { attributeValueLengthLimit: Infinity, attributeCountLimit: 256 },
  spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 512, maxQueueSize: 100_000, scheduledDelayMillis: 5 })],
});
const tracer = provider.getTracer('bench-app', '1.0.0');

const settled = () => {
  if (!isOurs) return exported + failed;
  const s = exporter.stats();
  return s.runsDelivered + s.runsFailed + s.runsRejected;
};
const delivered = () => (isOurs ? exporter.stats().runsDelivered : exported);
const failures = () => (isOurs ? exporter.stats().runsFailed + exporter.stats().runsRejected : failed);

let traceIndex = 0;
/** Produces `count` spans in chunks of `CHUNK`, then waits until all of them are settled. */
async function produce(count) {
  const target = settled() + count;
  const deliveredBefore = delivered();
  const tracesPerChunk = Math.max(1, Math.round(CHUNK / 4));
  for (let made = 0; made < count; ) {
    for (let t = 0; t < tracesPerChunk && made < count; t++, made += 4) trace(tracer, traceIndex++);
    await yieldToLoop();
  }
  await provider.forceFlush().catch(() => undefined); // failed batches are counted by the callbacks
  const deadline = performance.now() + 120_000;
  while (settled() < target && performance.now() < deadline) await sleep(2);
  return { delivered: delivered() - deliveredBefore };
}

// Warm-up (JIT, connections, the worker's start), not measured.
await produce(WARMUP_SPANS);
await sleep(50);

const failedBefore = failures();
const elu0 = performance.eventLoopUtilization();
const cpu0 = process.cpuUsage();
const thread0 = threadCpuNanos();
const t0 = performance.now();
const { delivered: deliveredInRun } = await produce(SPANS);
const elu = performance.eventLoopUtilization(elu0);
const cpu = process.cpuUsage(cpu0);
const thread1 = threadCpuNanos();
const wallMillis = performance.now() - t0;
const failedInRun = failures() - failedBefore;
await provider.shutdown().catch(() => undefined);

process.send({
  variant,
  kind,
  spans: SPANS,
  activeMillis: elu.active,
  /** The main thread's own CPU time (Linux), or undefined. */
  threadCpuMillis: thread0 === undefined ? undefined : (thread1 - thread0) / 1e6,
  wallMillis,
  /** This process's CPU (all threads, the worker's included). */
  processCpuMillis: (cpu.user + cpu.system) / 1000,
  delivered: variant === 'noop' ? SPANS : deliveredInRun,
  failed: failedInRun,
});
process.disconnect();
