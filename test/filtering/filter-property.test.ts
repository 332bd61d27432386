import { context, SpanKind, trace, type Attributes, type Span } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIdFromSpanId } from 'otel-langsmith';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { exportOnce, exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { chunked, expectFilteredTrees, filteredForests, keptNodes, nodeOf, spanFilterOf, type FilteredForest, type NodeKind } from '../helpers/filtered-trees.js';
import { recordingTracer } from '../helpers/tracing.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
});
afterAll(() => server.close());

const KIND_OPTIONS: Record<NodeKind, { kind: SpanKind; attributes: Attributes }> = {
  chain: { kind: SpanKind.INTERNAL, attributes: {} },
  llm: { kind: SpanKind.INTERNAL, attributes: { 'langsmith.span.kind': 'llm' } },
  tool: { kind: SpanKind.INTERNAL, attributes: { 'langsmith.span.kind': 'tool' } },
  'http-server': { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/ask' } },
  'http-client': { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'POST', 'url.full': 'http://127.0.0.1/v1/chat' } },
};

/** Real SDK spans named `n{i}`, ended in the drawn order (so also collected in that order). */
function buildSpans({ parents, kinds, endOrder }: FilteredForest): ReadableSpan[] {
  const { tracer, spans } = recordingTracer();
  const live: Span[] = [];
  parents.forEach((p, i) => {
    const ctx = p === undefined ? context.active() : trace.setSpan(context.active(), live[p]!);
    live.push(tracer.startSpan(`n${i}`, KIND_OPTIONS[kinds[i]!], ctx));
  });
  for (const i of endOrder) live[i]!.end();
  return spans();
}

/**
 * How the application hands the calls over: one after another, all at once, or all at once and
 * then shutdown() without waiting for them (an application exiting straight after its last span).
 */
type Pace = 'sequential' | 'concurrent' | 'shutdown-at-once';

describe.each([
  { deliveryThread: 'main' as const, transport: 'runs' as const, numRuns: 40 },
  { deliveryThread: 'main' as const, transport: 'batch' as const, numRuns: 40 },
  { deliveryThread: 'worker' as const, transport: 'runs' as const, numRuns: 15 },
  { deliveryThread: 'worker' as const, transport: 'batch' as const, numRuns: 15 },
])('property: random trees, end orders, export splits and span filters ($deliveryThread thread, $transport)', ({ deliveryThread, transport, numRuns }) => {
  it('delivers every kept span once, parent first, under its nearest kept ancestor, never as an orphan', async () => {
    await fc.assert(
      fc.asyncProperty(filteredForests(24), fc.constantFrom<Pace>('sequential', 'concurrent', 'shutdown-at-once'), async (forest, pace) => {
        server.reset();
        const spans = buildSpans(forest);
        const chunks = chunked(spans, forest.chunkSizes);
        const exporter = exporterFor(server, { deliveryThread, transport, spanFilter: spanFilterOf(forest.filter) });
        try {
          let results: ExportResult[];
          if (pace === 'sequential') {
            results = [];
            for (const chunk of chunks) results.push(await exportOnce(exporter, chunk));
          } else {
            const calls = chunks.map((chunk) => exportOnce(exporter, chunk));
            if (pace === 'shutdown-at-once') await exporter.shutdown();
            results = await Promise.all(calls);
          }
          expect(results.every((r) => r.code === ExportResultCode.SUCCESS)).toBe(true);
          const keptCount = keptNodes(forest).filter(Boolean).length;
          if (pace !== 'shutdown-at-once') {
            // A call's callback is what BatchSpanProcessor's flush waits for: when every call has
            // called back, the runs its spans (kept or dropped) let go have been delivered.
            expect(exporter.stats()).toMatchObject({ heldRuns: 0, queuedRuns: 0, runsOrphaned: 0, runsDelivered: keptCount, spansFiltered: spans.length - keptCount });
            await exporter.shutdown();
          }
          expect(exporter.stats()).toMatchObject({ runsOrphaned: 0, runsDelivered: keptCount });
          expectFilteredTrees(server, forest, (i) => runIdFromSpanId(spans.find((s) => nodeOf(s.name) === i)!.spanContext().spanId));
        } finally {
          // A failed case must not leave its runs arriving during the next one.
          await exporter.shutdown();
        }
      }),
      { numRuns },
    );
  });
});
