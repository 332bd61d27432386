// The bridge's OTLP/gRPC receiver from other languages and from the Collector, real processes on
// 127.0.0.1 only, each compared with what the same data makes over OTLP/HTTP:
//   1. the Python example with the OTel Python SDK's gRPC exporter (OTEL_EXPORTER_OTLP_PROTOCOL=grpc):
//      the same runs as over HTTP; backpressure answered RESOURCE_EXHAUSTED + RetryInfo, which the
//      Python exporter honours (it logs the delay it read) before its retry is accepted;
//   2. the Go example with otlptracegrpc: the same runs as over HTTP; it retries RESOURCE_EXHAUSTED
//      only when the status carries RetryInfo (OTLP's rule), and does here;
//   3. the Collector's `otlp` exporter (otelcol-bridge.yaml + otelcol-bridge-grpc.yaml) to one
//      bridge, and its `load_balancing` exporter (otelcol-loadbalancing.yaml) straight to two bridge
//      replicas' gRPC ports: every trace whole on one replica, parents first, the same runs as a
//      direct OTLP/HTTP export of the same spans.
// Needs .ci/setup-polyglot.sh (the venv, the Go binary, the Collector): each part skips with the
// reason otherwise.
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpGrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startBridge, type Bridge, type BridgeOptions } from 'otel-langsmith/bridge';
import { startLocalServer, type LocalServer, type StoredRun } from 'otel-langsmith/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { officialExporter, sentPart, TEST_KEY } from '../helpers/bridge-harness.js';
import { exportOnce } from '../helpers/exporter.js';
import { childEnv, flatten, runToEnd, shape, startCollector, treesOfOtelTrace, waitUntil, type Collector, oneCollectorTrace as oneTrace, expectCollectorTrees, printedTraceIds } from '../helpers/polyglot-harness.js';
import { COLLECTOR_DIR, findCollector, findGoExample, findPython, PYTHON_SERVICE, requireTools } from '../helpers/polyglot-tools.js';

const python = requireTools('polyglot-grpc.test.ts (Python)', { python: findPython() });
const go = requireTools('polyglot-grpc.test.ts (Go)', { go: findGoExample() });
const collectorTools = requireTools('polyglot-grpc.test.ts (Collector)', { collector: findCollector() });

const SECRET = 'polyglot-grpc-secret';
const SINGLE = join(COLLECTOR_DIR, 'otelcol-bridge.yaml');
const SINGLE_GRPC = join(COLLECTOR_DIR, 'otelcol-bridge-grpc.yaml');
const BALANCER = join(COLLECTOR_DIR, 'otelcol-loadbalancing.yaml');

/* ---------- what each test starts, stopped in afterEach ---------- */

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const thing of running.splice(0).reverse()) await thing.close();
});

async function server(): Promise<LocalServer> {
  const s = await startLocalServer({ apiKey: TEST_KEY });
  running.push(s);
  return s;
}

/** A bridge (HTTP and gRPC on free ports) with the shared secret, delivering to `to`. */
async function bridge(to: LocalServer, options: BridgeOptions = {}): Promise<Bridge> {
  const b = await startBridge({
    port: 0,
    endpoint: to.url,
    apiKey: TEST_KEY,
    projectName: 'polyglot-grpc',
    sharedSecret: SECRET,
    env: {},
    retry: { initialBackoffMillis: 50, maxBackoffMillis: 500 },
    ...options,
  });
  running.push(b);
  return b;
}

