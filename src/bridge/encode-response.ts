import { ExportTraceServiceResponse, RpcStatus } from './otlp-schema.js';

/** The encoding of a request, and so of its response. */
export type OtlpFormat = 'protobuf' | 'json';

export interface EncodedBody {
  contentType: string;
  body: Buffer;
}

export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

const CONTENT_TYPE: Record<OtlpFormat, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** An ExportTraceServiceResponse: empty for full success, else with `partial_success`. */
export function encodeExportResponse(format: OtlpFormat, partial?: PartialSuccess): EncodedBody {
  if (format === 'json') {
    // proto3 JSON writes int64 as a decimal string.
    const body = partial ? { partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage } } : {};
    return { contentType: CONTENT_TYPE.json, body: Buffer.from(JSON.stringify(body)) };
  }
  const message = ExportTraceServiceResponse.create(partial ? { partialSuccess: partial } : {});
  return { contentType: CONTENT_TYPE.protobuf, body: Buffer.from(ExportTraceServiceResponse.encode(message).finish()) };
}

/**
 * The body of a 4xx/5xx answer: a google.rpc.Status in the request's encoding, as OTLP/HTTP asks.
 * Its `code` is left out, which OTLP allows; clients go by the HTTP status.
 */
export function encodeErrorStatus(format: OtlpFormat, message: string): EncodedBody {
  if (format === 'json') return { contentType: CONTENT_TYPE.json, body: Buffer.from(JSON.stringify({ message })) };
  return { contentType: CONTENT_TYPE.protobuf, body: Buffer.from(RpcStatus.encode(RpcStatus.create({ message })).finish()) };
}
