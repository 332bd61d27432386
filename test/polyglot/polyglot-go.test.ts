// The Go example (OpenTelemetry Go SDK, OTLP/HTTP protobuf + gzip) through the bridge to the strict
// local LangSmith server: its own traces, and traces that a Node.js process starts and hands to it
// across the process boundary, once through a TRACEPARENT env var (`weather run`) and once through
// the traceparent header (`weather serve`). Real processes, 127.0.0.1 only.
// Needs .ci/setup-polyglot.sh (the Go binary): skips with the reason otherwise.
import { context, SpanKind, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { officialExporter, startStack, type Stack } from '../helpers/bridge-harness.js';
import { childEnv, findRun, flatten, runToEnd, shape, startService, treesOfOtelTrace, printedTraceIds } from '../helpers/polyglot-harness.js';
import { findGoExample, requireTools } from '../helpers/polyglot-tools.js';

const tools = requireTools('polyglot-go.test.ts', { go: findGoExample() });

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(() => stack.close());

function exportingTo(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return childEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: stack.bridge.url, OTEL_BSP_SCHEDULE_DELAY: '100', ...extra });
}

const SUMMARY_TREE = {
  name: 'summarize ticket',
  children: [
    { name: 'load ticket', children: [] },
    { name: 'chat gpt-4o-mini', children: [] },
  ],
};

