import { context, trace, type Span } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runIdFromSpanId } from 'otel-langsmith';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { dottedSegment } from '../../src/ordering/dotted-order.js';
import { captureDiag, exportOnce, exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { recordingTracer } from '../helpers/tracing.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY, maxBatchRuns: 7 });
});
afterEach(() => server.reset());
afterAll(() => server.close());

function forest(parents: Array<number | undefined>, endOrder: number[], startSkewMillis = 0): ReadableSpan[] {
  const { tracer, spans } = recordingTracer();
  const live: Span[] = [];
  const now = Date.now();
  parents.forEach((p, i) => {
    const ctx = p === undefined ? context.active() : trace.setSpan(context.active(), live[p]!);
    // Children may start a little before their parent (clock skew): batch mode must clamp too.
    live.push(tracer.startSpan(`n${i}`, { startTime: now + i - (p === undefined ? 0 : startSkewMillis) }, ctx));
  });
  for (const i of endOrder) live[i]!.end(now + 1000);
  return spans();
}

const batchRequests = () => server.requests().filter((r) => r.path === '/runs/batch');

describe("transport: 'batch'", () => {
  it('formats dotted_order segments as LangSmith does', () => {
    expect(dottedSegment(Date.UTC(2026, 0, 2, 3, 4, 5) * 1000 + 6007, 'abc')).toBe('20260102T030405006007Zabc');
    // The date part is remembered per second: the next second, and the same second again, come out right.
    expect(dottedSegment(Date.UTC(2026, 0, 2, 3, 4, 6) * 1000, 'abc')).toBe('20260102T030406000000Zabc');
    expect(dottedSegment(Date.UTC(2026, 0, 2, 3, 4, 5) * 1000 + 999_999, 'abc')).toBe('20260102T030405999999Zabc');
    expect(dottedSegment(-1, 'abc')).toBe('19691231T235959999999Zabc');
  });

  it('posts /runs/batch chunks within the server limits, with trace_id and dotted_order the strict server accepts', async () => {
    const exporter = exporterFor(server, { transport: 'batch', maxConcurrentRequests: 2 });
    const parents = [undefined, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, undefined, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15];
    const spans = forest(parents, [...parents.keys()].reverse(), 2);
    const result = await exportOnce(exporter, spans);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(server.runs()).toHaveLength(parents.length);
    expect(batchRequests().length).toBeGreaterThan(0);
    expect(batchRequests().every((r) => r.status === 202 && (r.runIds?.length ?? 0) <= 7)).toBe(true);
    expect(server.requests().filter((r) => r.path === '/runs')).toEqual([]);
    const root = server.runs().find((r) => r.name === 'n0')!;
    const leaf = server.runs().find((r) => r.name === 'n7')!; // n0 → n1 → n3 → n7
    expect(leaf.trace_id).toBe(root.id);
    expect(leaf.dotted_order.split('.')).toHaveLength(4);
    expect(leaf.dotted_order.startsWith(root.dotted_order)).toBe(true);
    expect(exporter.stats().runsClamped).toBeGreaterThan(0);
    await exporter.shutdown();
  });

  it('isolates a run the server refuses: the rest of its batch is still delivered', async () => {
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server, { transport: 'batch' });
      const { tracer, spans } = recordingTracer();
      for (const name of ['a', 'b', 'bad', 'c']) tracer.startSpan(name).end();
      // The strict server refuses the whole batch when one run is invalid; a hook breaks one.
      const broken = exporterFor(server, {
        transport: 'batch',
        transformRun: (run) => (run.name === 'bad' ? { ...run, run_type: 'nonsense' as 'chain' } : run),
      });
      const result = await exportOnce(broken, spans());
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect(server.runs().map((r) => r.name).sort()).toEqual(['a', 'b', 'c']);
      expect(broken.stats()).toMatchObject({ runsDelivered: 3, runsRejected: 1 });
      await broken.shutdown();
      await exporter.shutdown();
    } finally {
      diagLines.restore();
    }
  });

  it('retries a batch on 503 and counts a replayed batch as delivered', async () => {
    const exporter = exporterFor(server, { transport: 'batch' });
    server.faults.inject({ status: 503, match: (r) => r.path === '/runs/batch' });
    const spans = forest([undefined, 0, 0], [2, 1, 0]);
    expect((await exportOnce(exporter, spans)).code).toBe(ExportResultCode.SUCCESS);
    expect(server.runs()).toHaveLength(3);
    const again = exporterFor(server, { transport: 'batch' });
    expect((await exportOnce(again, spans)).code).toBe(ExportResultCode.SUCCESS);
    expect(server.runs()).toHaveLength(3);
    await exporter.shutdown();
    await again.shutdown();
  });

  it('property: any forest and end order, every run delivered once, parents first, in batches', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.nat(), { nil: undefined, freq: 4 }), { minLength: 1, maxLength: 30 }).chain((raw) => {
          const parents = raw.map((p, i) => (i === 0 || p === undefined ? undefined : p % i));
          return fc.tuple(fc.constant(parents), fc.shuffledSubarray([...parents.keys()], { minLength: parents.length, maxLength: parents.length }));
        }),
        async ([parents, endOrder]) => {
          server.reset();
          const exporter = exporterFor(server, { transport: 'batch', maxConcurrentRequests: 3 });
          const spans = forest(parents, endOrder, 1);
          expect((await exportOnce(exporter, spans)).code).toBe(ExportResultCode.SUCCESS);
          await exporter.shutdown();
          expect(server.runs()).toHaveLength(spans.length);
          for (const span of spans) {
            const run = server.run(runIdFromSpanId(span.spanContext().spanId))!;
            expect(run.parent_run_id).toBe(span.parentSpanContext ? runIdFromSpanId(span.parentSpanContext.spanId) : undefined);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
