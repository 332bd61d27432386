/**
 * An OTLP trace export request as both decoders (protobuf and JSON) hand it on: ids as lowercase
 * hex of the bytes received (validated later, per span), 64-bit numbers as bigint, AnyValue as a
 * tagged union. Nothing here depends on the wire encoding.
 */

export type OtlpAnyValue =
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: bigint }
  | { kind: 'double'; value: number }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'array'; values: OtlpAnyValue[] }
  | { kind: 'kvlist'; values: OtlpKeyValue[] }
  /** No value set: OTLP's null. */
  | { kind: 'empty' };

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export interface OtlpEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: OtlpKeyValue[];
  droppedAttributesCount: number;
}

export interface OtlpLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: OtlpKeyValue[];
  droppedAttributesCount: number;
  flags: number;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  /** '' for a root. */
  parentSpanId: string;
  traceState: string;
  name: string;
  /** OTLP SpanKind: 0 unspecified, 1 internal … 5 consumer (the API's SpanKind + 1). */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: OtlpKeyValue[];
  droppedAttributesCount: number;
  events: OtlpEvent[];
  droppedEventsCount: number;
  links: OtlpLink[];
  droppedLinksCount: number;
  status: { code: number; message: string };
  /** Low byte: W3C trace flags; 0x100: whether the parent is remote is known; 0x200: it is. */
  flags: number;
}

/** A span the decoder could not read (a JSON span with a field of the wrong type); rejected alone. */
export interface UndecodableSpan {
  undecodable: string;
}

export interface OtlpScopeSpans {
  scope: { name: string; version: string };
  spans: Array<OtlpSpan | UndecodableSpan>;
}

export interface OtlpResourceSpans {
  resource: { attributes: OtlpKeyValue[] };
  scopeSpans: OtlpScopeSpans[];
}

export interface OtlpTraceRequest {
  resourceSpans: OtlpResourceSpans[];
}

/**
 * A log record as OTLP carries it (opentelemetry/proto/logs/v1/logs.proto). Ids are '' when the
 * record was not emitted inside a span.
 */
export interface OtlpLogRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  traceId: string;
  spanId: string;
  /** OTLP 1.5+ `event_name` ('' when unset; older producers use the `event.name` attribute). */
  eventName: string;
  body: OtlpAnyValue;
  attributes: OtlpKeyValue[];
}

/** A log record the decoder could not read (a JSON record with a field of the wrong type); rejected alone. */
export interface UndecodableLogRecord {
  undecodable: string;
}

export interface OtlpLogsRequest {
  resourceLogs: Array<{ scopeLogs: Array<{ logRecords: Array<OtlpLogRecord | UndecodableLogRecord> }> }>;
}

/** The body cannot be read as an OTLP request at all: HTTP 400. */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}

/** How deep arrays and kvlists may nest in one attribute value; deeper is a malformed request. */
export const MAX_VALUE_DEPTH = 32;
