// Durable acknowledgement (issue 17, part 1): the bridge with a data directory.
//  1. The exporter's settlement hook, which tells the journal when a run may be forgotten: every
//     run reported exactly once, on both delivery threads and both transports.
//  2. The operator's scenario with the real CLI in a child process: children acknowledged (200),
//     the bridge killed with SIGKILL, a new bridge on the same directory, then the parent: one
//     whole tree at the strict local server, nothing stored twice. And the same with the children
//     in flight (their parent acknowledged) at the moment of the kill.
//  3. A graceful restart (close(), then a new bridge) keeps held children for their parent.
//  4. The newest segment torn at every byte offset of its last request: a bridge started on it
//     reads back every span acknowledged before.
//  5. Without a data directory, /health says acknowledged spans are lost on a crash.
import { ExportResultCode } from '@opentelemetry/core';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { LangSmithSpanExporter } from '../../src/exporter/langsmith-span-exporter.js';
import type { RunSettlement } from '../../src/pipeline/settlement.js';
import { startBridge } from 'otel-langsmith/bridge';
import { parseBridgeArgs } from '../../src/cli/bridge.js';
import { startLocalServer, type LocalServer, type StoredRun } from 'otel-langsmith/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { jsonRequest, jsonSpan, rawRequest, runIdOf, spanId, TEST_KEY } from '../helpers/bridge-harness.js';
import { until } from '../helpers/wait.js';
import { childEnv, startService, type Service } from '../helpers/polyglot-harness.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { recordingTracer } from '../helpers/tracing.js';

const CLI = join(REPO_ROOT, 'dist/cli.js');
const built = existsSync(CLI);
if (!built) console.warn('bridge-durability.test.ts: the child-process tests skipped, dist/cli.js is missing (npx tsup --silent builds it)');

const roots: string[] = [];
const running: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const thing of running.splice(0).reverse()) await thing.close();
});
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-durability-'));
  roots.push(dir);
  return join(dir, 'data');
}

async function server(): Promise<LocalServer> {
  const s = await startLocalServer({ apiKey: TEST_KEY });
  running.push(s);
  return s;
}

const segmentsIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((name) => name.startsWith('segment-')) : []);
const orphanReason = (run: StoredRun) => run.extra?.metadata?.['otel_langsmith.orphan_reason'];

function post(url: string, spans: unknown[]) {
  return rawRequest(`${url}/v1/traces`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(jsonRequest(spans)) });
}

/* ---------- 1. the settlement hook ---------- */

describe.each([
  { deliveryThread: 'main' as const, transport: 'runs' as const },
  { deliveryThread: 'main' as const, transport: 'batch' as const },
  { deliveryThread: 'worker' as const, transport: 'runs' as const },
  { deliveryThread: 'worker' as const, transport: 'batch' as const },
])('the settlement hook, deliveryThread $deliveryThread, transport $transport', ({ deliveryThread, transport }) => {
  it('reports every run once: delivered (with its place in the trace), refused for good, filtered', async () => {
    const s = await server();
    s.faults.inject({ status: 422, times: Infinity, match: (req) => JSON.stringify(req.body ?? null).includes('"to be refused"') });
    const settled: RunSettlement[] = [];
    const exporter = new LangSmithSpanExporter(
      {
        endpoint: s.url,
        apiKey: TEST_KEY,
        projectName: 'settlement',
        env: {},
        deliveryThread,
        transport,
        spanFilter: (span) => span.name !== 'filtered',
        retry: { initialBackoffMillis: 10, maxBackoffMillis: 50 },
      },
      { onSettled: (settlement) => settled.push(settlement) },
    );
    const { tracer, spans } = recordingTracer();
    const root = tracer.startSpan('root');
    const inRoot = trace.setSpan(context.active(), root);
    tracer.startSpan('child', {}, inRoot).end();
    tracer.startSpan('filtered', {}, inRoot).end();
    tracer.startSpan('to be refused', {}, inRoot).end();
    const early = await new Promise<number>((resolve) => exporter.export(spans(), (result) => resolve(result.code))); // held: no parent yet
    root.end();
    const late = await new Promise<number>((resolve) => exporter.export(spans().slice(3), (result) => resolve(result.code)));
    expect(early).toBe(ExportResultCode.SUCCESS);
    expect(late).toBe(ExportResultCode.FAILED); // the refused child was released on the root's call
    await exporter.forceFlush();
    await until(() => settled.length >= 4);
    await exporter.shutdown();

    const byName = new Map(spans().map((span) => [runIdOf(span.spanContext().spanId), span.name]));
    const kinds = settled.map((settlement) => `${byName.get(settlement.id)}: ${settlement.kind}`).sort();
    expect(kinds).toEqual(['child: delivered', 'filtered: filtered', 'root: delivered', 'to be refused: rejected']);
    const rootSettled = settled.find((settlement) => byName.get(settlement.id) === 'root')!;
    expect(rootSettled).toMatchObject({ kind: 'delivered', parent: { startMicros: expect.any(Number) } });
    if (rootSettled.kind === 'delivered' && transport === 'batch') expect(rootSettled.parent.dottedOrder).toMatch(/^\d{8}T\d{12}Z/);
    expect(s.runs().map((run) => run.name).sort()).toEqual(['child', 'root']);
  });

  it('keeps a run held at shutdown when asked (keepHeldAtShutdown): not sent as an orphan, not reported', async () => {
    const s = await server();
    const settled: RunSettlement[] = [];
    const exporter = new LangSmithSpanExporter(
      { endpoint: s.url, apiKey: TEST_KEY, projectName: 'keep', env: {}, deliveryThread, transport },
      { onSettled: (settlement) => settled.push(settlement), keepHeldAtShutdown: true },
    );
    const { tracer, spans } = recordingTracer();
    const root = tracer.startSpan('never ends');
    tracer.startSpan('waits', {}, trace.setSpan(context.active(), root)).end();
    await new Promise((resolve) => exporter.export(spans(), resolve));
    expect(exporter.stats().heldRuns).toBe(1);
    await exporter.shutdown();
    expect(s.runs()).toEqual([]);
    expect(settled).toEqual([]);
  });
});

