import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import type { TimedEvent } from '@opentelemetry/sdk-trace-base';
import { ATTR_EVENT_NAME } from '@opentelemetry/semantic-conventions/incubating';

// A log record that belongs to a span (it carries the span's context) is, for its run, one more
// event of that span. The in-process log processor and the bridge's OTLP logs receiver both reduce
// their records to `SpanLogRecord` and join them to the span as a `TimedEvent`, so every convention
// reads GenAI content the same way whichever signal carried it.
//
// Sources: the log data model (https://opentelemetry.io/docs/specs/otel/logs/data-model/: Body and
// Attributes are AnyValue, EventName since 1.5, `event.name` before it), and the GenAI events
// (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-events/): message fields in the body
// (semconv 1.27–1.36), `gen_ai.input.messages` & co. as attributes of
// `gen_ai.client.inference.operation.details` (1.37+).

/** A log record reduced to what joining it to its span's run needs. */
export interface SpanLogRecord {
  traceId: string;
  spanId: string;
  /** `EventName` of the record, or its `event.name` attribute (older producers). */
  eventName?: string | undefined;
  /** The record's timestamp, else its observed timestamp. */
  time: HrTime;
  /** AnyValue attributes: maps and lists of maps are allowed here, unlike span attributes. */
  attributes: Readonly<Record<string, unknown>>;
  /** AnyValue body. */
  body?: unknown;
}

/** The attribute that carries a body that is not a map (a string, a list). */
export const LOG_BODY_ATTRIBUTE = 'body';

const GEN_AI_EVENT_PREFIX = 'gen_ai.';

/** The record's event name: `EventName` first, then the `event.name` attribute. */
export function logEventName(record: Pick<SpanLogRecord, 'eventName' | 'attributes'>): string | undefined {
  if (record.eventName) return record.eventName;
  const attribute = record.attributes[ATTR_EVENT_NAME];
  return typeof attribute === 'string' && attribute ? attribute : undefined;
}

/** Only GenAI events join their span's run: other logs have nowhere in a run to go (documented). */
export function isGenAiLogRecord(record: Pick<SpanLogRecord, 'eventName' | 'attributes'>): boolean {
  return logEventName(record)?.startsWith(GEN_AI_EVENT_PREFIX) ?? false;
}

/** A span attribute keeps primitives and arrays of primitives; anything deeper travels as JSON. */
function attributeValue(value: unknown): AttributeValue | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  if (value instanceof Uint8Array) return base64(value);
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? base64(v) : v));
}

/** Bytes (an AnyValue kind) as base64, without Node's Buffer: mapping runs in every JS runtime. */
function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

/**
 * The span event a log record becomes: named after its event, at its time, with its attributes
 * (but `event.name`) and its body's fields as attributes (a body that is not a map goes under
 * `body`). Attributes win over body fields of the same name: they are the record's own metadata.
 */
export function logRecordToSpanEvent(record: SpanLogRecord): TimedEvent {
  const attributes: Attributes = {};
  if (isMap(record.body)) {
    for (const key of Object.keys(record.body)) {
      const value = attributeValue(record.body[key]);
      if (value !== undefined && key !== '__proto__') attributes[key] = value;
    }
  } else {
    const value = attributeValue(record.body);
    if (value !== undefined) attributes[LOG_BODY_ATTRIBUTE] = value;
  }
  for (const key of Object.keys(record.attributes)) {
    if (key === ATTR_EVENT_NAME || key === '__proto__') continue;
    const value = attributeValue(record.attributes[key]);
    if (value !== undefined) attributes[key] = value;
  }
  return { name: logEventName(record) ?? 'log', time: record.time, attributes };
}
