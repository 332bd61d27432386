import { context, SpanKind, SpanStatusCode, trace, type Link } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { mapSpan } from '../../src/mapping/map-span.js';
import { SnapshotReader, SnapshotWriter } from '../../src/thread/span-snapshot.js';

/** Ended spans of a real tracer: nested, remote parent, events, links, an error, GenAI and HTTP attributes. */
function recordSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'snap', 'deployment.environment.name': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('snapshot-test', '1.2.3');
  const remote = trace.setSpanContext(context.active(), { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1, isRemote: true });
  const link: Link = { context: { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: 1 }, attributes: { why: 'retry' } };
  const root = tracer.startSpan('agent', { kind: SpanKind.SERVER, links: [link], attributes: { 'http.request.method': 'POST', 'url.full': 'http://127.0.0.1/x' } }, remote);
  const child = tracer.startSpan(
    'chat gpt-4o',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 12,
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }]),
        tags: ['a', 'b'],
      },
    },
    trace.setSpan(context.active(), root),
  );
  child.addEvent('gen_ai.choice', { index: 0 });
  child.recordException(new TypeError('boom'));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  child.end();
  root.end();
  return memory.getFinishedSpans();
}

describe('span snapshots for the delivery worker', () => {
  it('map, after a structured clone, to exactly the run the span itself maps to', () => {
    const spans = recordSpans();
    const writer = new SnapshotWriter();
    // One message: the clone of all snapshots at once, as postMessage makes it.
    const received = structuredClone(spans.map((span) => writer.snapshot(span)));
    const reader = new SnapshotReader();
    expect(received).toHaveLength(2);
    for (const [i, snapshot] of received.entries()) {
      const direct = mapSpan(spans[i]!, { projectName: 'p' });
      const copied = mapSpan(reader.read(snapshot), { projectName: 'p' });
      expect(copied).toEqual(direct);
    }
  });

  it('copies the resource once per message, shared by its spans', () => {
    const spans = recordSpans();
    const writer = new SnapshotWriter();
    const [a, b] = structuredClone(spans.map((span) => writer.snapshot(span)));
    expect(a!.resource).toBe(b!.resource);
    const reader = new SnapshotReader();
    expect(reader.read(a!).resource).toBe(reader.read(b!).resource);
  });
});
