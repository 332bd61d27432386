// The official OTel JS OTLP/HTTP exporters (JSON and protobuf, with and without gzip), behind real
// tracer providers, sending to the bridge, which delivers to the strict local LangSmith server.
import { context, SpanKind, trace, type Context } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mapSpan } from 'otel-langsmith';
import { officialExporter, recordNestedTrace, runIdOf, sentPart, startStack, type Stack } from '../helpers/bridge-harness.js';

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(() => stack.close());

/** A provider exporting through the official exporter to the bridge, and keeping its spans in memory too. */
function providerFor(format: 'json' | 'protobuf', compression: 'gzip' | 'none', service: string, extra = {}) {
  const memory = new InMemorySpanExporter();
  const exporter = officialExporter(format, stack.traces, compression, extra);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(memory), new BatchSpanProcessor(exporter, { scheduledDelayMillis: 60_000 })],
  });
  return { provider, memory, tracer: provider.getTracer('bridge-test-scope', '4.5.6') };
}


describe.each([
  ['json', 'none'],
  ['json', 'gzip'],
  ['protobuf', 'none'],
  ['protobuf', 'gzip'],
] as const)('the official %s exporter (compression %s)', (format, compression) => {
  it('delivers a nested trace: every field as a direct export would send it, exactly once, parents first', async () => {
    const { provider, memory, tracer } = providerFor(format, compression, 'checkout');
    recordNestedTrace(tracer);
    await provider.forceFlush(); // resolves once the bridge answered, i.e. once delivered

    const spans = memory.getFinishedSpans();
    const byName = (name: string): ReadableSpan => spans.find((s) => s.name === name)!;
    const runs = stack.server.runs();
    expect(runs.map((r) => r.name).sort()).toEqual(['answer question', 'embed query', 'lookup forecast', 'retrieve documents']);

    // Field by field, the run equals what mapSpan makes of the original span in the sending process.
    for (const span of spans) {
      const stored = stack.server.run(runIdOf(span.spanContext().spanId));
      expect(stored, span.name).toBeDefined();
      expect(sentPart(stored!)).toEqual(JSON.parse(JSON.stringify(mapSpan(span, { projectName: 'bridge-tests' }).run)));
    }

    // The same, spelled out for the fields that matter most.
    const root = stack.server.run(runIdOf(byName('answer question').spanContext().spanId))!;
    const retrieve = stack.server.run(runIdOf(byName('retrieve documents').spanContext().spanId))!;
    const embed = stack.server.run(runIdOf(byName('embed query').spanContext().spanId))!;
    const tool = stack.server.run(runIdOf(byName('lookup forecast').spanContext().spanId))!;
    expect(root.parent_run_id).toBeUndefined();
    expect(retrieve.parent_run_id).toBe(root.id);
    expect(embed.parent_run_id).toBe(retrieve.id);
    expect(tool.parent_run_id).toBe(root.id);
    expect(new Set(runs.map((r) => r.trace_id))).toEqual(new Set([root.id]));
    expect(retrieve.run_type).toBe('retriever');
    expect(tool.run_type).toBe('tool');
    expect(root.extra?.metadata).toMatchObject({
      'app.user': 'u-1',
      'app.attempt': 3,
      'app.score': 0.75,
      'app.cached': false,
      'app.tags': ['a', 'b'],
      'app.ids': [1, 2, 3],
      'otel.span_kind': 'SERVER',
      'otel.trace_id': byName('answer question').spanContext().traceId,
    });
    expect(root.extra?.runtime).toMatchObject({
      'service.name': 'checkout',
      'deployment.environment': 'test',
      'otel.scope.name': 'bridge-test-scope',
      'otel.scope.version': '4.5.6',
    });
    expect(embed.events).toEqual([{ name: 'cache miss', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/), kwargs: { 'cache.key': 'q:1', 'cache.size': 12 } }]);
    expect(tool.error).toContain('TypeError: forecast service unavailable');
    expect(tool.outputs).toBeUndefined();
    expect(tool.extra?.metadata).toMatchObject({ 'otel.status_code': 'ERROR', 'otel.status_description': 'upstream down' });

    // Exactly once, parents acknowledged before their children were sent.
    const posts = stack.server.requests().filter((r) => r.method === 'POST' && r.path === '/runs');
    expect(posts.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const order = runs.map((r) => r.name);
    expect(order.indexOf('answer question')).toBeLessThan(order.indexOf('retrieve documents'));
    expect(order.indexOf('retrieve documents')).toBeLessThan(order.indexOf('embed query'));
    expect(order.indexOf('answer question')).toBeLessThan(order.indexOf('lookup forecast'));
    expect(stack.bridge.stats()).toMatchObject({ requests: 1, spansReceived: 4, spansRejected: 0, unavailable: 0 });
    await provider.shutdown();
  });
});

