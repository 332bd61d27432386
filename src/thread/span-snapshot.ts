import type { Attributes, HrTime, Link, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { joinedLogRecords } from '../logs/joined-span.js';
import { logRecordToSpanEvent, type SpanLogRecord } from '../mapping/log-record-event.js';

type Resource = ReadableSpan['resource'];
type Scope = ReadableSpan['instrumentationScope'];

/**
 * What mapping reads of an ended span, as plain data a worker thread can receive: no methods, no
 * class instances. Objects shared by many spans (the resource's attributes, the instrumentation
 * scope) stay shared, so structured clone copies them once per message, not once per span.
 */
export interface SpanSnapshot {
  name: string;
  kind: SpanKind;
  traceId: string;
  spanId: string;
  traceFlags: number;
  // Flat fields rather than small objects and arrays: each object costs the clone, per span.
  parentSpanId: string | undefined;
  parentIsRemote: boolean;
  startSeconds: number;
  startNanos: number;
  /** Undefined for a span that never ended (mapping then uses its start). */
  endSeconds: number | undefined;
  endNanos: number | undefined;
  statusCode: SpanStatusCode;
  statusMessage: string | undefined;
  attributes: Attributes;
  /** Undefined when there are none (most spans). */
  events: TimedEvent[] | undefined;
  /**
   * GenAI log records joined to the span (src/logs/), as they were emitted: the worker reduces
   * them to events after `events`, so the application thread does no JSON work for them.
   * Undefined for spans without (most spans).
   */
  logRecords: readonly SpanLogRecord[] | undefined;
  links: Link[] | undefined;
  resource: { attributes: Attributes; pending: boolean } | undefined;
  scope: Scope | undefined;
  droppedAttributesCount: number;
  droppedEventsCount: number;
  droppedLinksCount: number;
}

/** Spans of SDK 1.x carry `parentSpanId` and `instrumentationLibrary` instead. */
type AnySdkSpan = ReadableSpan & { parentSpanId?: string; instrumentationLibrary?: Scope };

/**
 * Snapshots spans on the application thread. Resources are wrapped once each (per writer, which
 * lives for one message), so the clone shares them between spans.
 */
export class SnapshotWriter {
  private readonly resources = new Map<Resource, SpanSnapshot['resource']>();

  snapshot(span: ReadableSpan): SpanSnapshot {
    const context = span.spanContext();
    const any = span as AnySdkSpan;
    const parentSpanId = span.parentSpanContext?.spanId ?? any.parentSpanId;
    const start = span.startTime;
    const end: HrTime | undefined = span.endTime;
    const joined = joinedLogRecords(span);
    const events = joined ? joined.events : span.events;
    return {
      name: span.name,
      kind: span.kind,
      traceId: context.traceId,
      spanId: context.spanId,
      traceFlags: context.traceFlags,
      parentSpanId,
      parentIsRemote: span.parentSpanContext?.isRemote === true,
      startSeconds: start[0],
      startNanos: start[1],
      endSeconds: end?.[0],
      endNanos: end?.[1],
      statusCode: span.status?.code ?? 0,
      statusMessage: span.status?.message,
      attributes: span.attributes,
      events: events?.length ? (events as TimedEvent[]) : undefined,
      logRecords: joined?.records,
      links: span.links?.length ? span.links.map(plainLink) : undefined,
      resource: this.resource(span.resource),
      scope: span.instrumentationScope ?? any.instrumentationLibrary,
      droppedAttributesCount: span.droppedAttributesCount,
      droppedEventsCount: span.droppedEventsCount,
      droppedLinksCount: span.droppedLinksCount,
    };
  }

  private resource(resource: Resource | undefined): SpanSnapshot['resource'] {
    if (!resource) return undefined;
    let wrapped = this.resources.get(resource);
    if (!wrapped) {
      // A resource still waiting for asynchronous detectors may change: mapping does not cache it.
      wrapped = { attributes: resource.attributes, pending: resource.asyncAttributesPending === true };
      this.resources.set(resource, wrapped);
    }
    return wrapped;
  }
}

/** Only the ids and attributes of a link are read (its trace state is a class instance). */
function plainLink(link: Link): Link {
  const { traceId, spanId, traceFlags, isRemote } = link.context;
  return { context: { traceId, spanId, traceFlags, isRemote }, attributes: link.attributes ?? {}, droppedAttributesCount: link.droppedAttributesCount ?? 0 };
}

const NO_RAW_ATTRIBUTES = () => [];
const RESOLVED = () => Promise.resolve();

/**
 * A received snapshot as the `ReadableSpan` mapping reads. Resources are rebuilt once per wrapper
 * object (shared within one message), so mapping's per-resource cache still works.
 */
export class SnapshotReader {
  private readonly resources = new WeakMap<object, Resource>();

  read(snapshot: SpanSnapshot): ReadableSpan {
    const { traceId, spanId, traceFlags, parentSpanId } = snapshot;
    const context = { traceId, spanId, traceFlags };
    const start: HrTime = [snapshot.startSeconds, snapshot.startNanos];
    const end = (snapshot.endSeconds === undefined ? undefined : [snapshot.endSeconds, snapshot.endNanos]) as HrTime;
    return {
      name: snapshot.name,
      kind: snapshot.kind,
      spanContext: () => context,
      parentSpanContext: parentSpanId === undefined ? undefined : { traceId, spanId: parentSpanId, traceFlags, isRemote: snapshot.parentIsRemote },
      startTime: start,
      endTime: end,
      // Not read by mapping.
      duration: end ? [end[0] - start[0], end[1] - start[1]] : [0, 0],
      ended: true,
      status: snapshot.statusMessage === undefined ? { code: snapshot.statusCode } : { code: snapshot.statusCode, message: snapshot.statusMessage },
      attributes: snapshot.attributes,
      events: snapshot.logRecords ? (snapshot.events ?? []).concat(snapshot.logRecords.map(logRecordToSpanEvent)) : (snapshot.events ?? []),
      links: snapshot.links ?? [],
      resource: this.resource(snapshot.resource),
      // As the span had it: mapping reads a missing scope as none.
      instrumentationScope: snapshot.scope as Scope,
      droppedAttributesCount: snapshot.droppedAttributesCount,
      droppedEventsCount: snapshot.droppedEventsCount,
      droppedLinksCount: snapshot.droppedLinksCount,
    };
  }

  private resource(wrapped: SpanSnapshot['resource']): Resource {
    if (!wrapped) return fixedResource({}, false);
    let resource = this.resources.get(wrapped);
    if (!resource) this.resources.set(wrapped, (resource = fixedResource(wrapped.attributes, wrapped.pending)));
    return resource;
  }
}

function fixedResource(attributes: Attributes, pending: boolean): Resource {
  const resource: Resource = {
    attributes,
    asyncAttributesPending: pending,
    waitForAsyncAttributes: RESOLVED,
    getRawAttributes: NO_RAW_ATTRIBUTES,
    merge: () => resource,
  };
  return resource;
}
