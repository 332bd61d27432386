import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runIdFromSpanId } from 'otel-langsmith';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { captureDiag, exportOnce, exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { childOf, recordingTracer, tracerWith } from '../helpers/tracing.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
});
afterEach(() => server.reset());
afterAll(() => server.close());

/** Three real spans: root → child → grandchild, ended innermost first. */
function nestedTrace() {
  const { tracer, spans } = recordingTracer();
  const root = tracer.startSpan('root', { attributes: { 'langsmith.span.tags': 'demo' } });
  const child = childOf(tracer, root, 'child');
  const grandchild = childOf(tracer, child, 'grandchild');
  grandchild.addEvent('thinking', { step: 1 });
  grandchild.end();
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'child failed' });
  child.end();
  root.end();
  const [g, c, r] = spans();
  return { root: r!, child: c!, grandchild: g! };
}

function postedBodies() {
  return server.requests().filter((r) => r.method === 'POST' && r.path === '/runs').map((r) => r.body as Record<string, unknown>);
}

describe('exporter against the strict local server', () => {
  it('delivers a nested trace through BatchSpanProcessor, field by field, one POST per run and no PATCH', async () => {
    const exporter = exporterFor(server);
    const { provider, tracer } = tracerWith([new BatchSpanProcessor(exporter)]);
    const root = tracer.startSpan('pipeline', { attributes: { 'input.question': 'why?' } });
    const child = tracer.startSpan('retrieve', {}, trace.setSpan(context.active(), root));
    child.addEvent('cache miss', { key: 'k1' });
    child.end();
    root.end();
    await provider.forceFlush();

    const runs = server.runs();
    expect(runs.map((r) => r.name)).toEqual(['pipeline', 'retrieve']);
    const [rootRun, childRun] = runs;
    expect(rootRun).toMatchObject({
      id: runIdFromSpanId(root.spanContext().spanId),
      run_type: 'chain',
      inputs: {},
      outputs: {},
      session_name: 'tests',
      tags: [],
      extra: { metadata: { 'input.question': 'why?', 'otel.trace_id': root.spanContext().traceId } },
    });
    expect(childRun!.parent_run_id).toBe(rootRun!.id);
    expect(childRun!.trace_id).toBe(rootRun!.id); // derived by the server from the parent
    expect(childRun!.dotted_order.startsWith(`${rootRun!.dotted_order}.`)).toBe(true);
    expect(childRun!.events).toEqual([{ name: 'cache miss', time: expect.stringMatching(/Z$/), kwargs: { key: 'k1' } }]);

    const bodies = postedBodies();
    expect(bodies).toHaveLength(2);
    for (const body of bodies) {
      expect(body).not.toHaveProperty('dotted_order');
      expect(body).not.toHaveProperty('trace_id');
      expect(body).toHaveProperty('end_time');
    }
    expect(server.requests().filter((r) => r.method !== 'POST')).toEqual([]);
    await provider.shutdown();
  });

  it('holds children that come in an earlier export() call until their parent is acknowledged', async () => {
    const exporter = exporterFor(server);
    const { root, child, grandchild } = nestedTrace();
    const first = await exportOnce(exporter, [grandchild, child]);
    expect(first.code).toBe(ExportResultCode.SUCCESS);
    expect(server.runs()).toHaveLength(0);
    expect(exporter.stats().heldRuns).toBe(2);

    const second = await exportOnce(exporter, [root]);
    // The call that brought the parent waited for the children it released.
    expect(second.code).toBe(ExportResultCode.SUCCESS);
    expect(server.runs().map((r) => r.name)).toEqual(['root', 'child', 'grandchild']);
    const child_ = server.runs()[1]!;
    expect(child_.error).toBe('child failed');
    expect(child_).not.toHaveProperty('outputs');
    expect(exporter.stats()).toMatchObject({ runsDelivered: 3, heldRuns: 0, runsOrphaned: 0 });
    await exporter.shutdown();
  });

  it('gives the same runs when the trace is split over concurrent export() calls', async () => {
    const exporter = exporterFor(server);
    const { root, child, grandchild } = nestedTrace();
    const results = await Promise.all([exportOnce(exporter, [grandchild]), exportOnce(exporter, [root]), exportOnce(exporter, [child])]);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    await exporter.forceFlush();
    expect(server.runs().map((r) => r.name)).toEqual(['root', 'child', 'grandchild']);
    await exporter.shutdown();
  });

  it('clamps a child that starts before its parent, keeping the original start in metadata', async () => {
    const exporter = exporterFor(server);
    const { tracer, spans } = recordingTracer();
    const now = Date.now();
    const parent = tracer.startSpan('parent', { startTime: now });
    const child = tracer.startSpan('early child', { startTime: now - 3 }, trace.setSpan(context.active(), parent));
    child.end(now + 1);
    parent.end(now + 2);
    const result = await exportOnce(exporter, spans());
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    const [p, c] = server.runs();
    expect(c!.start_time).toBe(p!.start_time);
    expect(c!.extra?.metadata?.['otel_langsmith.original_start_time']).toBe(new Date(now - 3).toISOString().replace('Z', '000Z'));
    expect(exporter.stats().runsClamped).toBe(1);
    await exporter.shutdown();
  });

  it('sends a span with a remote parent as a root at once with remoteParents: root, and holds it with remoteParents: wait', async () => {
    const { tracer, spans } = recordingTracer();
    const remote = trace.setSpanContext(context.active(), { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true });
    tracer.startSpan('server span', {}, remote).end();
    const rootByDefault = exporterFor(server, { remoteParents: 'root' });
    await exportOnce(rootByDefault, spans());
    expect(server.runs()).toHaveLength(1);
    expect(server.runs()[0]!.parent_run_id).toBeUndefined();
    expect(server.runs()[0]!.extra?.metadata).toMatchObject({ 'otel_langsmith.orphan_reason': 'remote_parent', 'otel.parent_span_id': 'b7ad6b7169203331' });
    await rootByDefault.shutdown();

    server.reset();
    const waiting = exporterFor(server, { remoteParents: 'wait' });
    await exportOnce(waiting, spans());
    expect(server.runs()).toHaveLength(0);
    expect(waiting.stats().heldRuns).toBe(1);
    await waiting.shutdown();
    expect(server.runs()[0]!.extra?.metadata?.['otel_langsmith.orphan_reason']).toBe('shutdown');
  });
});

