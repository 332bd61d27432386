import { SpanKind, SpanStatusCode, type Attributes, type HrTime, type Link, type SpanContext } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { OtlpLink, OtlpSpan, OtlpTraceRequest } from './otlp-model.js';
import { toAttributes } from './otlp-attributes.js';

export interface ConvertedRequest {
  spans: ReadableSpan[];
  /** Spans that cannot become runs (invalid ids, undecodable fields). */
  rejected: number;
  /** The first few reasons, for the partial-success message. */
  reasons: string[];
}

type Resource = ReadableSpan['resource'];

const MAX_REASONS = 3;
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_SPAN_ID = '0000000000000000';
const ZERO_TRACE_ID = '00000000000000000000000000000000';
/** OTLP Span.flags bits: whether the parent's remoteness is known, and whether it is remote. */
const FLAG_HAS_IS_REMOTE = 0x100;
const FLAG_IS_REMOTE = 0x200;
const NANOS_PER_SECOND = 1_000_000_000n;

/**
 * Turns a decoded OTLP request into objects with everything `mapSpan` and the exporter read from a
 * `ReadableSpan`. A span with an invalid trace or span id (or a parent id of the wrong length) is
 * rejected alone; the others go on.
 */
export function toReadableSpans(request: OtlpTraceRequest): ConvertedRequest {
  const out: ConvertedRequest = { spans: [], rejected: 0, reasons: [] };
  const reject = (reason: string): void => {
    out.rejected++;
    if (out.reasons.length < MAX_REASONS) out.reasons.push(reason);
  };
  for (const rs of request.resourceSpans) {
    const resource = resourceOf(toAttributes(rs.resource.attributes));
    for (const ss of rs.scopeSpans) {
      const scope = ss.scope.version ? { name: ss.scope.name, version: ss.scope.version } : { name: ss.scope.name };
      for (const span of ss.spans) {
        if ('undecodable' in span) {
          reject(`undecodable span: ${span.undecodable}`);
          continue;
        }
        const problem = invalidIds(span);
        if (problem) {
          reject(`span ${JSON.stringify(span.name)}: ${problem}`);
          continue;
        }
        out.spans.push(readableSpan(span, resource, scope));
      }
    }
  }
  return out;
}

function invalidIds(span: OtlpSpan): string | undefined {
  if (!TRACE_ID.test(span.traceId) || span.traceId === ZERO_TRACE_ID) return `invalid trace id ${JSON.stringify(span.traceId)}`;
  if (!SPAN_ID.test(span.spanId) || span.spanId === ZERO_SPAN_ID) return `invalid span id ${JSON.stringify(span.spanId)}`;
  if (span.parentSpanId !== '' && !SPAN_ID.test(span.parentSpanId)) return `invalid parent span id ${JSON.stringify(span.parentSpanId)}`;
  return undefined;
}

function readableSpan(span: OtlpSpan, resource: Resource, instrumentationScope: ReadableSpan['instrumentationScope']): ReadableSpan {
  const traceFlags = span.flags & 0xff;
  const traceState = span.traceState ? new TraceState(span.traceState) : undefined;
  const context: SpanContext = { traceId: span.traceId, spanId: span.spanId, traceFlags, isRemote: false, ...(traceState ? { traceState } : {}) };
  const hasParent = span.parentSpanId !== '' && span.parentSpanId !== ZERO_SPAN_ID;
  // Without the flag bits the sender did not say; a parent may then be in another process.
  const parentIsRemote = span.flags & FLAG_HAS_IS_REMOTE ? (span.flags & FLAG_IS_REMOTE) !== 0 : true;
  const startTime = hrTime(span.startTimeUnixNano);
  const endTime = hrTime(span.endTimeUnixNano);
  const durationNanos = span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n;
  const statusCode = span.status.code === SpanStatusCode.OK || span.status.code === SpanStatusCode.ERROR ? span.status.code : SpanStatusCode.UNSET;
  return {
    name: span.name,
    kind: spanKind(span.kind),
    spanContext: () => context,
    ...(hasParent
      ? { parentSpanContext: { traceId: span.traceId, spanId: span.parentSpanId, traceFlags, isRemote: parentIsRemote } }
      : {}),
    startTime,
    endTime,
    duration: hrTime(durationNanos),
    ended: true,
    status: span.status.message ? { code: statusCode, message: span.status.message } : { code: statusCode },
    attributes: toAttributes(span.attributes),
    events: span.events.map(
      (event): TimedEvent => ({
        name: event.name,
        time: hrTime(event.timeUnixNano),
        attributes: toAttributes(event.attributes),
        droppedAttributesCount: event.droppedAttributesCount,
      }),
    ),
    links: span.links.map(link),
    resource,
    instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/** OTLP kinds are the API's plus one (0 = unspecified, read as internal). */
function spanKind(kind: number): SpanKind {
  return kind >= 1 && kind <= 5 ? ((kind - 1) as SpanKind) : SpanKind.INTERNAL;
}

function link(l: OtlpLink): Link {
  const traceState = l.traceState ? new TraceState(l.traceState) : undefined;
  return {
    context: {
      traceId: l.traceId,
      spanId: l.spanId,
      traceFlags: l.flags & 0xff,
      isRemote: (l.flags & FLAG_IS_REMOTE) !== 0,
      ...(traceState ? { traceState } : {}),
    },
    attributes: toAttributes(l.attributes),
    droppedAttributesCount: l.droppedAttributesCount,
  };
}

/** Unix nanoseconds to HrTime, exactly (a double cannot hold today's nanoseconds). */
export function hrTime(unixNanos: bigint): HrTime {
  return [Number(unixNanos / NANOS_PER_SECOND), Number(unixNanos % NANOS_PER_SECOND)];
}

/** The SDK's Resource interface over fixed attributes (no asynchronous detectors here). */
function resourceOf(attributes: Attributes): Resource {
  const resource: Resource = {
    attributes,
    asyncAttributesPending: false,
    waitForAsyncAttributes: () => Promise.resolve(),
    getRawAttributes: () => Object.entries(attributes),
    merge: (other) => (other ? resourceOf({ ...attributes, ...other.attributes }) : resource),
  };
  return resource;
}

