import { ExportLogsServiceRequest, ExportTraceServiceRequest } from './otlp-schema.js';
import {
  MAX_VALUE_DEPTH,
  OtlpDecodeError,
  type OtlpAnyValue,
  type OtlpEvent,
  type OtlpKeyValue,
  type OtlpLink,
  type OtlpLogRecord,
  type OtlpLogsRequest,
  type OtlpResourceSpans,
  type OtlpSpan,
  type OtlpTraceRequest,
} from './otlp-model.js';

/** What protobufjs hands back for a 64-bit field: a long.js Long, or a number when Long is unavailable. */
interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
}

/* Shapes of the decoded protobufjs messages; unset fields read as their proto3 defaults. */
interface PbAnyValue {
  value?: string;
  stringValue: string;
  boolValue: boolean;
  intValue: LongLike | number;
  doubleValue: number;
  arrayValue?: { values: PbAnyValue[] };
  kvlistValue?: { values: PbKeyValue[] };
  bytesValue: Uint8Array;
}
interface PbKeyValue {
  key: string;
  value?: PbAnyValue;
}
interface PbEvent {
  timeUnixNano: LongLike | number;
  name: string;
  attributes: PbKeyValue[];
  droppedAttributesCount: number;
}
interface PbLink {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState: string;
  attributes: PbKeyValue[];
  droppedAttributesCount: number;
  flags: number;
}
interface PbSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState: string;
  parentSpanId: Uint8Array;
  name: string;
  kind: number;
  startTimeUnixNano: LongLike | number;
  endTimeUnixNano: LongLike | number;
  attributes: PbKeyValue[];
  droppedAttributesCount: number;
  events: PbEvent[];
  droppedEventsCount: number;
  links: PbLink[];
  droppedLinksCount: number;
  status?: { code: number; message: string };
  flags: number;
}
interface PbRequest {
  resourceSpans: Array<{
    resource?: { attributes: PbKeyValue[] };
    scopeSpans: Array<{ scope?: { name: string; version: string }; spans: PbSpan[] }>;
  }>;
}

/** Decodes an `application/x-protobuf` ExportTraceServiceRequest. @throws OtlpDecodeError */
export function decodeProtobufRequest(body: Uint8Array): OtlpTraceRequest {
  let message: PbRequest;
  try {
    message = ExportTraceServiceRequest.decode(body) as unknown as PbRequest;
  } catch (error) {
    throw new OtlpDecodeError(`invalid protobuf ExportTraceServiceRequest: ${(error as Error).message}`);
  }
  try {
    return { resourceSpans: message.resourceSpans.map(resourceSpans) };
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw error;
    throw new OtlpDecodeError(`invalid protobuf ExportTraceServiceRequest: ${(error as Error).message}`);
  }
}

interface PbLogRecord {
  timeUnixNano: LongLike | number;
  observedTimeUnixNano: LongLike | number;
  traceId: Uint8Array;
  spanId: Uint8Array;
  eventName: string;
  body?: PbAnyValue;
  attributes: PbKeyValue[];
}
interface PbLogsRequest {
  resourceLogs: Array<{ scopeLogs: Array<{ logRecords: PbLogRecord[] }> }>;
}

/**
 * Decodes an `application/x-protobuf` ExportLogsServiceRequest (also LogsService/Export's
 * message). Resource and scope are not read: a record joins its span's run, which has its own.
 * @throws OtlpDecodeError
 */
export function decodeProtobufLogsRequest(body: Uint8Array): OtlpLogsRequest {
  try {
    const message = ExportLogsServiceRequest.decode(body) as unknown as PbLogsRequest;
    return {
      resourceLogs: message.resourceLogs.map((rl) => ({
        scopeLogs: rl.scopeLogs.map((sl) => ({ logRecords: sl.logRecords.map(logRecord) })),
      })),
    };
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw error;
    throw new OtlpDecodeError(`invalid protobuf ExportLogsServiceRequest: ${(error as Error).message}`);
  }
}

function logRecord(r: PbLogRecord): OtlpLogRecord {
  return {
    timeUnixNano: unsigned64(r.timeUnixNano),
    observedTimeUnixNano: unsigned64(r.observedTimeUnixNano),
    traceId: hex(r.traceId),
    spanId: hex(r.spanId),
    eventName: r.eventName,
    body: r.body ? anyValue(r.body, 0) : { kind: 'empty' },
    attributes: keyValues(r.attributes, 0),
  };
}

function resourceSpans(rs: PbRequest['resourceSpans'][number]): OtlpResourceSpans {
  return {
    resource: { attributes: keyValues(rs.resource?.attributes ?? [], 0) },
    scopeSpans: rs.scopeSpans.map((ss) => ({
      scope: { name: ss.scope?.name ?? '', version: ss.scope?.version ?? '' },
      spans: ss.spans.map(span),
    })),
  };
}

function span(s: PbSpan): OtlpSpan {
  return {
    traceId: hex(s.traceId),
    spanId: hex(s.spanId),
    parentSpanId: hex(s.parentSpanId),
    traceState: s.traceState,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: unsigned64(s.startTimeUnixNano),
    endTimeUnixNano: unsigned64(s.endTimeUnixNano),
    attributes: keyValues(s.attributes, 0),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map(event),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map(link),
    droppedLinksCount: s.droppedLinksCount,
    status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
    flags: s.flags >>> 0,
  };
}

function event(e: PbEvent): OtlpEvent {
  return {
    timeUnixNano: unsigned64(e.timeUnixNano),
    name: e.name,
    attributes: keyValues(e.attributes, 0),
    droppedAttributesCount: e.droppedAttributesCount,
  };
}

function link(l: PbLink): OtlpLink {
  return {
    traceId: hex(l.traceId),
    spanId: hex(l.spanId),
    traceState: l.traceState,
    attributes: keyValues(l.attributes, 0),
    droppedAttributesCount: l.droppedAttributesCount,
    flags: l.flags >>> 0,
  };
}

function keyValues(list: PbKeyValue[], depth: number): OtlpKeyValue[] {
  return list.map((kv) => ({ key: kv.key, value: kv.value ? anyValue(kv.value, depth) : { kind: 'empty' } }));
}

function anyValue(v: PbAnyValue, depth: number): OtlpAnyValue {
  if (depth > MAX_VALUE_DEPTH) throw new OtlpDecodeError(`attribute values nest deeper than ${MAX_VALUE_DEPTH} levels`);
  switch (v.value) {
    case 'stringValue':
      return { kind: 'string', value: v.stringValue };
    case 'boolValue':
      return { kind: 'bool', value: v.boolValue };
    case 'intValue':
      return { kind: 'int', value: signed64(v.intValue) };
    case 'doubleValue':
      return { kind: 'double', value: v.doubleValue };
    case 'bytesValue':
      return { kind: 'bytes', value: new Uint8Array(v.bytesValue) }; // a copy: not a view into the whole request
    case 'arrayValue':
      return { kind: 'array', values: (v.arrayValue?.values ?? []).map((item) => anyValue(item, depth + 1)) };
    case 'kvlistValue':
      return { kind: 'kvlist', values: keyValues(v.kvlistValue?.values ?? [], depth + 1) };
    default:
      return { kind: 'empty' };
  }
}

function bits(value: LongLike | number): bigint {
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
}

function unsigned64(value: LongLike | number): bigint {
  return BigInt.asUintN(64, bits(value));
}

function signed64(value: LongLike | number): bigint {
  return BigInt.asIntN(64, bits(value));
}

function hex(bytes: Uint8Array | undefined): string {
  return bytes && bytes.length ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex') : '';
}