/* ---------- 2. kill -9 with the real CLI ---------- */

interface CliBridge extends Service {
  url: string;
}

async function cliBridge(to: LocalServer, dataDir: string): Promise<CliBridge> {
  const service = await startService(
    process.execPath,
    [CLI, 'bridge', '--port', '0', '--grpc-port', 'off', '--endpoint', to.url, '--project', 'durable', '--data-dir', dataDir],
    childEnv({ LANGSMITH_API_KEY: TEST_KEY }),
    /drains and stops/,
  );
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(service.output())![1]!;
  const bridge = { ...service, url, close: () => service.stop(15_000) };
  running.push(bridge);
  return bridge;
}

function sigkill(bridge: CliBridge): Promise<void> {
  return new Promise((resolve) => {
    bridge.child.once('exit', () => resolve());
    bridge.child.kill('SIGKILL');
  });
}

describe.runIf(built)('kill -9 and restart on the same data directory (the CLI in a child process)', () => {
  it('five children acknowledged, the bridge killed, a new bridge, then the parent: one whole tree, nothing stored twice', async () => {
    const s = await server();
    const dir = tempDir();
    const first = await cliBridge(s, dir);
    expect(first.output()).toContain(`Data directory: ${dir}`);
    const parent = spanId();
    const children = Array.from({ length: 5 }, () => spanId());
    for (const [i, child] of children.entries()) {
      const answer = await post(first.url, [jsonSpan({ spanId: child, parentSpanId: parent, name: `child ${i}` }, i + 1)]);
      expect(answer.status).toBe(200);
    }
    expect(s.runs()).toEqual([]); // held for their parent, in the bridge's memory and on its disk
    await sigkill(first);

    const second = await cliBridge(s, dir);
    expect(second.output()).toMatch(/read back 5 spans of 5 requests not yet delivered/);
    expect((await post(second.url, [jsonSpan({ spanId: parent, name: 'parent' })])).status).toBe(200);
    await s.waitForRuns(6, 10_000);
    const runs = s.runs();
    expect(new Set(runs.map((run) => run.id)).size).toBe(6);
    expect(runs.filter((run) => run.id !== runIdOf(parent)).map((run) => [run.parent_run_id, orphanReason(run)])).toEqual(
      children.map(() => [runIdOf(parent), undefined]),
    );
    expect(s.traces()).toHaveLength(1);
    // A graceful stop afterwards leaves nothing behind: every request settled.
    expect(await second.stop()).toBe(0);
    expect(segmentsIn(dir)).toEqual([]);
  });

  it('the parent acknowledged and its children in flight when the bridge is killed: they are sent again, attached, once', async () => {
    const s = await server();
    const dir = tempDir();
    // The children's first POSTs hang at the server for 2 s: in flight when the bridge dies.
    s.faults.inject({ delayMs: 2000, times: 5, match: (req) => req.method === 'POST' && JSON.stringify(req.body ?? null).includes('"slow child') });
    const first = await cliBridge(s, dir);
    const parent = spanId();
    const children = Array.from({ length: 5 }, () => spanId());
    expect((await post(first.url, children.map((child, i) => jsonSpan({ spanId: child, parentSpanId: parent, name: `slow child ${i}` }, i + 1)))).status).toBe(200);
    // Its request dies with the bridge (a sender would resend it): no answer awaited.
    void post(first.url, [jsonSpan({ spanId: parent, name: 'parent' })]).catch(() => undefined);
    await until(() => s.runs().length === 1, 5000); // the parent stored; its children now in flight
    await new Promise((resolve) => setTimeout(resolve, 300)); // the acknowledgement reaches the settled log (100 ms)
    await sigkill(first);

    const second = await cliBridge(s, dir);
    expect(second.output()).toMatch(/read back 5 spans/);
    await s.waitForRuns(6, 10_000);
    await until(() => s.requests().filter((r) => r.method === 'POST').length >= 11, 10_000); // the 5 delayed originals answered too
    const runs = s.runs();
    expect(new Set(runs.map((run) => run.id)).size).toBe(6);
    for (const run of runs.filter((r) => r.name.startsWith('slow child'))) {
      expect(run.parent_run_id).toBe(runIdOf(parent));
      expect(orphanReason(run)).toBeUndefined();
    }
    // Sent twice (the originals reached the server after all), stored once: the second copy 409.
    expect(s.requests().filter((r) => r.status === 409).length).toBe(5);
    expect(await second.stop()).toBe(0);
    expect(segmentsIn(dir)).toEqual([]);
  });
});