/** The env of an example exporting OTLP/gRPC (or HTTP) to a bridge, with the secret and a short batch delay. */
function exportingTo(b: Bridge, protocol: 'grpc' | 'http/protobuf', extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return childEnv({
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_EXPORTER_OTLP_ENDPOINT: protocol === 'grpc' ? b.grpcUrl! : b.url,
    OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${SECRET}`,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    ...extra,
  });
}

/**
 * The stored runs without what differs between two runs of the same program (ids, times, the
 * OTel ids echoed in metadata): what is left must be equal whichever protocol carried the spans.
 */
function comparable(s: LocalServer): string[] {
  const runs = s.runs();
  const nameOf = new Map(runs.map((run) => [run.id, run.name]));
  return runs
    .map((run) => {
      const { id: _id, trace_id: _trace, dotted_order: _dotted, received_at: _received, start_time: _start, end_time: _end, parent_run_id: parent, ...rest } = run;
      const metadata = { ...rest.extra?.metadata };
      for (const key of ['otel.trace_id', 'otel.span_id', 'otel.parent_span_id']) delete metadata[key];
      const runtime = { ...rest.extra?.runtime };
      delete runtime['service.instance.id']; // a fresh one per process
      const events = rest.events?.map(({ time: _time, ...event }) => event);
      return JSON.stringify({ ...rest, extra: { ...rest.extra, metadata, runtime }, events, parent: parent ? nameOf.get(parent) : null });
    })
    .sort();
}

/* ---------- 1. Python ---------- */

describe.runIf(python)('the OTel Python SDK’s gRPC exporter (examples/polyglot/python, OTEL_EXPORTER_OTLP_PROTOCOL=grpc)', () => {
  it('delivers one tree per question over gRPC: the same runs as the same program makes over OTLP/HTTP', async () => {
    const overGrpc = await server();
    const grpcBridge = await bridge(overGrpc);
    const done = await runToEnd(python!.python, [PYTHON_SERVICE, '--questions', '2'], exportingTo(grpcBridge, 'grpc'));
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    const traceIds = printedTraceIds(done.stdout);
    expect(traceIds).toHaveLength(2);
    await overGrpc.waitForRuns(6);
    for (const traceId of traceIds) {
      const trees = treesOfOtelTrace(overGrpc, traceId);
      expect(trees).toHaveLength(1);
      expect(shape(trees[0]!)).toEqual({
        name: 'answer question',
        children: [
          { name: 'retrieve context', children: [] },
          { name: 'chat gpt-4o-mini', children: [] },
        ],
      });
    }
    expect(grpcBridge.stats()).toMatchObject({ requests: expect.any(Number), spansReceived: 6, spansRejected: 0, refused: 0 });
    expect(grpcBridge.stats().grpcRequests).toBe(grpcBridge.stats().requests);

    const overHttp = await server();
    const httpBridge = await bridge(overHttp);
    const viaHttp = await runToEnd(python!.python, [PYTHON_SERVICE, '--questions', '2'], exportingTo(httpBridge, 'http/protobuf'));
    expect(viaHttp.code).toBe(0);
    await overHttp.waitForRuns(6);
    expect(httpBridge.stats().grpcRequests).toBe(0);
    expect(comparable(overGrpc)).toEqual(comparable(overHttp));
  });

  it('honours RESOURCE_EXHAUSTED + RetryInfo: the exporter waits the delay the bridge asked for, then its resend is accepted', async () => {
    const s = await server();
    const b = await bridge(s, { maxPendingRuns: 1, retryAfterSeconds: 2 });
    const held = heldBacklog();
    await holdBacklog(b, held.children);
    expect(b.stats().exporter.heldRuns).toBe(2); // over maxPendingRuns: the bridge is overloaded

    const exited = runToEnd(python!.python, [PYTHON_SERVICE], exportingTo(b, 'grpc'));
    await waitUntil(() => b.stats().throttled > 0, 20_000, 'the bridge to throttle the Python exporter');
    await exportOnce(b.exporter, [held.parent]); // the backlog drains
    const done = await exited;
    expect(done.code, done.stderr).toBe(0);
    // OTel Python's exporter logs the delay it will wait: 2.00 s is the bridge's RetryInfo (its own
    // backoff would be 0.8–1.2 s for a first retry).
    expect(done.stderr).toMatch(/Transient error StatusCode\.RESOURCE_EXHAUSTED encountered while exporting traces to 127\.0\.0\.1:\d+, retrying in 2\.00s/);
    await s.waitForRuns(6);
    expect(s.runs().map((run) => run.name).sort()).toEqual(['answer question', 'backlog child 1', 'backlog child 2', 'backlog parent', 'chat gpt-4o-mini', 'retrieve context']);
  });

  it('gives up at once on UNAUTHENTICATED (a wrong secret), exit 1', async () => {
    const s = await server();
    const b = await bridge(s);
    const done = await runToEnd(python!.python, [PYTHON_SERVICE], exportingTo(b, 'grpc', { OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20wrong' }));
    expect(done.code).toBe(1);
    expect(done.stderr).toMatch(/UNAUTHENTICATED/);
    expect(done.stderr).toMatch(/3 spans could not be exported/);
    expect(s.runs()).toHaveLength(0);
    expect(b.stats().refused).toBeGreaterThan(0);
  });
});

/* ---------- 2. Go ---------- */

describe.runIf(go)('the OTel Go SDK’s otlptracegrpc exporter (examples/polyglot/go, OTEL_EXPORTER_OTLP_PROTOCOL=grpc)', () => {
  it('delivers one tree per trace over gRPC: the same runs as the same program makes over OTLP/HTTP', async () => {
    const overGrpc = await server();
    const grpcBridge = await bridge(overGrpc);
    const done = await runToEnd(go!.go, ['run', '-traces', '3'], exportingTo(grpcBridge, 'grpc'));
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    const traceIds = printedTraceIds(done.stdout);
    expect(traceIds).toHaveLength(3);
    await overGrpc.waitForRuns(9);
    for (const traceId of traceIds) {
      const trees = treesOfOtelTrace(overGrpc, traceId);
      expect(trees).toHaveLength(1);
      expect(shape(trees[0]!)).toEqual({ name: 'summarize ticket', children: [{ name: 'load ticket', children: [] }, { name: 'chat gpt-4o-mini', children: [] }] });
      expect(flatten(trees[0]!).map((run) => run.extra?.runtime?.['telemetry.sdk.language'])).toEqual(['go', 'go', 'go']);
    }
    expect(grpcBridge.stats()).toMatchObject({ spansReceived: 9, refused: 0 });
    expect(grpcBridge.stats().grpcRequests).toBe(grpcBridge.stats().requests);

    const overHttp = await server();
    const httpBridge = await bridge(overHttp);
    expect((await runToEnd(go!.go, ['run', '-traces', '3'], exportingTo(httpBridge, 'http/protobuf'))).code).toBe(0);
    await overHttp.waitForRuns(9);
    expect(comparable(overGrpc)).toEqual(comparable(overHttp));
  });

  it('retries RESOURCE_EXHAUSTED because it carries RetryInfo (Go retries it only then), and its resend is accepted', async () => {
    const s = await server();
    const b = await bridge(s, { maxPendingRuns: 1, retryAfterSeconds: 1 });
    const held = heldBacklog();
    await holdBacklog(b, held.children);
    expect(b.stats().exporter.heldRuns).toBe(2);

    const exited = runToEnd(go!.go, ['run', '-traces', '1'], exportingTo(b, 'grpc'));
    await waitUntil(() => b.stats().throttled > 0, 20_000, 'the bridge to throttle the Go exporter');
    await exportOnce(b.exporter, [held.parent]);
    const done = await exited;
    expect(done.stderr).toBe(''); // no export error reported: the retry went through
    expect(done.code).toBe(0);
    await s.waitForRuns(6);
    expect(s.runs().filter((run) => run.extra?.runtime?.['telemetry.sdk.language'] === 'go')).toHaveLength(3);
  });
});

/* ---------- 3. the Collector ---------- */



/** `count` traces of four spans, shuffled: requests mix traces, children often before parents. */
function shuffledTraces(count: number): { traceIds: string[]; spans: ReadableSpan[] } {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'grpc-collector-client' })),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('grpc-collector-test');
  const traceIds = Array.from({ length: count }, (_, n) => oneTrace(tracer, n));
  return { traceIds, spans: shuffled(memory.getFinishedSpans(), 17) };
}

/** The same spans straight to a bridge over OTLP/HTTP: the reference runs. */
async function referenceRuns(spans: ReadableSpan[]): Promise<Map<string, Record<string, unknown>>> {
  const s = await server();
  const b = await bridge(s);
  const exporter = officialExporter('protobuf', `${b.url}/v1/traces`, 'gzip', { headers: { authorization: `Bearer ${SECRET}` } });
  for (let i = 0; i < spans.length; i += 48) expect((await exportOnce(exporter, spans.slice(i, i + 48))).error).toBeUndefined();
  await exporter.shutdown();
  await s.waitForRuns(spans.length, 30_000);
  return new Map(s.runs().map((run) => [run.id, sentPart(run)]));
}

/** Parents first: no run refused for an unknown parent, and each run stored after its parent. */
function expectParentsFirst(s: LocalServer): void {
  expect(s.requests().filter((r) => r.path === '/runs' && r.status !== 200).map((r) => r.status)).toEqual([]);
  const position = new Map(s.runs().map((run, index) => [run.id, index]));
  for (const run of s.runs()) if (run.parent_run_id) expect(position.get(run.parent_run_id)!).toBeLessThan(position.get(run.id)!);
}


describe.runIf(collectorTools)('the OpenTelemetry Collector over gRPC to the bridge', () => {
  async function collector(configs: string[], env: Record<string, string>): Promise<Collector> {
    const c = await startCollector(collectorTools!.collector, configs, { OTEL_LANGSMITH_BRIDGE_SECRET: SECRET, ...env });
    running.push(c);
    return c;
  }

  async function sendThrough(c: Collector, spans: ReadableSpan[]): Promise<void> {
    const exporter = officialExporter('protobuf', `${c.httpUrl}/v1/traces`, 'gzip');
    for (let i = 0; i < spans.length; i += 48) expect((await exportOnce(exporter, spans.slice(i, i + 48))).error).toBeUndefined();
    await exporter.shutdown();
  }

  it('otlp exporter (otelcol-bridge.yaml + otelcol-bridge-grpc.yaml) → one bridge’s gRPC port: the same runs as a direct OTLP/HTTP export', async () => {
    const { traceIds, spans } = shuffledTraces(20);
    const s = await server();
    const b = await bridge(s);
    const c = await collector([SINGLE, SINGLE_GRPC], { LANGSMITH_BRIDGE_GRPC_ENDPOINT: `127.0.0.1:${b.grpcPort}` });
    await sendThrough(c, spans);
    await s.waitForRuns(80, 30_000);
    expect(s.runs()).toHaveLength(80);
    expectCollectorTrees(s, traceIds);
    expectParentsFirst(s);
    expect(b.stats()).toMatchObject({ spansReceived: 80, refused: 0, unavailable: 0, throttled: 0 });
    expect(b.stats().grpcRequests).toBe(b.stats().requests); // nothing came over HTTP

    const reference = await referenceRuns(spans);
    expect(new Map(s.runs().map((run) => [run.id, sentPart(run)]))).toEqual(reference);
  }, 60_000);

  it('load_balancing (otelcol-loadbalancing.yaml) straight to two bridge replicas’ gRPC ports: each trace whole on one replica, parents first, the same runs as over HTTP', async () => {
    const { traceIds, spans } = shuffledTraces(60);
    // One strict server per replica: where a run is stored says which replica delivered it.
    const [serverA, serverB] = [await server(), await server()];
    const [bridgeA, bridgeB] = [await bridge(serverA), await bridge(serverB)];
    await collector([BALANCER], { LANGSMITH_REPLICA_1: `127.0.0.1:${bridgeA.grpcPort}`, LANGSMITH_REPLICA_2: `127.0.0.1:${bridgeB.grpcPort}` }).then((c) => sendThrough(c, spans));

    await waitUntil(() => serverA.runs().length + serverB.runs().length >= 240, 30_000, '240 runs over both replicas');
    const stored: StoredRun[] = [...serverA.runs(), ...serverB.runs()];
    expect(stored).toHaveLength(240);
    expect(new Set(stored.map((run) => run.id)).size).toBe(240);
    // Each trace on exactly one replica, whole, parents first.
    for (const traceId of traceIds) {
      const onA = treesOfOtelTrace(serverA, traceId).length;
      const onB = treesOfOtelTrace(serverB, traceId).length;
      expect(onA + onB, `trace ${traceId}`).toBe(1);
      expectCollectorTrees(onA ? serverA : serverB, [traceId]);
    }
    expectParentsFirst(serverA);
    expectParentsFirst(serverB);
    const perReplica = { a: bridgeA.stats(), b: bridgeB.stats() };
    console.log(`load_balancing over gRPC: 60 traces / 240 spans → replica a ${perReplica.a.spansReceived} spans, replica b ${perReplica.b.spansReceived} spans`);
    expect(perReplica.a.spansReceived).toBeGreaterThan(0);
    expect(perReplica.b.spansReceived).toBeGreaterThan(0);
    expect(perReplica.a.spansReceived % 4).toBe(0); // whole traces only
    for (const stats of [perReplica.a, perReplica.b]) {
      expect(stats.grpcRequests).toBe(stats.requests);
      expect(stats).toMatchObject({ refused: 0, unavailable: 0, throttled: 0 });
    }

    const reference = await referenceRuns(spans);
    expect(new Map(stored.map((run) => [run.id, sentPart(run)]))).toEqual(reference);
  }, 60_000);
});

/* ---------- helpers ---------- */

/** Sends spans whose parent has not come over gRPC (the official JS exporter): the bridge holds them. */
async function holdBacklog(b: Bridge, children: ReadableSpan[]): Promise<void> {
  const exporter = new OtlpGrpcExporter({ url: b.grpcUrl!, metadata: bearer() });
  expect((await exportOnce(exporter, children)).error).toBeUndefined();
  await exporter.shutdown();
}

/** grpc-js metadata with the shared secret, for the official JS gRPC exporter. */
function bearer(): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${SECRET}`);
  return metadata;
}

function heldBacklog(): { parent: ReadableSpan; children: ReadableSpan[] } {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('backlog');
  const parent = tracer.startSpan('backlog parent');
  const parentContext = trace.setSpan(context.active(), parent);
  tracer.startSpan('backlog child 1', {}, parentContext).end();
  tracer.startSpan('backlog child 2', {}, parentContext).end();
  parent.end();
  const spans = memory.getFinishedSpans();
  return { parent: spans.find((span) => span.name === 'backlog parent')!, children: spans.filter((span) => span.name !== 'backlog parent') };
}

/** A deterministic shuffle (mulberry32). */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  const random = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