describe.runIf(tools)('the Go example (OTel Go SDK) through the bridge', () => {
  it('delivers one tree per trace: parents, resource, scope, event, the gen_ai span as an llm run', async () => {
    const done = await runToEnd(tools!.go, ['run', '-traces', '3'], exportingTo({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test' }));
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    const traceIds = printedTraceIds(done.stdout);
    expect(traceIds).toHaveLength(3);
    await stack.server.waitForRuns(9);
    expect(stack.server.runs()).toHaveLength(9);

    for (const [index, traceId] of traceIds.entries()) {
      const trees = treesOfOtelTrace(stack.server, traceId);
      expect(trees).toHaveLength(1);
      const tree = trees[0]!;
      expect(shape(tree)).toEqual(SUMMARY_TREE);
      const runs = flatten(tree);
      expect(new Set(runs.map((run) => run.trace_id))).toEqual(new Set([tree.run.id]));
      for (const run of runs) {
        expect(run.extra?.runtime).toMatchObject({
          'service.name': 'ticket-summarizer-go',
          'telemetry.sdk.language': 'go',
          'telemetry.sdk.name': 'opentelemetry',
          'deployment.environment.name': 'test',
          'otel.scope.name': 'otel-langsmith/examples/polyglot/go',
          'otel.scope.version': '1.0.0',
        });
      }
      expect(tree.run.parent_run_id).toBeUndefined();
      expect(tree.run.extra?.metadata).toMatchObject({ 'ticket.number': 1000 + index, example: 'polyglot-go', 'otel.span_kind': 'INTERNAL' });
      const load = findRun(tree, 'load ticket')!;
      expect(load.parent_run_id).toBe(tree.run.id);
      expect(load.events).toEqual([expect.objectContaining({ name: 'cache miss', kwargs: { 'cache.key': `ticket:${1000 + index}` } })]);
      const llm = findRun(tree, 'chat gpt-4o-mini')!;
      expect(llm.parent_run_id).toBe(tree.run.id);
      expect(llm.run_type).toBe('llm');
      expect(llm.inputs).toEqual({ messages: [{ role: 'user', content: `Summarize ticket ${1000 + index}: the printer is on fire.` }] });
      expect(llm.outputs).toEqual({
        choices: [{ index: 0, message: { role: 'assistant', content: 'A printer caught fire; needs a technician.' }, finish_reason: 'stop' }],
        usage_metadata: { input_tokens: 21, output_tokens: 11, total_tokens: 32 },
      });
      expect(llm.extra?.metadata).toMatchObject({ ls_provider: 'openai', ls_model_name: 'gpt-4o-mini-2024-07-18', ls_temperature: 0.2, ls_max_tokens: 64, 'otel.span_kind': 'CLIENT' });
    }
  });

  it('continues a Node.js trace across the process boundary: TRACEPARENT env var and traceparent header', async () => {
    // The Node.js side: the official OTLP proto exporter, to the same bridge.
    const provider = new BasicTracerProvider({
      resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'dispatcher-node' })), // telemetry.sdk.* included
      spanProcessors: [new BatchSpanProcessor(officialExporter('protobuf', stack.traces, 'gzip'), { scheduledDelayMillis: 60_000 })],
    });
    const tracer = provider.getTracer('dispatcher');
    const propagator = new W3CTraceContextPropagator();
    const headersOf = (ctx: ReturnType<typeof context.active>): Record<string, string> => {
      const carrier: Record<string, string> = {};
      propagator.inject(ctx, carrier, { set: (c, k, v) => (c[k] = v) });
      return carrier;
    };

    const root = tracer.startSpan('dispatch ticket', { kind: SpanKind.SERVER });
    const rootContext = trace.setSpan(context.active(), root);
    const rootTraceId = root.spanContext().traceId;

    // 1. A child process, with the parent's context in TRACEPARENT.
    const spawnSpan = tracer.startSpan('spawn summarizer', {}, rootContext);
    const env = headersOf(trace.setSpan(rootContext, spawnSpan));
    const done = await runToEnd(tools!.go, ['run'], exportingTo({ TRACEPARENT: env.traceparent! }));
    spawnSpan.end();
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(printedTraceIds(done.stdout)).toEqual([rootTraceId]);

    // 2. An HTTP service, with the parent's context in the traceparent header.
    const go = await startService(tools!.go, ['serve'], exportingTo(), /^listening (http:\/\/127\.0\.0\.1:\d+)$/m);
    let goExit: number | null;
    try {
      const call = tracer.startSpan('call weather', { kind: SpanKind.CLIENT }, rootContext);
      const response = await fetch(`${go.match[1]}/weather`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headersOf(trace.setSpan(rootContext, call)) },
        body: JSON.stringify({ city: 'Paris' }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ city: 'Paris', forecast: 'rain, 14°C', trace_id: rootTraceId });
      call.end();
    } finally {
      goExit = await go.stop();
    }
    expect(goExit, go.output()).toBe(0);
    root.end();
    await provider.forceFlush();
    await provider.shutdown();

    // Go's spans came first and waited in the bridge for their Node.js parents.
    await stack.server.waitForRuns(9);
    const trees = treesOfOtelTrace(stack.server, rootTraceId);
    expect(trees).toHaveLength(1);
    expect(stack.server.traces()).toHaveLength(1);
    const tree = trees[0]!;
    expect(shape(tree)).toEqual({
      name: 'dispatch ticket',
      children: [
        { name: 'spawn summarizer', children: [SUMMARY_TREE] },
        { name: 'call weather', children: [{ name: 'POST /weather', children: [{ name: 'get_weather', children: [{ name: 'chat gpt-4o-mini', children: [] }] }] }] },
      ],
    });
    const runs = flatten(tree);
    expect(runs).toHaveLength(9);
    expect(new Set(runs.map((run) => run.trace_id))).toEqual(new Set([tree.run.id]));
    expect(findRun(tree, 'summarize ticket')!.parent_run_id).toBe(findRun(tree, 'spawn summarizer')!.id);
    expect(findRun(tree, 'POST /weather')!.parent_run_id).toBe(findRun(tree, 'call weather')!.id);
    expect(runs.map((run) => `${run.name}: ${run.extra?.runtime?.['service.name']}/${run.extra?.runtime?.['telemetry.sdk.language']}`)).toEqual([
      'dispatch ticket: dispatcher-node/nodejs',
      'spawn summarizer: dispatcher-node/nodejs',
      'summarize ticket: ticket-summarizer-go/go',
      'load ticket: ticket-summarizer-go/go',
      'chat gpt-4o-mini: ticket-summarizer-go/go',
      'call weather: dispatcher-node/nodejs',
      'POST /weather: weather-go/go',
      'get_weather: weather-go/go',
      'chat gpt-4o-mini: weather-go/go',
    ]);
  });

  it('refuses a malformed TRACEPARENT instead of starting an unrelated trace', async () => {
    const done = await runToEnd(tools!.go, ['run'], exportingTo({ TRACEPARENT: '00-not-a-trace-01' }));
    expect(done.code).toBe(1);
    expect(done.stderr).toMatch(/not a valid W3C traceparent/);
    expect(stack.server.runs()).toHaveLength(0);
  });
});