/* ---------- 3. graceful restart ---------- */

describe('a graceful restart (close, then a new bridge on the same directory)', () => {
  it('keeps held children for their parent instead of sending them as orphans', async () => {
    const s = await server();
    const dir = tempDir();
    const options = { port: 0, grpcPort: false as const, endpoint: s.url, apiKey: TEST_KEY, projectName: 'graceful', env: {}, dataDir: dir };
    const first = await startBridge(options);
    const parent = spanId();
    const children = Array.from({ length: 3 }, () => spanId());
    expect((await post(first.url, children.map((child, i) => jsonSpan({ spanId: child, parentSpanId: parent, name: `child ${i}` }, i + 1)))).status).toBe(200);
    await first.close();
    expect(s.runs()).toEqual([]);
    expect(segmentsIn(dir)).toHaveLength(1);

    const second = await startBridge(options);
    running.push(second);
    expect(second.recovered).toEqual({ records: 1, spans: 3, acknowledgedRuns: 0, logRecords: 0 });
    expect((await post(second.url, [jsonSpan({ spanId: parent, name: 'parent' })])).status).toBe(200);
    await s.waitForRuns(4, 5000);
    expect(s.traces()).toHaveLength(1);
    expect(s.runs().filter((run) => run.parent_run_id === runIdOf(parent))).toHaveLength(3);
    const health = (await rawRequest(`${second.url}/health`, { method: 'GET' })).json() as { durability: { dataDir: string; journal: Record<string, unknown> } };
    expect(health.durability).toMatchObject({ dataDir: dir, journal: { recovered: { records: 1, spans: 3 } } });
  });
});

/* ---------- 4. torn last request ---------- */

