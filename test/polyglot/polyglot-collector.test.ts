// The OpenTelemetry Collector (built by .ci/setup-polyglot.sh with ocb from
// examples/collector/builder-config.yaml) in front of the bridge, running the example configs of
// examples/collector/ themselves (addresses through their env overrides, free 127.0.0.1 ports):
//   1. Go example → Collector (otlp_http, protobuf + gzip, persistent queue) → bridge → strict server;
//   2. an outage: the server answers 503 for 30 s while the client keeps sending; afterwards
//      every span is there exactly once, in complete trees. SLOW: about 45 s.
// The Collector over gRPC (its otlp exporter, and load_balancing by traceID straight to two bridge
// replicas' gRPC ports) is in test/polyglot/polyglot-grpc.test.ts.
// Skips with the reason when the Collector (or, for 1, the Go example) was not built.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startBridge, type Bridge, type BridgeOptions } from 'otel-langsmith/bridge';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { officialExporter, runIdOf, TEST_KEY } from '../helpers/bridge-harness.js';
import { childEnv, flatten, runToEnd, shape, startCollector, tempConfig, treesOfOtelTrace, waitUntil, type Collector, oneCollectorTrace as oneTrace, expectCollectorTrees } from '../helpers/polyglot-harness.js';
import { COLLECTOR_DIR, findCollector, findGoExample, requireTools } from '../helpers/polyglot-tools.js';

const tools = requireTools('polyglot-collector.test.ts', { collector: findCollector() });
const goTools = tools && requireTools('polyglot-collector.test.ts (Go example → Collector)', { go: findGoExample() });

const SINGLE = join(COLLECTOR_DIR, 'otelcol-bridge.yaml');
const SECRET = 'collector-test-secret';

/** Merged over the example config: shorter retry backoff, so a test does not wait out 30 s intervals. */
const FAST_RETRY = tempConfig(
  'fast-retry.yaml',
  `exporters:
  otlp_http/langsmith:
    retry_on_failure:
      initial_interval: 250ms
      max_interval: 2s
`,
);

/* ---------- what each test starts, stopped in afterEach / afterAll ---------- */

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const thing of running.splice(0).reverse()) await thing.close();
});
afterAll(async () => {
  for (const thing of running.splice(0).reverse()) await thing.close();
  rmSync(dirname(FAST_RETRY), { recursive: true, force: true });
});

async function server(): Promise<LocalServer> {
  const s = await startLocalServer({ apiKey: TEST_KEY });
  running.push(s);
  return s;
}

async function bridge(to: LocalServer, projectName: string, options: BridgeOptions = {}): Promise<Bridge> {
  const b = await startBridge({
    ...options,
    port: 0,
    endpoint: to.url,
    apiKey: TEST_KEY,
    projectName,
    sharedSecret: SECRET,
    env: {},
    retry: { initialBackoffMillis: 50, maxBackoffMillis: 500 },
  });
  running.push(b);
  return b;
}

async function collector(configs: string[], env: Record<string, string>): Promise<Collector> {
  const c = await startCollector(tools!.collector, configs, { OTEL_LANGSMITH_BRIDGE_SECRET: SECRET, ...env });
  running.push(c);
  return c;
}

/* ---------- a Node.js client with the official OTLP proto exporter ---------- */