it('assembles one tree from two services whose spans arrive in separate requests, the child service first', async () => {
  const propagator = new W3CTraceContextPropagator();
  const frontend = providerFor('protobuf', 'gzip', 'frontend');
  const backend = providerFor('json', 'none', 'backend');

  // The frontend starts the trace and calls the backend with a traceparent header.
  const request = frontend.tracer.startSpan('GET /checkout', { kind: SpanKind.SERVER });
  const headers: Record<string, string> = {};
  propagator.inject(trace.setSpan(context.active(), request), headers, defaultSetter);
  expect(headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

  // The backend continues it from the header alone.
  const remote: Context = propagator.extract(context.active(), headers, defaultGetter);
  const handler = backend.tracer.startSpan('POST /charge', { kind: SpanKind.SERVER }, remote);
  const query = backend.tracer.startSpan('INSERT charges', { kind: SpanKind.CLIENT }, trace.setSpan(remote, handler));
  query.end();
  handler.end();
  request.end();

  await backend.provider.forceFlush(); // the child service's spans reach the bridge first
  expect(stack.server.runs()).toEqual([]);
  expect(stack.bridge.stats().exporter.heldRuns).toBe(2);

  await frontend.provider.forceFlush();
  const root = stack.server.run(runIdOf(request.spanContext().spanId))!;
  const handlerRun = stack.server.run(runIdOf(handler.spanContext().spanId))!;
  const queryRun = stack.server.run(runIdOf(query.spanContext().spanId))!;
  expect(stack.server.runs().map((r) => r.name)).toEqual(['GET /checkout', 'POST /charge', 'INSERT charges']);
  expect(handlerRun.parent_run_id).toBe(root.id);
  expect(queryRun.parent_run_id).toBe(handlerRun.id);
  expect([root, handlerRun, queryRun].map((r) => r.trace_id)).toEqual([root.id, root.id, root.id]);
  expect(handlerRun.extra?.metadata).not.toHaveProperty('otel_langsmith.orphan_reason');
  expect([root, handlerRun, queryRun].map((r) => r.extra?.runtime?.['service.name'])).toEqual(['frontend', 'backend', 'backend']);
  expect(stack.server.formatTree(root.id).split('\n').map((line) => line.replace(/ \[.*$/, ''))).toEqual([
    'GET /checkout',
    '  POST /charge',
    '    INSERT charges',
  ]);
  await frontend.provider.shutdown();
  await backend.provider.shutdown();
});

it('answers 503 when LangSmith fails for now, and the official exporter’s own retry then delivers', async () => {
  await stack.close();
  stack = await startStack({ retry: { maxAttempts: 1 }, retryAfterSeconds: 1 });
  stack.server.faults.inject({ status: 503, match: (req) => (req.body as { name?: string }).name === 'charge card' });
  const { provider, tracer } = providerFor('json', 'gzip', 'payments');
  const parent = tracer.startSpan('checkout');
  tracer.startSpan('charge card', {}, trace.setSpan(context.active(), parent)).end();
  parent.end();
  await provider.forceFlush();

  expect(stack.bridge.stats()).toMatchObject({ requests: 2, unavailable: 1 });
  const runs = stack.server.runs();
  expect(runs.map((r) => r.name)).toEqual(['checkout', 'charge card']);
  expect(runs[1]!.parent_run_id).toBe(runs[0]!.id);
  // The resend carried the parent again: LangSmith's 409 counts as delivered, so it is stored once.
  const attempts = stack.server.requests().filter((r) => r.path === '/runs').map((r) => `${(r.body as { name: string }).name} ${r.status}`);
  expect(attempts.slice(0, 2)).toEqual(['checkout 200', 'charge card 503']);
  expect(attempts.slice(2).sort()).toEqual(['charge card 200', 'checkout 409']);
  await provider.shutdown();
});

const defaultSetter = { set: (carrier: Record<string, string>, key: string, value: string) => void (carrier[key] = value) };
const defaultGetter = {
  get: (carrier: Record<string, string>, key: string) => carrier[key],
  keys: (carrier: Record<string, string>) => Object.keys(carrier),
};