describe('a parent that fails for now, with remoteParents: wait (the bridge)', () => {
  it('keeps its children waiting, and attaches them when the parent is sent again', async () => {
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server, { remoteParents: 'wait', retry: { maxAttempts: 1 } });
      const { root, child } = nestedTrace();
      server.faults.inject({ status: 503, match: (r) => (r.body as { name?: string })?.name === 'root' });
      const first = await exportOnce(exporter, [child, root]);
      expect(first.code).toBe(ExportResultCode.FAILED);
      expect(server.runs()).toHaveLength(0);
      expect(exporter.stats()).toMatchObject({ heldRuns: 1, runsOrphaned: 0 });
      const resent = await exportOnce(exporter, [root]); // what the Collector does after a 503
      expect(resent.code).toBe(ExportResultCode.SUCCESS);
      expect(server.runs().map((r) => [r.name, r.parent_run_id === undefined])).toEqual([
        ['root', true],
        ['child', false],
      ]);
      await exporter.shutdown();
    } finally {
      diagLines.restore();
    }
  });
});

describe('orphans are never silently lost', () => {
  it('sends a child whose parent never comes as a root after orphanTimeoutMillis', async () => {
    const exporter = exporterFor(server, { orphanTimeoutMillis: 50 });
    const { child } = nestedTrace();
    await exportOnce(exporter, [child]);
    const [run] = await server.waitForRuns(1, 5000);
    expect(run!.parent_run_id).toBeUndefined();
    expect(run!.extra?.metadata).toMatchObject({
      'otel_langsmith.orphan_reason': 'parent_timeout',
      'otel.parent_span_id': expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(exporter.stats().runsOrphaned).toBe(1);
    await exporter.shutdown();
  });

  it('sends the oldest held runs as roots when the hold buffer is full', async () => {
    const exporter = exporterFor(server, { maxHeldRuns: 1 });
    const a = nestedTrace();
    const b = nestedTrace();
    await exportOnce(exporter, [a.grandchild, b.grandchild]);
    await exporter.forceFlush();
    expect(server.runs().map((r) => [r.name, r.extra?.metadata?.['otel_langsmith.orphan_reason']])).toEqual([['grandchild', 'buffer_full']]);
    expect(exporter.stats().heldRuns).toBe(1);
    await exporter.shutdown();
  });

  it('sends what is still held at shutdown as a root, its held descendants under it, and is idempotent', async () => {
    const exporter = exporterFor(server);
    const { child, grandchild } = nestedTrace();
    await exportOnce(exporter, [grandchild, child]);
    const first = exporter.shutdown();
    expect(exporter.shutdown()).toBe(first);
    await first;
    // The child's parent never came: it goes as a root. The grandchild's parent is the child,
    // which is delivered, so the grandchild follows it rather than being cut out of the tree.
    const runs = server.runs();
    expect(runs.map((r) => [r.name, r.extra?.metadata?.['otel_langsmith.orphan_reason']])).toEqual([
      ['child', 'shutdown'],
      ['grandchild', undefined],
    ]);
    expect(runs[1]!.parent_run_id).toBe(runs[0]!.id);
  });

  it('orphans the children of a parent the server rejects', async () => {
    const exporter = exporterFor(server);
    const { root, child } = nestedTrace();
    server.faults.inject({ status: 422, match: (r) => (r.body as { name?: string })?.name === 'root' });
    await exportOnce(exporter, [child]);
    const result = await exportOnce(exporter, [root]);
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(server.runs().map((r) => [r.name, r.extra?.metadata?.['otel_langsmith.orphan_reason']])).toEqual([['child', 'parent_failed']]);
    await exporter.shutdown();
  });
});

describe('lifecycle', () => {
  it('fails export() fast after shutdown', async () => {
    const exporter = exporterFor(server);
    await exporter.shutdown();
    const { root } = nestedTrace();
    const result = await exportOnce(exporter, [root]);
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error?.message).toMatch(/shut down/);
    expect(server.requests()).toHaveLength(0);
  });

  it('bounds shutdown when the server is down, and reports the runs it could not deliver', async () => {
    const down = await startLocalServer({ apiKey: TEST_KEY });
    const url = down.url;
    await down.close();
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server, { endpoint: url, shutdownTimeoutMillis: 300, retry: { maxElapsedMillis: 60_000, maxAttempts: 1000 } });
      const { root } = nestedTrace();
      exporter.export([root], () => undefined);
      const started = Date.now();
      await exporter.shutdown();
      expect(Date.now() - started).toBeLessThan(5000);
      expect(exporter.stats()).toMatchObject({ runsFailed: 1, runsDelivered: 0, queuedRuns: 0, inFlightRequests: 0 });
      expect(diagLines.text()).toMatch(/not delivered: shutdown deadline/);
    } finally {
      diagLines.restore();
    }
  });

  it('fails a backlog queued behind a down server within the retry budget, each run tried at least once', async () => {
    const down = await startLocalServer({ apiKey: TEST_KEY });
    const url = down.url;
    await down.close();
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server, { endpoint: url, maxConcurrentRequests: 2, retry: { maxElapsedMillis: 300, maxAttempts: 1000 } });
      const spans = Array.from({ length: 40 }, () => nestedTrace().root);
      const started = Date.now();
      const result = await exportOnce(exporter, spans);
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect(Date.now() - started).toBeLessThan(5000); // 40 runs × their own 300 ms budgets, serially, would be 6 s
      expect(exporter.stats()).toMatchObject({ runsFailed: 40, runsDelivered: 0 });
      await exporter.shutdown();
    } finally {
      diagLines.restore();
    }
  });

  it('keeps a throwing result callback away from its timers and sockets', async () => {
    const diagLines = captureDiag();
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const exporter = exporterFor(server);
      await new Promise<void>((resolve) =>
        exporter.export([nestedTrace().root], () => {
          resolve();
          throw new Error('callback bug');
        }),
      );
      await new Promise((r) => setTimeout(r, 20));
      expect(uncaught).toEqual([]);
      expect(diagLines.text()).toMatch(/result callback threw.*callback bug/s);
      await exporter.shutdown();
    } finally {
      process.off('uncaughtException', onUncaught);
      diagLines.restore();
    }
  });

  it('reports a rejected key once, with its fix, and never writes the key anywhere', async () => {
    const diagLines = captureDiag();
    const secret = 'lsv2_pt_supersecret_value_123';
    try {
      const exporter = exporterFor(server, { apiKey: secret });
      const a = nestedTrace();
      const b = nestedTrace();
      const result = await exportOnce(exporter, [a.root, b.root]);
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect(result.error?.message).toMatch(/rejected with HTTP 401/);
      expect(result.error?.message).not.toContain(secret);
      const errors = diagLines.lines.filter((l) => l.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]!.text).toMatch(/refused the API key \(HTTP 401\).*Check the key from option/);
      expect(diagLines.text()).not.toContain(secret);
      expect(JSON.stringify(exporter.stats())).not.toContain(secret);
      expect(JSON.stringify(server.requests())).not.toContain(secret);
      await exporter.shutdown();
    } finally {
      diagLines.restore();
    }
  });

  it('says once what to fix when no key is configured', async () => {
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server, { apiKey: undefined, env: {} });
      expect(diagLines.lines.filter((l) => l.level === 'error').map((l) => l.text)).toEqual([
        expect.stringMatching(/no LangSmith API key\. Set LANGSMITH_API_KEY or pass \{ apiKey \}/),
      ]);
      await exporter.shutdown();
    } finally {
      diagLines.restore();
    }
  });

  it('sends the workspace id as x-tenant-id', async () => {
    const exporter = exporterFor(server, { workspaceId: 'ws-42' });
    await exportOnce(exporter, [nestedTrace().root]);
    expect(server.requests()[0]!.tenantId).toBe('ws-42');
    await exporter.shutdown();
  });
});

