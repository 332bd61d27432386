import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { logRecordToSpanEvent, type SpanLogRecord } from '../mapping/log-record-event.js';

/** Where a joined span keeps its own events and its records apart, for the worker snapshot. */
export const JOINED_LOG_RECORDS: unique symbol = Symbol('otel-langsmith.joinedLogRecords');

export interface JoinedLogRecords {
  /** The span's own events. */
  events: readonly TimedEvent[];
  /** Its log records, not yet reduced to events. */
  records: readonly SpanLogRecord[];
}

type AnySdkSpan = ReadableSpan & { parentSpanId?: string; instrumentationLibrary?: unknown };

/** The records of a span made by `withLogRecords`, or undefined for any other span. */
export function joinedLogRecords(span: ReadableSpan): JoinedLogRecords | undefined {
  return (span as ReadableSpan & { [JOINED_LOG_RECORDS]?: JoinedLogRecords })[JOINED_LOG_RECORDS];
}

/**
 * The span as mapping reads it, its log records after its own events. A new plain object: the
 * span itself is shared with the application's other processors and exporters and stays as it is.
 * The records become events only when `events` is first read: on this thread when it maps, and
 * not at all here when the delivery worker maps (the snapshot carries the records, see
 * src/thread/span-snapshot.ts).
 */
export function withLogRecords(span: ReadableSpan, records: readonly SpanLogRecord[]): ReadableSpan {
  const own = span.events ?? [];
  const any = span as AnySdkSpan;
  let events: TimedEvent[] | undefined;
  const joined: ReadableSpan & { [JOINED_LOG_RECORDS]: JoinedLogRecords; parentSpanId?: string; instrumentationLibrary?: unknown } = {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status,
    attributes: span.attributes,
    links: span.links,
    get events(): TimedEvent[] {
      return (events ??= own.concat(records.map(logRecordToSpanEvent)));
    },
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
    [JOINED_LOG_RECORDS]: { events: own, records },
  };
  // Spans of SDK 1.x name these differently; mapping and the snapshot read either.
  if (any.parentSpanId !== undefined) joined.parentSpanId = any.parentSpanId;
  if (any.instrumentationLibrary !== undefined) joined.instrumentationLibrary = any.instrumentationLibrary;
  return joined;
}
