import type { ExportResult } from '@opentelemetry/core';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve-config.js';
import type { FailureSink } from '../../src/delivery/failure-sink.js';
import { FailureLog } from '../../src/diagnostics/failure-log.js';
import { ExportCall, LangSmithExportError } from '../../src/pipeline/export-call.js';
import { RunPipeline, type SettledHook } from '../../src/pipeline/run-pipeline.js';
import { emptyCounters } from '../../src/pipeline/stats.js';
import type { Transport, TransportResponse } from '../../src/transport/http-transport.js';

/** A request the fake transport received; `answer` settles it (unless the transport answers itself). */
interface Request {
  path: string;
  body: Record<string, unknown>;
  answer(status: number, body?: string): void;
}

/**
 * The transport as the pipeline sees it, with the server played by the test: every request waits
 * until the test answers it, or `auto` answers at once.
 */
class FakeTransport implements Transport {
  readonly requests: Request[] = [];
  auto: ((path: string, body: Record<string, unknown>) => number) | undefined;
  info = 404;
  closed = false;
  private waiting: Array<() => void> = [];
  /** Requests not answered yet: destroy() ends them, as undici does. */
  private readonly unanswered = new Set<(error: Error) => void>();

  post(path: string, body: string): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      this.unanswered.add(reject);
      const answer = (status: number, text = '{}') => {
        this.unanswered.delete(reject);
        resolve({ status, headers: {}, body: text });
      };
      this.requests.push({ path, body: parsed, answer });
      if (this.auto) queueMicrotask(() => answer(this.auto!(path, parsed)));
      for (const wake of this.waiting.splice(0)) wake();
    });
  }

  async get(): Promise<TransportResponse> {
    return { status: this.info, headers: {}, body: this.info === 200 ? '{"batch_ingest_config":{"size_limit":2}}' : 'not found' };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async destroy(): Promise<void> {
    this.closed = true;
    for (const reject of this.unanswered) reject(new Error('the transport was destroyed'));
    this.unanswered.clear();
  }

  /** Resolves once `count` requests have arrived in all. */
  async arrived(count: number): Promise<void> {
    while (this.requests.length < count) await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Run ids in the order they were sent (batches expanded). */
  sentIds(): string[] {
    return this.requests.flatMap((r) => (r.path === '/runs/batch' ? (r.body.post as Array<{ id: string }>).map((run) => run.id) : [r.body.id as string]));
  }
}

const ID = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;

function run(n: number, parent?: number, start = 1_700_000_000_000_000 + n) {
  const body: Record<string, unknown> = { id: ID(n), name: `run ${n}`, run_type: 'chain', start_time: '2023-11-14T22:13:20.000000Z', inputs: {} };
  if (parent !== undefined) body.parent_run_id = ID(parent);
  return { id: ID(n), parentId: parent === undefined ? undefined : ID(parent), body: JSON.stringify(body), startMicros: start };
}

const pipelines: RunPipeline[] = [];
afterEach(async () => {
  await Promise.all(pipelines.splice(0).map((p) => p.shutdown(true)));
});

function setUp(options: Parameters<typeof resolveConfig>[0] = {}, hooks: { sink?: FailureSink; onSettled?: SettledHook } = {}) {
  const config = resolveConfig({ apiKey: 'k', endpoint: 'http://127.0.0.1:9', shutdownTimeoutMillis: 500, retry: { maxAttempts: 1 }, ...options }, {});
  const transport = new FakeTransport();
  const counters = emptyCounters();
  const pipeline = new RunPipeline(config, transport, new FailureLog(), counters, hooks);
  pipelines.push(pipeline);
  const results: ExportResult[] = [];
  const call = () => new ExportCall((result) => results.push(result), 5_000);
  return { pipeline, transport, counters, results, call };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('RunPipeline', () => {
  it('sends a child only after its parent is acknowledged, even when the child came first', async () => {
    const t = setUp();
    const call = t.call();
    t.pipeline.submit(run(2, 1), call);
    t.pipeline.submit(run(1), call);
    call.seal();
    await t.transport.arrived(1);
    await tick();
    expect(t.transport.sentIds()).toEqual([ID(1)]); // the child waits while its parent is in flight
    t.transport.requests[0]!.answer(200);
    await t.transport.arrived(2);
    expect(t.transport.sentIds()).toEqual([ID(1), ID(2)]);
    t.transport.requests[1]!.answer(200);
    await t.pipeline.flush();
    expect(t.results).toEqual([{ code: 0 }]);
    expect(t.counters.runsDelivered).toBe(2);
  });

  it("answers an export() call only once the runs it released (its runs' held children) are delivered too", async () => {
    const t = setUp();
    const first = t.call();
    t.pipeline.submit(run(2, 1), first); // held: its call does not wait for it...
    first.seal();
    expect(t.results).toEqual([{ code: 0 }]);
    const second = t.call();
    t.pipeline.submit(run(1), second); // ...the call whose run releases it does
    second.seal();
    await t.transport.arrived(1);
    t.transport.requests[0]!.answer(200);
    await t.transport.arrived(2);
    await tick();
    expect(t.results).toHaveLength(1);
    t.transport.requests[1]!.answer(200);
    await t.pipeline.flush();
    await tick();
    expect(t.results).toEqual([{ code: 0 }, { code: 0 }]);
  });

  it('re-parents the children of a dropped run to its nearest kept ancestor, delivered on behalf of the dropping call', async () => {
    const t = setUp();
    t.transport.auto = () => 200;
    const early = t.call();
    t.pipeline.submit(run(3, 2), early); // waits for 2, which will be dropped
    early.seal();
    const root = t.call();
    t.pipeline.submit(run(1), root);
    root.seal();
    await t.pipeline.flush();
    const dropping = t.call();
    t.pipeline.drop(ID(2), ID(1), dropping);
    dropping.seal();
    await t.pipeline.flush();
    await tick();
    const child = t.transport.requests.find((r) => r.body.id === ID(3))!;
    expect(child.body.parent_run_id).toBe(ID(1));
    expect(t.results).toHaveLength(3);
    expect(t.results.every((r) => r.code === 0)).toBe(true);
  });

  it('sends the children of a run refused for good as roots, and the call reports the refusal with counts', async () => {
    const t = setUp();
    t.transport.auto = (_path, body) => (body.id === ID(1) ? 422 : 200);
    const call = t.call();
    t.pipeline.submit(run(2, 1), call);
    t.pipeline.submit(run(1), call);
    call.seal();
    await t.pipeline.flush();
    await tick();
    const child = t.transport.requests.find((r) => r.body.id === ID(2))!;
    expect(child.body.parent_run_id).toBeUndefined();
    expect((child.body.extra as { metadata: Record<string, unknown> }).metadata).toMatchObject({ 'otel_langsmith.orphan_reason': 'parent_failed' });
    expect(t.results).toHaveLength(1);
    const error = t.results[0]!.error as LangSmithExportError;
    expect(error).toBeInstanceOf(LangSmithExportError);
    expect(error.counts).toEqual({ rejected: 1, failed: 0, spooled: 0 });
    expect(t.counters.runsOrphaned).toBe(1);
  });

  it('keeps the children of a spooled run with it in the spool instead of sending them as roots', async () => {
    const spooled: string[] = [];
    const sink: FailureSink = { accept: (id) => (spooled.push(id), true), flush: async () => undefined };
    const t = setUp({}, { sink });
    t.transport.auto = (_path, body) => (body.id === ID(1) ? 503 : 200);
    const call = t.call();
    t.pipeline.submit(run(2, 1), call);
    t.pipeline.submit(run(3, 2), call);
    t.pipeline.submit(run(1), call);
    call.seal();
    await t.pipeline.flush();
    await tick();
    expect(spooled).toEqual([ID(1), ID(2), ID(3)]);
    expect(t.transport.sentIds()).toEqual([ID(1)]);
    expect((t.results[0]!.error as LangSmithExportError).counts.spooled).toBe(3);
  });

  it('lets the children of a run lost to a full spool go as roots, instead of holding them for it', async () => {
    const sink: FailureSink = { accept: (id) => id === ID(1), flush: async () => undefined }; // room for one run
    const t = setUp({}, { sink });
    t.transport.auto = (_path, body) => (body.id === ID(1) ? 503 : 200);
    const call = t.call();
    t.pipeline.submit(run(2, 1), call);
    t.pipeline.submit(run(3, 2), call);
    t.pipeline.submit(run(1), call);
    call.seal();
    await t.pipeline.flush();
    // 1 is spooled; 2 would follow it there but the spool is full: lost, counted; 3 goes as a root.
    expect(t.counters).toMatchObject({ runsSpooled: 1, runsDropped: 1, runsDelivered: 1 });
    expect(t.pipeline.gauges().heldRuns).toBe(0);
    const orphan = t.transport.requests.find((r) => r.body.id === ID(3))!;
    expect(orphan.body.parent_run_id).toBeUndefined();
  });

  it('refuses a new run when the send queue is full, but never a child its parent released', async () => {
    const t = setUp({ maxConcurrentRequests: 1, maxQueuedRuns: 1 });
    const call = t.call();
    for (let n = 10; n < 15; n++) t.pipeline.submit(run(n, 1), call); // held, not queued
    t.pipeline.submit(run(1), call); // in flight
    t.pipeline.submit(run(2), call); // queued: the queue is full now
    t.pipeline.submit(run(3), call); // refused
    call.seal();
    expect(t.counters.runsFailed).toBe(1);
    t.transport.auto = () => 200;
    await t.transport.arrived(1);
    t.transport.requests[0]!.answer(200);
    await t.pipeline.flush();
    expect(t.counters.runsDelivered).toBe(7); // run 1, run 2 and all five children of run 1
    expect(t.counters.runsFailed).toBe(1);
  });

  it("batches with trace_id and dotted_order derived from the acknowledged parent, within the server's /info limits", async () => {
    const t = setUp({ transport: 'batch' });
    t.transport.info = 200; // size_limit 2
    t.transport.auto = () => 200;
    const call = t.call();
    t.pipeline.submit(run(1), call);
    await t.pipeline.flush();
    for (let n = 2; n <= 4; n++) t.pipeline.submit(run(n, 1), call);
    call.seal();
    await t.pipeline.flush();
    const batches = t.transport.requests.filter((r) => r.path === '/runs/batch');
    expect(batches.every((b) => (b.body.post as unknown[]).length <= 2)).toBe(true);
    const [root, ...children] = batches.flatMap((b) => b.body.post as Array<{ id: string; trace_id: string; dotted_order: string }>);
    expect(root!.trace_id).toBe(ID(1));
    for (const child of children) {
      expect(child.trace_id).toBe(ID(1));
      expect(child.dotted_order.startsWith(`${root!.dotted_order}.`)).toBe(true);
    }
  });

  it('falls back to single POST /runs when the server has no batch ingestion (404), failing no run', async () => {
    const t = setUp({ transport: 'batch' });
    t.transport.auto = (path) => (path === '/runs/batch' ? 404 : 200);
    const call = t.call();
    t.pipeline.submit(run(1), call);
    t.pipeline.submit(run(2, 1), call);
    call.seal();
    await t.pipeline.flush();
    await tick();
    expect(t.results).toEqual([{ code: 0 }]);
    expect(t.counters.runsDelivered).toBe(2);
    expect(t.transport.requests.filter((r) => r.path === '/runs').map((r) => r.body.id)).toEqual([ID(1), ID(2)]);
  });

  it('reports each run settled exactly once, with the place in its trace for a delivered one', async () => {
    const settled: Array<[string, string]> = [];
    const t = setUp({}, { onSettled: (id, outcome, parent) => settled.push([id, `${outcome.kind}${parent ? ` at ${parent.startMicros}` : ''}`]) });
    t.transport.auto = (_path, body) => (body.id === ID(3) ? 400 : 200);
    const call = t.call();
    t.pipeline.submit(run(2, 1, 50), call);
    t.pipeline.submit(run(1, undefined, 40), call);
    t.pipeline.submit(run(3), call);
    call.seal();
    await t.pipeline.flush();
    expect(settled.sort()).toEqual([
      [ID(1), 'delivered at 40'],
      [ID(2), 'delivered at 50'],
      [ID(3), 'rejected'],
    ]);
  });

  it('at shutdown sends strays as orphans, and stays within its deadline when the server never answers', async () => {
    const t = setUp({ shutdownTimeoutMillis: 200 });
    const call = t.call();
    t.pipeline.submit(run(2, 99), call); // its parent never comes
    t.pipeline.submit(run(1), call); // the server never answers this one
    call.seal();
    const started = Date.now();
    pipelines.splice(pipelines.indexOf(t.pipeline), 1);
    await t.pipeline.shutdown();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(t.transport.sentIds().sort()).toEqual([ID(1), ID(2)]);
    const orphan = t.transport.requests.find((r) => r.body.id === ID(2))!;
    expect(orphan.body.parent_run_id).toBeUndefined();
    expect(t.counters.runsFailed).toBe(2); // neither was answered before the deadline
    expect(t.transport.closed).toBe(true);
  });
});