describe('debug mode', () => {
  it('logs method, path, status and latency of each request at debug level, never the key or the body', async () => {
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server, { debug: true });
      server.faults.inject({ status: 503 });
      const { tracer, spans } = recordingTracer();
      tracer.startSpan('debugged', { attributes: { prompt: 'private words' } }).end();
      await exportOnce(exporter, spans());
      const debug = diagLines.lines.filter((l) => l.level === 'debug' && l.text.startsWith('otel-langsmith')).map((l) => l.text);
      expect(debug).toEqual([
        expect.stringMatching(/^otel-langsmith: POST \/runs 503 \d+\.\d ms \(\d+ bytes\)$/),
        expect.stringMatching(/^otel-langsmith: POST \/runs 200 \d+\.\d ms/),
      ]);
      expect(diagLines.text()).not.toContain(TEST_KEY);
      expect(diagLines.text()).not.toContain('private words');
      await exporter.shutdown();
    } finally {
      diagLines.restore();
    }
  });

  it('is off by default', async () => {
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server);
      await exportOnce(exporter, [nestedTrace().root]);
      expect(diagLines.lines.filter((l) => l.level === 'debug' && l.text.startsWith('otel-langsmith'))).toEqual([]);
      await exporter.shutdown();
    } finally {
      diagLines.restore();
    }
  });
});

