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
  type OtlpScopeSpans,
  type OtlpSpan,
  type OtlpTraceRequest,
  type UndecodableLogRecord,
  type UndecodableSpan,
} from './otlp-model.js';

/**
 * Decodes an `application/json` ExportTraceServiceRequest (OTLP/JSON: the protobuf JSON mapping with
 * hex ids). Tolerant where senders differ: ids also as base64 (as some SDKs send them), 64-bit
 * integers as strings or numbers, enums as numbers or names, original snake_case field names.
 * Unknown fields are ignored. A span with a field of the wrong type is handed on as undecodable
 * (rejected alone); a body that is not such a request at all throws.
 *
 * JSON numbers above 2^53 have lost precision in JSON.parse already; senders that care use strings
 * (the OTel JS exporter sends timestamps as decimal strings).
 *
 * @throws OtlpDecodeError
 */
export function decodeJsonRequest(body: Uint8Array): OtlpTraceRequest {
  const parsed = parseObject(body, 'ExportTraceServiceRequest');
  return { resourceSpans: list(parsed, 'resourceSpans', 'resource_spans').map(resourceSpans) };
}

/**
 * Decodes an `application/json` ExportLogsServiceRequest, as tolerant as the trace decoder. A log
 * record with a field of the wrong type is handed on as undecodable (rejected alone).
 * @throws OtlpDecodeError
 */
export function decodeJsonLogsRequest(body: Uint8Array): OtlpLogsRequest {
  const parsed = parseObject(body, 'ExportLogsServiceRequest');
  return {
    resourceLogs: list(parsed, 'resourceLogs', 'resource_logs').map((value) => ({
      scopeLogs: list(element(value, 'resourceLogs[]'), 'scopeLogs', 'scope_logs').map((scope) => ({
        logRecords: list(element(scope, 'scopeLogs[]'), 'logRecords', 'log_records').map(logRecordOrUndecodable),
      })),
    })),
  };
}