describe.runIf(tools)('the OpenTelemetry Collector in front of the bridge', () => {
  it.runIf(goTools)('Go example → Collector (otlp_http, protobuf + gzip, persistent queue) → bridge: one tree per trace', async () => {
    const s = await server();
    const b = await bridge(s, 'via-collector');
    const c = await collector([SINGLE, FAST_RETRY], { LANGSMITH_BRIDGE_ENDPOINT: b.url });
    const done = await runToEnd(goTools!.go, ['run', '-traces', '3'], childEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: c.httpUrl, OTEL_BSP_SCHEDULE_DELAY: '100' }));
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    const traceIds = [...done.stdout.matchAll(/^trace ([0-9a-f]{32})$/gm)].map((m) => m[1]!);
    expect(traceIds).toHaveLength(3);
    await s.waitForRuns(9, 15_000);
    expect(s.runs()).toHaveLength(9);
    for (const traceId of traceIds) {
      const trees = treesOfOtelTrace(s, traceId);
      expect(trees).toHaveLength(1);
      expect(shape(trees[0]!)).toEqual({ name: 'summarize ticket', children: [{ name: 'load ticket', children: [] }, { name: 'chat gpt-4o-mini', children: [] }] });
      for (const run of flatten(trees[0]!)) {
        expect(run.session_name).toBe('via-collector');
        expect(run.extra?.runtime).toMatchObject({ 'service.name': 'ticket-summarizer-go', 'telemetry.sdk.language': 'go' });
      }
      expect(flatten(trees[0]!).find((run) => run.name === 'chat gpt-4o-mini')!.run_type).toBe('llm');
    }
    // What arrived at the bridge came from the Collector: protobuf, gzip, with the shared secret.
    expect(b.stats()).toMatchObject({ spansReceived: 9, refused: 0, unavailable: 0 });
  });

  it(
    'SLOW (~45 s): LangSmith answers 503 for 30 s while the client keeps sending; afterwards every span arrives exactly once',
    async () => {
      const s = await server();
      // Default orphanTimeoutMillis (30 s), as long as the outage: every failed-for-now parent
      // restarts the wait of its held subtree, so trees stay whole.
      const b = await bridge(s, 'outage');
      const c = await collector([SINGLE, FAST_RETRY], { LANGSMITH_BRIDGE_ENDPOINT: b.url });
      const memory = new InMemorySpanExporter();
      let clientFailures = 0;
      const exporter = officialExporter('protobuf', `${c.httpUrl}/v1/traces`, 'gzip');
      const counting = {
        export: (batch: ReadableSpan[], done: Parameters<typeof exporter.export>[1]) =>
          exporter.export(batch, (result) => {
            if (result.code !== 0) clientFailures += batch.length;
            done(result);
          }),
        shutdown: () => exporter.shutdown(),
        forceFlush: () => exporter.forceFlush(),
      };
      const provider = new BasicTracerProvider({
        resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'outage-client' })),
        spanProcessors: [new SimpleSpanProcessor(memory), new BatchSpanProcessor(counting, { scheduledDelayMillis: 200, maxExportBatchSize: 512 })],
      });
      const tracer = provider.getTracer('outage-test');

      const traceIds: string[] = [];
      let peakQueue = 0;
      const started = Date.now();
      const at = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, started + ms - Date.now())));
      const sampler = setInterval(() => {
        c.metrics()
          .then((m) => (peakQueue = Math.max(peakQueue, m.otelcol_exporter_queue_size ?? 0)))
          .catch(() => {});
      }, 500);
      // 10 traces (40 spans) a second for 36 s; the outage from 3 s to 33 s.
      const sending = (async () => {
        for (let tick = 0; Date.now() - started < 36_000; tick++) {
          for (let i = 0; i < 10; i++) traceIds.push(oneTrace(tracer, traceIds.length));
          await at((tick + 1) * 1000);
        }
      })();
      await at(3_000);
      const beforeOutage = s.runs().length;
      s.faults.inject({ status: 503, times: Infinity, retryAfter: '1' });
      const injectedAt = Date.now();
      await at(33_000);
      // Stored while every request was refused (from 1 s after the fault, past requests in flight).
      const duringOutage = s.runs().filter((run) => run.received_at >= injectedAt + 1000).length;
      const faulted = s.requests().filter((r) => r.status === 503).length;
      s.faults.clear();
      const recovered = Date.now();
      await sending;
      await provider.forceFlush();
      const expectedIds = new Set(memory.getFinishedSpans().map((span) => runIdOf(span.spanContext().spanId)));
      const sent = expectedIds.size;
      await waitUntil(() => s.runs().length >= sent, 45_000, `${sent} runs`);
      const drainedMillis = Date.now() - recovered;
      clearInterval(sampler);
      await new Promise((resolve) => setTimeout(resolve, 1000)); // any late duplicate would show now
      const metrics = await c.metrics();
      const expectedParent = new Map(
        memory.getFinishedSpans().map((span) => [runIdOf(span.spanContext().spanId), span.parentSpanContext ? runIdOf(span.parentSpanContext.spanId) : undefined]),
      );
      await provider.shutdown();

      const runs = s.runs();
      const conflicts = s.requests().filter((r) => r.status === 409).length;
      const numbers = {
        sentSpans: sent,
        traces: traceIds.length,
        clientFailures,
        storedRuns: runs.length,
        storedBeforeOutage: beforeOutage,
        storedDuringOutage: duringOutage,
        answered503ByServer: faulted,
        bridge503s: b.stats().unavailable,
        peakCollectorQueue: peakQueue,
        collectorQueueAfter: metrics.otelcol_exporter_queue_size,
        collectorAcceptedSpans: metrics.otelcol_receiver_accepted_spans ?? 0,
        collectorSentSpans: metrics.otelcol_exporter_sent_spans ?? 0,
        collectorSendFailedSpans: metrics.otelcol_exporter_send_failed_spans ?? 0,
        collectorEnqueueFailedSpans: metrics.otelcol_exporter_enqueue_failed_spans ?? 0,
        duplicatesAnswered409: conflicts,
        wrongParents: runs.filter((run) => run.parent_run_id !== expectedParent.get(run.id)).length,
        drainedAfterRecoveryMillis: drainedMillis,
      };
      console.log(`outage numbers: ${JSON.stringify(numbers)}`);

      // Nothing lost, nothing twice: each span's run exactly once, in a complete tree.
      expect(clientFailures).toBe(0);
      expect(duringOutage).toBe(0);
      expect(faulted).toBeGreaterThan(0);
      expect(runs).toHaveLength(sent);
      expect(new Set(runs.map((run) => run.id)).size).toBe(sent);
      expect(new Set(runs.map((run) => run.id))).toEqual(expectedIds);
      // Every run under the parent it had: no child sent as a root for want of its parent.
      const misparented = runs
        .filter((run) => run.parent_run_id !== expectedParent.get(run.id))
        .map((run) => `${run.name} (${String(run.extra?.metadata?.['otel_langsmith.orphan_reason'] ?? 'no orphan reason')})`);
      expect(misparented).toEqual([]);
      expect(s.traces()).toHaveLength(traceIds.length);
      expectCollectorTrees(s, traceIds);
      expect(numbers.collectorAcceptedSpans).toBe(sent);
      expect(numbers.collectorEnqueueFailedSpans).toBe(0);
      expect(numbers.collectorQueueAfter).toBe(0);
    },
    120_000,
  );
});