describe('the send queue bound', () => {
  it('refuses new runs past maxQueuedRuns, but never children released by their parent', async () => {
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server, { maxQueuedRuns: 5, maxConcurrentRequests: 1 });
      const { tracer, spans } = recordingTracer();
      const root = tracer.startSpan('root');
      for (let i = 0; i < 20; i++) childOf(tracer, root, `child ${i}`).end();
      root.end();
      const result = await exportOnce(exporter, spans()); // 20 children held, then the root releases them all at once
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expect(server.runs()).toHaveLength(21);

      server.reset();
      const many = recordingTracer();
      for (let i = 0; i < 20; i++) many.tracer.startSpan(`root ${i}`).end();
      const flood = await exportOnce(exporter, many.spans());
      expect(flood.code).toBe(ExportResultCode.FAILED);
      expect(flood.error?.message).toMatch(/send queue full \(5 runs\)/);
      expect(exporter.stats().runsFailed).toBeGreaterThan(0);
      await exporter.shutdown();
    } finally {
      diagLines.restore();
    }
  });
});

describe('export() on the application thread', () => {
  it('maps a large batch in slices, yielding to the event loop between them, and still delivers all', async () => {
    const exporter = exporterFor(server, { maxConcurrentRequests: 32 });
    const { tracer, spans } = recordingTracer();
    for (let i = 0; i < 1000; i++) tracer.startSpan(`op ${i}`).end();
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    let returned = false;
    const done = new Promise((resolve) => {
      exporter.export(spans(), resolve);
      returned = true;
    });
    expect(returned).toBe(true);
    expect(exporter.stats().spansReceived).toBeLessThan(1000); // the rest is mapped on later turns
    expect((await done as { code: number }).code).toBe(ExportResultCode.SUCCESS);
    clearInterval(ticker);
    expect(turns).toBeGreaterThan(0);
    expect(server.runs()).toHaveLength(1000);
    await exporter.shutdown();
  });

  it('ends a slice after a couple of milliseconds when spans are expensive, not after a fixed count', async () => {
    const busy = (millis: number) => {
      const until = performance.now() + millis;
      while (performance.now() < until); // a span that costs 1 ms to prepare (e.g. huge messages)
    };
    let transformed = 0;
    const exporter = exporterFor(server, {
      transformRun: (run) => {
        transformed++;
        busy(1);
        return run;
      },
    });
    const { tracer, spans } = recordingTracer();
    for (let i = 0; i < 200; i++) tracer.startSpan(`slow ${i}`).end();
    const done = new Promise((resolve) => exporter.export(spans(), resolve));
    // Synchronously: the first slice stopped at its first time check (8 spans), not at 128.
    expect(transformed).toBeGreaterThan(0);
    expect(transformed).toBeLessThanOrEqual(16);
    expect((await done as { code: number }).code).toBe(ExportResultCode.SUCCESS);
    expect(transformed).toBe(200);
    expect(server.runs()).toHaveLength(200);
    await exporter.shutdown();
  });

  it('shutdown during slicing waits for the mapping, so nothing is left behind', async () => {
    const exporter = exporterFor(server);
    const { tracer, spans } = recordingTracer();
    for (let i = 0; i < 600; i++) tracer.startSpan(`op ${i}`).end();
    exporter.export(spans(), () => undefined);
    await exporter.shutdown();
    expect(server.runs()).toHaveLength(600);
  });
});

describe('process hygiene', () => {
  it('emits no Node warning (listener leak) with many requests in flight', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const exporter = exporterFor(server, { maxConcurrentRequests: 32 });
      server.faults.inject({ delayMs: 50, times: 40 });
      const { tracer, spans } = recordingTracer();
      for (let i = 0; i < 100; i++) tracer.startSpan(`op ${i}`).end();
      await exportOnce(exporter, spans());
      await exporter.shutdown();
      await new Promise((r) => setImmediate(r));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
