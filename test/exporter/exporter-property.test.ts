import { context, trace, type Span } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIdFromSpanId, type RunCreate } from 'otel-langsmith';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { exportOnce, exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { recordingTracer } from '../helpers/tracing.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
});
afterAll(() => server.close());

/** Random forest: node i's parent is some earlier node, or none (a new trace). */
const forest = fc.array(fc.option(fc.nat(), { nil: undefined, freq: 5 }), { minLength: 1, maxLength: 40 }).map((parents) =>
  parents.map((p, i) => (i === 0 || p === undefined ? undefined : p % i)),
);

/** Ends the spans in the given order (any order, children possibly after their parents). */
function buildSpans(parents: Array<number | undefined>, endOrder: number[]): ReadableSpan[] {
  const { tracer, spans } = recordingTracer();
  const live: Span[] = [];
  parents.forEach((p, i) => {
    const ctx = p === undefined ? context.active() : trace.setSpan(context.active(), live[p]!);
    live.push(tracer.startSpan(`n${i}`, {}, ctx));
  });
  for (const i of endOrder) live[i]!.end();
  return spans();
}

// Every mode the exporter can run in: the application thread; the worker mapping spans; the worker
// with a function hook, which keeps mapping on the application thread; batches in the worker.
describe.each([
  { mode: 'main', options: { deliveryThread: 'main' as const }, numRuns: 40 },
  { mode: 'worker, mapping in the worker', options: { deliveryThread: 'worker' as const }, numRuns: 25 },
  { mode: 'worker, mapping on the application thread (transformRun)', options: { deliveryThread: 'worker' as const, transformRun: (run: RunCreate) => run }, numRuns: 15 },
  { mode: 'worker, batches', options: { deliveryThread: 'worker' as const, transport: 'batch' as const }, numRuns: 15 },
])('property: any tree, end order and export split ($mode)', ({ options, numRuns }) => {
  it('delivers every run exactly once, each parent acknowledged before its children', async () => {
    await fc.assert(
      fc.asyncProperty(
        forest.chain((parents) =>
          fc.tuple(
            fc.constant(parents),
            fc.shuffledSubarray([...parents.keys()], { minLength: parents.length, maxLength: parents.length }),
            fc.array(fc.integer({ min: 1, max: 8 }), { minLength: parents.length, maxLength: parents.length }),
            fc.boolean(),
          ),
        ),
        async ([parents, endOrder, chunkSizes, concurrent]) => {
          server.reset();
          const spans = buildSpans(parents, endOrder);
          const chunks: ReadableSpan[][] = [];
          for (let at = 0, k = 0; at < spans.length; k++) {
            chunks.push(spans.slice(at, at + chunkSizes[k]!));
            at += chunkSizes[k]!;
          }
          const exporter = exporterFor(server, options);
          const results = concurrent
            ? await Promise.all(chunks.map((chunk) => exportOnce(exporter, chunk)))
            : await chunks.reduce(async (prev, chunk) => [...(await prev), await exportOnce(exporter, chunk)], Promise.resolve([] as Awaited<ReturnType<typeof exportOnce>>[]));
          expect(results.every((r) => r.code === ExportResultCode.SUCCESS)).toBe(true);
          // Spans end before export, so every parent is in some call: after the calls, all is delivered.
          expect(exporter.stats()).toMatchObject({ heldRuns: 0, queuedRuns: 0, runsOrphaned: 0, runsDelivered: spans.length });
          await exporter.shutdown();

          const stored = server.runs();
          expect(stored).toHaveLength(spans.length);
          expect(new Set(stored.map((r) => r.id)).size).toBe(spans.length);
          const order = new Map(stored.map((r, i) => [r.id, i]));
          for (const span of spans) {
            const id = runIdFromSpanId(span.spanContext().spanId);
            const parentId = span.parentSpanContext ? runIdFromSpanId(span.parentSpanContext.spanId) : undefined;
            expect(server.run(id)!.parent_run_id).toBe(parentId);
            if (parentId) expect(order.get(parentId)!).toBeLessThan(order.get(id)!);
          }
          // No request refused; one POST per run unless batching.
          const posts = server.requests().filter((r) => r.method === 'POST');
          expect(posts.filter((r) => r.status >= 300)).toEqual([]);
          if (!('transport' in options)) expect(posts).toHaveLength(spans.length);
        },
      ),
      { numRuns },
    );
  });
});
