import type { Attributes, HrTime, Link, SpanKind, SpanStatus } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

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
  parent: { spanId: string; isRemote: boolean } | undefined;
  startTime: HrTime;
  endTime: HrTime;
  status: SpanStatus;
  attributes: Attributes;
  events: TimedEvent[];
  links: Link[];
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
    return {
      name: span.name,
      kind: span.kind,
      traceId: context.traceId,
      spanId: context.spanId,
      traceFlags: context.traceFlags,
      parent: parentSpanId === undefined ? undefined : { spanId: parentSpanId, isRemote: span.parentSpanContext?.isRemote === true },
      startTime: span.startTime,
      endTime: span.endTime,
      status: span.status,
      attributes: span.attributes,
      events: span.events,
      links: span.links?.length ? span.links.map(plainLink) : [],
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
    const { traceId, spanId, traceFlags, parent } = snapshot;
    const context = { traceId, spanId, traceFlags };
    const start = snapshot.startTime;
    const end = snapshot.endTime;
    return {
      name: snapshot.name,
      kind: snapshot.kind,
      spanContext: () => context,
      parentSpanContext: parent && { traceId, spanId: parent.spanId, traceFlags, isRemote: parent.isRemote },
      startTime: start,
      endTime: end,
      // Not read by mapping; a span that never ended has no end (mapping then uses its start).
      duration: start && end ? [end[0] - start[0], end[1] - start[1]] : [0, 0],
      ended: true,
      status: snapshot.status,
      attributes: snapshot.attributes,
      events: snapshot.events,
      links: snapshot.links,
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
