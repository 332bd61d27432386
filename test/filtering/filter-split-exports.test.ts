// Issue #20: with `SpanFilters.withoutHttp`, an LLM call that ends in an earlier export() call than
// the HTTP span around its chain must stay under that chain once the HTTP span is dropped.
import { context, SpanKind, trace, type Span, type Tracer } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { BatchSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanFilters } from 'otel-langsmith';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { exportersShutAfterEach, exportOnce, TEST_KEY } from '../helpers/exporter.js';
import { recordingTracer, tracerWith } from '../helpers/tracing.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
});
afterAll(() => server.close());

const exporterOf = exportersShutAfterEach(() => server);

/** `GET /ask` → `answer` → `chat m`, as a Next.js route calling an LLM produces them. */
function startAsk(tracer: Tracer): [http: Span, answer: Span, llm: Span] {
  const http = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/ask' } });
  const answer = tracer.startSpan('answer', {}, trace.setSpan(context.active(), http));
  const llm = tracer.startSpan('chat m', { attributes: { 'langsmith.span.kind': 'llm' } }, trace.setSpan(context.active(), answer));
  return [http, answer, llm];
}

function expectAnswerTree(): void {
  const runs = server.runs();
  expect(runs.map((run) => run.name)).toEqual(['answer', 'chat m']);
  const [answer, llm] = runs;
  expect(answer!.parent_run_id).toBeUndefined(); // its parent was filtered out: a root, as documented
  expect(answer!.extra?.metadata).not.toHaveProperty('otel_langsmith.orphan_reason');
  expect(llm!.parent_run_id).toBe(answer!.id);
  expect(llm!.extra?.metadata).not.toHaveProperty('otel_langsmith.orphan_reason');
}

describe.each([
  { deliveryThread: 'main' as const, transport: 'runs' as const },
  { deliveryThread: 'main' as const, transport: 'batch' as const },
  { deliveryThread: 'worker' as const, transport: 'runs' as const },
  { deliveryThread: 'worker' as const, transport: 'batch' as const },
])('withoutHttp with the LLM span, its chain and the HTTP span in three export() calls ($deliveryThread thread, $transport)', ({ deliveryThread, transport }) => {
  it('keeps the LLM call under its chain through BatchSpanProcessor and provider shutdown', async () => {
    const exporter = exporterOf({ spanFilter: SpanFilters.withoutHttp, deliveryThread, transport });
    const { provider, tracer } = tracerWith([new BatchSpanProcessor(exporter)]);
    const [http, answer, llm] = startAsk(tracer);
    // Each flush is one export() call: the LLM call outlived a batch interval, and so did its chain.
    llm.end();
    await provider.forceFlush();
    answer.end();
    await provider.forceFlush();
    http.end();
    await provider.shutdown(); // exports the HTTP span, then shuts the exporter down

    expectAnswerTree();
    expect(exporter.stats()).toMatchObject({ runsDelivered: 2, runsOrphaned: 0, spansFiltered: 1 });
  });

  it('answers the call that dropped the HTTP span once the runs it let go are delivered', async () => {
    const exporter = exporterOf({ spanFilter: SpanFilters.withoutHttp, deliveryThread, transport });
    const { tracer, spans } = recordingTracer();
    for (const span of startAsk(tracer).reverse()) span.end();
    const [llm, answer, http] = spans() as [ReadableSpan, ReadableSpan, ReadableSpan];
    for (const span of [llm, answer, http]) expect((await exportOnce(exporter, [span])).code).toBe(ExportResultCode.SUCCESS);
    // BatchSpanProcessor's flush waits for exactly this: the callbacks.
    expect(exporter.stats()).toMatchObject({ heldRuns: 0, queuedRuns: 0, runsDelivered: 2, runsOrphaned: 0 });
    await exporter.shutdown();
    expectAnswerTree();
  });
});