function parseObject(body: Uint8Array, what: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (error) {
    throw new OtlpDecodeError(`invalid JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) throw new OtlpDecodeError(`the JSON body must be an ${what} object`);
  return parsed;
}

function logRecordOrUndecodable(value: unknown): OtlpLogRecord | UndecodableLogRecord {
  try {
    const r = element(value, 'logRecord');
    const body = object(r, 'body');
    return {
      timeUnixNano: int64(get(r, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano', false),
      observedTimeUnixNano: int64(get(r, 'observedTimeUnixNano', 'observed_time_unix_nano'), 'observedTimeUnixNano', false),
      traceId: id(r, 'traceId', 'trace_id', 16),
      spanId: id(r, 'spanId', 'span_id', 8),
      eventName: string(r, 'eventName', 'event_name'),
      body: body ? anyValue(body, 0) : { kind: 'empty' },
      attributes: keyValues(list(r, 'attributes'), 0),
    };
  } catch (error) {
    if (error instanceof OtlpDecodeError) return { undecodable: error.message };
    throw error;
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A field by its JSON name or its original proto name; null counts as absent. */
function get(obj: Json, camel: string, snake?: string): unknown {
  const value = Object.hasOwn(obj, camel) ? obj[camel] : snake !== undefined && Object.hasOwn(obj, snake) ? obj[snake] : undefined;
  return value === null ? undefined : value;
}

function list(obj: Json, camel: string, snake?: string): unknown[] {
  const value = get(obj, camel, snake);
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new OtlpDecodeError(`${camel} must be an array`);
  return value;
}

function object(obj: Json, camel: string, snake?: string): Json | undefined {
  const value = get(obj, camel, snake);
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new OtlpDecodeError(`${camel} must be an object`);
  return value;
}

function string(obj: Json, camel: string, snake?: string): string {
  const value = get(obj, camel, snake);
  if (value === undefined) return '';
  if (typeof value !== 'string') throw new OtlpDecodeError(`${camel} must be a string`);
  return value;
}

function element(value: unknown, what: string): Json {
  if (!isObject(value)) throw new OtlpDecodeError(`${what} must be an object`);
  return value;
}

const INTEGER = /^-?\d+$/;

/** A 64-bit integer given as a decimal string or a JSON number. */
function int64(value: unknown, what: string, signed: boolean): bigint {
  if (value === undefined) return 0n;
  let result: bigint;
  if (typeof value === 'string' && INTEGER.test(value.trim())) result = BigInt(value.trim());
  else if (typeof value === 'number' && Number.isInteger(value)) result = BigInt(value);
  else throw new OtlpDecodeError(`${what} must be an integer (a number or a decimal string)`);
  const min = signed ? -(2n ** 63n) : 0n;
  const max = signed ? 2n ** 63n - 1n : 2n ** 64n - 1n;
  if (result < min || result > max) throw new OtlpDecodeError(`${what} is out of range`);
  return result;
}

/** A 32-bit unsigned integer (counts, flags). */
function uint32(obj: Json, camel: string, snake: string): number {
  const value = int64(get(obj, camel, snake), camel, false);
  if (value > 0xffffffffn) throw new OtlpDecodeError(`${camel} is out of range`);
  return Number(value);
}

/** An enum as its number, or its name looked up in `names` (index = number). */
function enumValue(obj: Json, camel: string, names: readonly string[]): number {
  const value = get(obj, camel);
  if (value === undefined) return 0;
  if (typeof value === 'string' && names.includes(value)) return names.indexOf(value);
  return Number(int64(value, camel, true));
}

const SPAN_KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

const HEX = /^[0-9a-fA-F]*$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * An id as lowercase hex of its bytes. OTLP/JSON sends hex; some SDKs send base64 (the generic
 * protobuf JSON mapping of bytes). Hex of the right length wins; a wrong length is left for the
 * span validation to reject.
 */
function id(obj: Json, camel: string, snake: string, bytes: number): string {
  const value = string(obj, camel, snake);
  if (value === '') return '';
  if (HEX.test(value) && value.length === bytes * 2) return value.toLowerCase();
  if (BASE64.test(value)) {
    const decoded = Buffer.from(value, 'base64');
    if (decoded.length === bytes) return decoded.toString('hex');
  }
  if (HEX.test(value) && value.length % 2 === 0) return value.toLowerCase();
  throw new OtlpDecodeError(`${camel} must be ${bytes * 2} hex digits`);
}

function resourceSpans(value: unknown): OtlpResourceSpans {
  const rs = element(value, 'resourceSpans[]');
  const resource = object(rs, 'resource');
  return {
    resource: { attributes: keyValues(resource ? list(resource, 'attributes') : [], 0) },
    scopeSpans: list(rs, 'scopeSpans', 'scope_spans').map(scopeSpans),
  };
}

function scopeSpans(value: unknown): OtlpScopeSpans {
  const ss = element(value, 'scopeSpans[]');
  const scope = object(ss, 'scope');
  return {
    scope: { name: scope ? string(scope, 'name') : '', version: scope ? string(scope, 'version') : '' },
    spans: list(ss, 'spans').map(spanOrUndecodable),
  };
}

function spanOrUndecodable(value: unknown): OtlpSpan | UndecodableSpan {
  try {
    return span(element(value, 'span'));
  } catch (error) {
    if (error instanceof OtlpDecodeError) return { undecodable: error.message };
    throw error;
  }
}

function span(s: Json): OtlpSpan {
  const status = object(s, 'status');
  return {
    traceId: id(s, 'traceId', 'trace_id', 16),
    spanId: id(s, 'spanId', 'span_id', 8),
    parentSpanId: id(s, 'parentSpanId', 'parent_span_id', 8),
    traceState: string(s, 'traceState', 'trace_state'),
    name: string(s, 'name'),
    kind: enumValue(s, 'kind', SPAN_KINDS),
    startTimeUnixNano: int64(get(s, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano', false),
    endTimeUnixNano: int64(get(s, 'endTimeUnixNano', 'end_time_unix_nano'), 'endTimeUnixNano', false),
    attributes: keyValues(list(s, 'attributes'), 0),
    droppedAttributesCount: uint32(s, 'droppedAttributesCount', 'dropped_attributes_count'),
    events: list(s, 'events').map(event),
    droppedEventsCount: uint32(s, 'droppedEventsCount', 'dropped_events_count'),
    links: list(s, 'links').map(link),
    droppedLinksCount: uint32(s, 'droppedLinksCount', 'dropped_links_count'),
    status: status ? { code: enumValue(status, 'code', STATUS_CODES), message: string(status, 'message') } : { code: 0, message: '' },
    flags: uint32(s, 'flags', 'flags'),
  };
}

function event(value: unknown): OtlpEvent {
  const e = element(value, 'event');
  return {
    timeUnixNano: int64(get(e, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano', false),
    name: string(e, 'name'),
    attributes: keyValues(list(e, 'attributes'), 0),
    droppedAttributesCount: uint32(e, 'droppedAttributesCount', 'dropped_attributes_count'),
  };
}

function link(value: unknown): OtlpLink {
  const l = element(value, 'link');
  return {
    traceId: id(l, 'traceId', 'trace_id', 16),
    spanId: id(l, 'spanId', 'span_id', 8),
    traceState: string(l, 'traceState', 'trace_state'),
    attributes: keyValues(list(l, 'attributes'), 0),
    droppedAttributesCount: uint32(l, 'droppedAttributesCount', 'dropped_attributes_count'),
    flags: uint32(l, 'flags', 'flags'),
  };
}

function keyValues(items: unknown[], depth: number): OtlpKeyValue[] {
  return items.map((item) => {
    const kv = element(item, 'attribute');
    const value = object(kv, 'value');
    return { key: string(kv, 'key'), value: value ? anyValue(value, depth) : { kind: 'empty' } };
  });
}

const SPECIAL_DOUBLES: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function anyValue(v: Json, depth: number): OtlpAnyValue {
  if (depth > MAX_VALUE_DEPTH) throw new OtlpDecodeError(`attribute values nest deeper than ${MAX_VALUE_DEPTH} levels`);
  let value: unknown;
  if ((value = get(v, 'stringValue', 'string_value')) !== undefined) {
    if (typeof value !== 'string') throw new OtlpDecodeError('stringValue must be a string');
    return { kind: 'string', value };
  }
  if ((value = get(v, 'boolValue', 'bool_value')) !== undefined) {
    if (typeof value !== 'boolean') throw new OtlpDecodeError('boolValue must be a boolean');
    return { kind: 'bool', value };
  }
  if ((value = get(v, 'intValue', 'int_value')) !== undefined) return { kind: 'int', value: int64(value, 'intValue', true) };
  if ((value = get(v, 'doubleValue', 'double_value')) !== undefined) {
    if (typeof value === 'number') return { kind: 'double', value };
    if (typeof value === 'string' && Object.hasOwn(SPECIAL_DOUBLES, value)) return { kind: 'double', value: SPECIAL_DOUBLES[value]! };
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return { kind: 'double', value: Number(value) };
    throw new OtlpDecodeError('doubleValue must be a number');
  }
  if ((value = get(v, 'bytesValue', 'bytes_value')) !== undefined) {
    if (typeof value !== 'string' || !BASE64.test(value)) throw new OtlpDecodeError('bytesValue must be base64');
    return { kind: 'bytes', value: new Uint8Array(Buffer.from(value, 'base64')) };
  }
  const array = object(v, 'arrayValue', 'array_value');
  if (array) return { kind: 'array', values: list(array, 'values').map((item) => anyValue(element(item, 'array value'), depth + 1)) };
  const kvlist = object(v, 'kvlistValue', 'kvlist_value');
  if (kvlist) return { kind: 'kvlist', values: keyValues(list(kvlist, 'values'), depth + 1) };
  return { kind: 'empty' };
}
