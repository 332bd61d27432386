import { ExportLogsServiceResponse, ExportTraceServiceResponse, RpcStatus } from './otlp-schema.js';

/** The encoding of a request, and so of its response. */
export type OtlpFormat = 'protobuf' | 'json';

export interface EncodedBody {
  contentType: string;
  body: Buffer;
}

/** Which OTLP signal a request carried, and so which response it gets. */
export type OtlpSignal = 'traces' | 'logs';

export interface PartialSuccess {
  /** Spans, or log records for a logs request. */
  rejectedSpans: number;
  errorMessage: string;
}

const CONTENT_TYPE: Record<OtlpFormat, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/**
 * An ExportTraceServiceResponse (or ExportLogsServiceResponse for logs): empty for full success,
 * else with `partial_success` (`rejected_spans` / `rejected_log_records`).
 */
export function encodeExportResponse(format: OtlpFormat, partial?: PartialSuccess, signal: OtlpSignal = 'traces'): EncodedBody {
  const rejectedKey = signal === 'logs' ? 'rejectedLogRecords' : 'rejectedSpans';
  if (format === 'json') {
    // proto3 JSON writes int64 as a decimal string.
    const body = partial ? { partialSuccess: { [rejectedKey]: String(partial.rejectedSpans), errorMessage: partial.errorMessage } } : {};
    return { contentType: CONTENT_TYPE.json, body: Buffer.from(JSON.stringify(body)) };
  }
  const type = signal === 'logs' ? ExportLogsServiceResponse : ExportTraceServiceResponse;
  const message = type.create(partial ? { partialSuccess: { [rejectedKey]: partial.rejectedSpans, errorMessage: partial.errorMessage } } : {});
  return { contentType: CONTENT_TYPE.protobuf, body: Buffer.from(type.encode(message).finish()) };
}

/**
 * The body of a 4xx/5xx answer: a google.rpc.Status in the request's encoding, as OTLP/HTTP asks.
 * Its `code` is left out, which OTLP allows; clients go by the HTTP status.
 */
export function encodeErrorStatus(format: OtlpFormat, message: string): EncodedBody {
  if (format === 'json') return { contentType: CONTENT_TYPE.json, body: Buffer.from(JSON.stringify({ message })) };
  return { contentType: CONTENT_TYPE.protobuf, body: Buffer.from(RpcStatus.encode(RpcStatus.create({ message })).finish()) };
}
