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
 * The span as mapping reads it, its log records after its own events. A new object: the span
 * itself is shared with the application's other processors and exporters and stays as it is.
 * The records become events only when `events` is first read: on this thread when it maps, and
 * not at all here when the delivery worker maps (the snapshot carries the records, see
 * src/thread/span-snapshot.ts). A class, not an object literal with a getter: cheaper to make.
 */
class JoinedSpan implements ReadableSpan {
  readonly name: string;
  readonly kind: ReadableSpan['kind'];
  readonly parentSpanContext: ReadableSpan['parentSpanContext'];
  readonly startTime: ReadableSpan['startTime'];
  readonly endTime: ReadableSpan['endTime'];
  readonly status: ReadableSpan['status'];
  readonly attributes: ReadableSpan['attributes'];
  readonly links: ReadableSpan['links'];
  readonly duration: ReadableSpan['duration'];
  readonly ended: boolean;
  readonly resource: ReadableSpan['resource'];
  readonly instrumentationScope: ReadableSpan['instrumentationScope'];
  readonly droppedAttributesCount: number;
  readonly droppedEventsCount: number;
  readonly droppedLinksCount: number;
  /** Spans of SDK 1.x name these differently; mapping and the snapshot read either. */
  readonly parentSpanId: string | undefined;
  readonly instrumentationLibrary: unknown;
  readonly [JOINED_LOG_RECORDS]: JoinedLogRecords;
  private joinedEvents: TimedEvent[] | undefined;

  constructor(
    private readonly span: ReadableSpan,
    records: readonly SpanLogRecord[],
  ) {
    const any = span as AnySdkSpan;
    this.name = span.name;
    this.kind = span.kind;
    this.parentSpanContext = span.parentSpanContext;
    this.startTime = span.startTime;
    this.endTime = span.endTime;
    this.status = span.status;
    this.attributes = span.attributes;
    this.links = span.links;
    this.duration = span.duration;
    this.ended = span.ended;
    this.resource = span.resource;
    this.instrumentationScope = span.instrumentationScope;
    this.droppedAttributesCount = span.droppedAttributesCount;
    this.droppedEventsCount = span.droppedEventsCount;
    this.droppedLinksCount = span.droppedLinksCount;
    this.parentSpanId = any.parentSpanId;
    this.instrumentationLibrary = any.instrumentationLibrary;
    this[JOINED_LOG_RECORDS] = { events: span.events ?? [], records };
  }

  spanContext(): ReturnType<ReadableSpan['spanContext']> {
    return this.span.spanContext();
  }

  get events(): TimedEvent[] {
    const { events, records } = this[JOINED_LOG_RECORDS];
    return (this.joinedEvents ??= events.concat(records.map(logRecordToSpanEvent)));
  }
}

export function withLogRecords(span: ReadableSpan, records: readonly SpanLogRecord[]): ReadableSpan {
  return new JoinedSpan(span, records);
}