describe('a crash in the middle of writing a request', () => {
  it('cut at every byte offset of the last request of the newest segment: a bridge started on it reads back every span acknowledged before', async () => {
    const s = await server();
    const dir = tempDir();
    // One bridge per byte offset: on the application thread, as a worker's start-up for each would
    // take minutes (the kill test covers the journal with the default delivery worker).
    const options = { port: 0, grpcPort: false as const, endpoint: s.url, apiKey: TEST_KEY, projectName: 'torn', env: {}, orphanTimeoutMillis: 600_000, deliveryThread: 'main' as const };
    const live = await startBridge({ ...options, dataDir: dir });
    running.push(live);
    const parent = spanId(); // never sent: every child stays held, and on disk
    for (let i = 0; i < 3; i++) expect((await post(live.url, [jsonSpan({ spanId: spanId(), parentSpanId: parent, name: `c${i}` })])).status).toBe(200);
    const [segment] = segmentsIn(dir);
    const lastStart = statSync(join(dir, segment!)).size;
    expect((await post(live.url, [jsonSpan({ spanId: spanId(), parentSpanId: parent, name: 'last' })])).status).toBe(200);
    const fullSize = statSync(join(dir, segment!)).size;

    // The directory as a kill -9 leaves it (every acknowledged request fsynced), then torn.
    for (let cut = lastStart; cut <= fullSize; cut++) {
      const copy = join(tempDir(), 'copy');
      cpSync(dir, copy, { recursive: true });
      truncateSync(join(copy, segment!), cut);
      const restarted = await startBridge({ ...options, dataDir: copy });
      const expected = cut === fullSize ? 4 : 3;
      expect(restarted.recovered?.spans, `cut at ${cut}`).toBe(expected);
      expect(restarted.stats().exporter.heldRuns).toBe(expected);
      await restarted.close();
      rmSync(copy, { recursive: true, force: true });
    }
    // Once with the delivery worker (the default here): start() resolves once the worker has taken
    // every span read back, so the count is exact at once.
    const copy = join(tempDir(), 'copy');
    cpSync(dir, copy, { recursive: true });
    const { deliveryThread: _main, ...defaults } = options;
    const withWorker = await startBridge({ ...defaults, dataDir: copy });
    expect(withWorker.stats().exporter.heldRuns).toBe(4);
    await withWorker.close();
    expect(s.runs()).toEqual([]);
  }, 60_000);
});

/* ---------- bounds and flags ---------- */

describe('the data directory full', () => {
  it('answers 503 with Retry-After past maxDataDirRecords, so the sender keeps the spans', async () => {
    const s = await server();
    const dir = tempDir();
    const bridge = await startBridge({ port: 0, grpcPort: false, endpoint: s.url, apiKey: TEST_KEY, env: {}, dataDir: dir, maxDataDirRecords: 2 });
    running.push(bridge);
    const parent = spanId(); // never sent: the children stay held, their requests on disk
    for (let i = 0; i < 2; i++) expect((await post(bridge.url, [jsonSpan({ spanId: spanId(), parentSpanId: parent, name: `c${i}` })])).status).toBe(200);
    const refused = await post(bridge.url, [jsonSpan({ spanId: spanId(), parentSpanId: parent, name: 'one too many' })]);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('2');
    expect(JSON.stringify(refused.json())).toMatch(/data directory holds 2 requests not yet all delivered, at its limit of 2/);
    expect(bridge.stats()).toMatchObject({ unavailable: 1, durability: { dataDir: dir, journal: { records: 2, pendingRuns: 2, refusedFull: 1 } } });
  });

  it('reads --data-dir, OTEL_LANGSMITH_BRIDGE_DATA_DIR and --max-data-dir-bytes', () => {
    expect(parseBridgeArgs(['--data-dir', '/var/lib/b'], {})).toMatchObject({ kind: 'run', options: { dataDir: '/var/lib/b' } });
    expect(parseBridgeArgs([], { OTEL_LANGSMITH_BRIDGE_DATA_DIR: '/from/env' })).toMatchObject({ kind: 'run', options: { dataDir: '/from/env' } });
    expect(parseBridgeArgs(['--data-dir', '/flag'], { OTEL_LANGSMITH_BRIDGE_DATA_DIR: '/from/env' })).toMatchObject({ options: { dataDir: '/flag' } });
    expect(parseBridgeArgs(['--max-data-dir-bytes', '1048576'], {})).toMatchObject({ options: { maxDataDirBytes: 1_048_576 } });
    expect(parseBridgeArgs(['--data-dir', ' '], {})).toMatchObject({ kind: 'error', message: '--data-dir must not be empty' });
    expect(parseBridgeArgs([], {})).toMatchObject({ kind: 'run', options: expect.not.objectContaining({ dataDir: expect.anything() }) });
  });
});

/* ---------- 5. without a data directory ---------- */

describe('without a data directory', () => {
  it('says in /health that acknowledged spans are lost on a crash', async () => {
    const s = await server();
    const bridge = await startBridge({ port: 0, grpcPort: false, endpoint: s.url, apiKey: TEST_KEY, env: {} });
    running.push(bridge);
    const health = (await rawRequest(`${bridge.url}/health`, { method: 'GET' })).json() as { durability: unknown };
    expect(health.durability).toEqual({ dataDir: null, warning: expect.stringMatching(/lost if the bridge crashes or is killed/) });
    expect(bridge.recovered).toBeUndefined();
  });
});
