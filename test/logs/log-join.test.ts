import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { joinedLogRecords } from '../../src/logs/joined-span.js';
import { LogJoin, type LogJoinCounters, type LogJoinLimits } from '../../src/logs/log-join.js';
import type { SpanLogRecord } from '../../src/mapping/log-record-event.js';
import { SnapshotReader, SnapshotWriter } from '../../src/thread/span-snapshot.js';
import { recordingTracer } from '../helpers/tracing.js';

// The join alone: bounds, expiry (an injected clock), late records, shutdown. The records here are
// what the processor hands it; test/logs/log-record-processor.test.ts drives it through sdk-logs.

function setup(limits: LogJoinLimits = {}) {
  const counters: LogJoinCounters = { logRecordsJoined: 0, logRecordsUnjoined: 0, logRecordsAfterExport: 0 };
  const warnings: string[] = [];
  let now = 1_000_000;
  const join = new LogJoin(counters, limits, (key) => warnings.push(key), () => now);
  return { join, counters, warnings, advance: (millis: number) => (now += millis) };
}

/** Ended spans of a real tracer, one per name. */
function spans(...names: string[]): ReadableSpan[] {
  const { tracer, spans: finished } = recordingTracer();
  for (const name of names) tracer.startSpan(name).end();
  return finished();
}

function record(span: ReadableSpan, content: string): SpanLogRecord {
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId, time: [1_700_000_000, 0], attributes: { 'event.name': 'gen_ai.user.message' }, body: { content } };
}

const contents = (span: ReadableSpan) => span.events.map((event) => event.attributes?.['content']);

describe('LogJoin', () => {
  it("a span's records become its events, after its own, on a new object; the span itself is untouched", () => {
    const { tracer, spans: finished } = recordingTracer();
    const live = tracer.startSpan('chat');
    live.addEvent('own event');
    live.end();
    const [span] = finished();
    const { join, counters } = setup();
    join.add(record(span!, 'one'));
    join.add(record(span!, 'two'));
    const joined = join.attach(span!);
    expect(joined).not.toBe(span);
    expect(joined.events.map((event) => event.name)).toEqual(['own event', 'gen_ai.user.message', 'gen_ai.user.message']);
    expect(contents(joined)).toEqual([undefined, 'one', 'two']);
    expect(joined.spanContext()).toEqual(span!.spanContext());
    expect(joined).toMatchObject({ name: 'chat', attributes: span!.attributes, resource: span!.resource, instrumentationScope: span!.instrumentationScope });
    expect(span!.events.map((event) => event.name)).toEqual(['own event']);
    expect(counters).toEqual({ logRecordsJoined: 2, logRecordsUnjoined: 0, logRecordsAfterExport: 0 });
    expect(join.waiting).toBe(0);
    // A span without records is handed on as it is.
    const [other] = spans('other');
    expect(join.attach(other!)).toBe(other);
  });

  it('the snapshot for the delivery worker carries the records unreduced; the worker side reduces them', () => {
    const [span] = spans('chat');
    const { join } = setup();
    join.add(record(span!, 'hello'));
    const joined = join.attach(span!);
    const snapshot = new SnapshotWriter().snapshot(joined);
    expect(snapshot.events).toBeUndefined();
    expect(snapshot.logRecords).toEqual([record(span!, 'hello')]);
    expect(joinedLogRecords(joined)?.records).toHaveLength(1);
    const read = new SnapshotReader().read(structuredClone(snapshot));
    expect(read.events).toEqual([{ name: 'gen_ai.user.message', time: [1_700_000_000, 0], attributes: { content: 'hello' } }]);
  });

  it('records per span are capped: the rest are counted as unjoined, said once', () => {
    const [span] = spans('chat');
    const { join, counters, warnings } = setup({ maxRecordsPerSpan: 2 });
    for (const content of ['a', 'b', 'c', 'd']) join.add(record(span!, content));
    expect(counters.logRecordsUnjoined).toBe(2);
    expect(contents(join.attach(span!))).toEqual(['a', 'b']);
    expect(counters.logRecordsJoined).toBe(2);
    expect(warnings).toEqual(['log-unjoined', 'log-unjoined']); // the exporter's warnOnce says it once
  });

  it('spans pending are capped: the oldest span gives way, its records counted', () => {
    const [a, b, c] = spans('a', 'b', 'c');
    const { join, counters } = setup({ maxPendingSpans: 2 });
    join.add(record(a!, 'a1'));
    join.add(record(a!, 'a2'));
    join.add(record(b!, 'b1'));
    join.add(record(c!, 'c1'));
    expect(counters.logRecordsUnjoined).toBe(2);
    expect(join.attach(a!)).toBe(a);
    expect(contents(join.attach(b!))).toEqual(['b1']);
    expect(contents(join.attach(c!))).toEqual(['c1']);
  });

  it('records pending in all are capped', () => {
    const [a, b] = spans('a', 'b');
    const { join, counters } = setup({ maxPendingRecords: 3 });
    join.add(record(a!, 'a1'));
    join.add(record(a!, 'a2'));
    join.add(record(b!, 'b1'));
    join.add(record(b!, 'b2'));
    expect(counters.logRecordsUnjoined).toBe(2);
    expect(join.waiting).toBe(2);
    expect(contents(join.attach(b!))).toEqual(['b1', 'b2']);
  });

  it('records whose span is not exported within maxWaitMillis expire and are counted', () => {
    const [a, b] = spans('a', 'b');
    const { join, counters, advance } = setup({ maxWaitMillis: 1000 });
    join.add(record(a!, 'a1'));
    advance(600);
    join.add(record(b!, 'b1'));
    expect(counters.logRecordsUnjoined).toBe(0);
    advance(600);
    join.add(record(b!, 'b2')); // a sweep runs at most every maxWaitMillis / 4
    expect(counters.logRecordsUnjoined).toBe(1);
    expect(join.attach(a!)).toBe(a);
    expect(contents(join.attach(b!))).toEqual(['b1', 'b2']);
  });

  it('a record that comes after its span was exported is counted as such, not kept', () => {
    const [span] = spans('chat');
    const { join, counters, warnings } = setup();
    expect(join.attach(span!)).toBe(span);
    join.add(record(span!, 'late'));
    expect(counters).toEqual({ logRecordsJoined: 0, logRecordsUnjoined: 0, logRecordsAfterExport: 1 });
    expect(join.waiting).toBe(0);
    expect(warnings).toEqual(['log-after-export']);
  });

  it('at shutdown what still waits is counted; later records too', () => {
    const [a, b] = spans('a', 'b');
    const { join, counters } = setup();
    join.add(record(a!, 'a1'));
    join.close();
    join.add(record(b!, 'b1'));
    expect(counters.logRecordsUnjoined).toBe(2);
    expect(join.waiting).toBe(0);
  });

  it('a record of another trace with the same span id does not join', () => {
    const [span] = spans('chat');
    const { join, counters } = setup();
    join.add({ ...record(span!, 'other trace'), traceId: 'f'.repeat(32) });
    join.add(record(span!, 'mine'));
    expect(counters.logRecordsUnjoined).toBe(1);
    expect(join.attach(span!)).toBe(span); // the entry is the other trace's
  });
});
