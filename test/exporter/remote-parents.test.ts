// remoteParents 'auto', the default (issue 26): a span whose parent came over the wire waits for
// it, so a parent exported through the same exporter (a handler calling another endpoint of the
// same process) makes one trace; a parent that never comes (another process) leaves it a root
// after remoteParentTimeoutMillis, counted. The real HTTP instrumentation in one process is in
// test/register/register.test.ts (expectFixtureTrace: one request, one trace).
import { context, SpanKind, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { exportersShutAfterEach, exportOnce, TEST_KEY } from '../helpers/exporter.js';
import { recordingTracer } from '../helpers/tracing.js';
import { until } from '../helpers/wait.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
});
afterAll(() => server.close());
const exporterOf = exportersShutAfterEach(() => server);

/** A client span, and the server span (with a child) that the request it made started, its parent remote as after a traceparent header. */
function request() {
  const { tracer, spans } = recordingTracer();
  const client = tracer.startSpan('GET /inner', { kind: SpanKind.CLIENT });
  const remote = trace.setSpanContext(context.active(), { ...client.spanContext(), isRemote: true });
  const serverSpan = tracer.startSpan('GET /inner', { kind: SpanKind.SERVER }, remote);
  tracer.startSpan('handle /inner', {}, trace.setSpan(context.active(), serverSpan)).end();
  serverSpan.end();
  client.end();
  const [handler, server, clientSpan] = spans();
  return { handler: handler!, server: server!, client: clientSpan! };
}

describe("remoteParents: 'auto' (the default)", () => {
  it('a remote parent exported later through the same exporter: one trace', async () => {
    const exporter = exporterOf({});
    const spans = request();
    // As BatchSpanProcessor sends them: the server side first, the client span a round later.
    await exportOnce(exporter, [spans.handler, spans.server]);
    expect(exporter.stats().heldRuns).toBe(2);
    await exportOnce(exporter, [spans.client]);
    const runs = await server.waitForRuns(3);
    const byName = new Map(runs.map((run) => [`${run.name} ${run.extra?.metadata?.['otel.span_kind']}`, run]));
    const client = byName.get('GET /inner CLIENT')!;
    const serverRun = byName.get('GET /inner SERVER')!;
    expect(client.parent_run_id).toBeUndefined();
    expect(serverRun.parent_run_id).toBe(client.id);
    expect(serverRun.extra?.metadata).not.toHaveProperty('otel_langsmith.orphan_reason');
    expect(byName.get('handle /inner INTERNAL')!.parent_run_id).toBe(serverRun.id);
    expect(server.traces()).toHaveLength(1);
    expect(exporter.stats().runsOrphaned).toBe(0);
  });

  it('a remote parent that never comes: a root after remoteParentTimeoutMillis, what waits under it attached, counted', async () => {
    const exporter = exporterOf({ remoteParentTimeoutMillis: 100 });
    const spans = request();
    await exportOnce(exporter, [spans.handler, spans.server]);
    expect(exporter.stats().heldRuns).toBe(2);
    const runs = await server.waitForRuns(2);
    const serverRun = runs.find((run) => run.extra?.metadata?.['otel.span_kind'] === 'SERVER')!;
    expect(serverRun.parent_run_id).toBeUndefined();
    expect(serverRun.extra?.metadata).toMatchObject({ 'otel_langsmith.orphan_reason': 'remote_parent', 'otel.parent_span_id': spans.client.spanContext().spanId });
    expect(runs.find((run) => run.name === 'handle /inner')!.parent_run_id).toBe(serverRun.id);
    await until(() => exporter.stats().runsOrphaned === 1);
    expect(exporter.stats().heldRuns).toBe(0);
  });

  it('waits no longer than orphanTimeoutMillis', async () => {
    const exporter = exporterOf({ remoteParentTimeoutMillis: 60_000, orphanTimeoutMillis: 100 });
    const spans = request();
    await exportOnce(exporter, [spans.server]);
    const [run] = await server.waitForRuns(1);
    expect(run!.extra?.metadata?.['otel_langsmith.orphan_reason']).toBe('parent_timeout');
  });
});
