import { isGenAiLogRecord, type SpanLogRecord } from '../mapping/log-record-event.js';
import type { OtlpAnyValue, OtlpLogsRequest } from './otlp-model.js';
import { hrTime } from './to-readable-span.js';

/** What an OTLP logs request holds, as far as joining records to runs goes. */
export interface ConvertedLogs {
  /** GenAI log records with a valid span context: each joins its span's run. */
  records: SpanLogRecord[];
  /** Valid records that are not GenAI events: they have nowhere in a run to go (counted, dropped). */
  ignored: number;
  /** GenAI records without a span context: no run to join (counted, said once). */
  withoutSpan: number;
  /** Records that cannot be read (undecodable, ids of the wrong length): partial success. */
  rejected: number;
  /** The first few reasons, for the partial-success message. */
  reasons: string[];
}

const MAX_REASONS = 3;
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO = /^0+$/;

/**
 * A decoded ExportLogsServiceRequest to the records the bridge joins to spans. Which records
 * join is the shared rule of src/mapping/log-record-event.ts (`isGenAiLogRecord`: the event name,
 * `EventName` or the `event.name` attribute, starts with `gen_ai.`). A record's span context is
 * its `trace_id` and `span_id` (the log data model's TraceId/SpanId: both empty when it was not
 * emitted inside a span; https://opentelemetry.io/docs/specs/otel/logs/data-model/#field-traceid).
 */
export function toSpanLogRecords(request: OtlpLogsRequest): ConvertedLogs {
  const out: ConvertedLogs = { records: [], ignored: 0, withoutSpan: 0, rejected: 0, reasons: [] };
  const reject = (reason: string): void => {
    out.rejected++;
    if (out.reasons.length < MAX_REASONS) out.reasons.push(reason);
  };
  for (const rl of request.resourceLogs) {
    for (const sl of rl.scopeLogs) {
      for (const otlp of sl.logRecords) {
        if ('undecodable' in otlp) {
          reject(`undecodable log record: ${otlp.undecodable}`);
          continue;
        }
        if ((otlp.traceId !== '' && !TRACE_ID.test(otlp.traceId)) || (otlp.spanId !== '' && !SPAN_ID.test(otlp.spanId))) {
          reject(`log record with invalid ids (trace ${JSON.stringify(otlp.traceId)}, span ${JSON.stringify(otlp.spanId)})`);
          continue;
        }
        const attributes = toPlainMap(otlp.attributes);
        const candidate = { eventName: otlp.eventName || undefined, attributes };
        if (!isGenAiLogRecord(candidate)) {
          out.ignored++;
          continue;
        }
        if (otlp.traceId === '' || otlp.spanId === '' || ZERO.test(otlp.traceId) || ZERO.test(otlp.spanId)) {
          out.withoutSpan++;
          continue;
        }
        const time = otlp.timeUnixNano !== 0n ? otlp.timeUnixNano : otlp.observedTimeUnixNano;
        const body = toPlain(otlp.body);
        out.records.push({
          traceId: otlp.traceId,
          spanId: otlp.spanId,
          eventName: candidate.eventName,
          time: hrTime(time),
          attributes,
          ...(body === undefined || body === null ? {} : { body }),
        });
      }
    }
  }
  return out;
}

/**
 * An AnyValue as plain data, keeping its structure (the log data model allows maps and arrays in
 * bodies and attributes, which is where GenAI events carry messages): ints a number when a double
 * holds them exactly, else their decimal string; bytes as bytes (logRecordToSpanEvent writes them
 * as base64). Maps have no prototype, so keys such as `__proto__` stay plain keys.
 */
function toPlain(value: OtlpAnyValue): unknown {
  switch (value.kind) {
    case 'empty':
      return null;
    case 'int': {
      const n = Number(value.value);
      return BigInt(n) === value.value ? n : value.value.toString();
    }
    case 'array':
      return value.values.map(toPlain);
    case 'kvlist':
      return toPlainMap(value.values);
    default:
      return value.value;
  }
}

function toPlainMap(list: ReadonlyArray<{ key: string; value: OtlpAnyValue }>): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (const { key, value } of list) out[key] = toPlain(value);
  return out;
}
