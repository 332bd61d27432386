const SPAN_ID = /^[0-9a-f]{16}$/;
const TRACE_ID = /^[0-9a-f]{32}$/;

/** True for a W3C span id: 16 lowercase hex digits, not all zero. */
export function isValidSpanId(spanId: string): boolean {
  return typeof spanId === 'string' && SPAN_ID.test(spanId) && spanId !== '0000000000000000';
}

// The spans of a batch mostly share a few traces: remember the last trace id found valid.
let lastValidTraceId: string | undefined;

/** True for a W3C trace id: 32 lowercase hex digits, not all zero. */
export function isValidTraceId(traceId: string): boolean {
  if (traceId === lastValidTraceId) return true;
  if (typeof traceId !== 'string' || !TRACE_ID.test(traceId) || traceId === '00000000000000000000000000000000') return false;
  lastValidTraceId = traceId;
  return true;
}

/**
 * The LangSmith run id of an OTel span, by LangSmith's own rule for OTel ingestion: eight zero
 * bytes followed by the eight span-id bytes. Span `0102030405060708` is run
 * `00000000-0000-0000-0102-030405060708`. Use it to attach feedback to the run of a span.
 */
export function runIdFromSpanId(spanId: string): string {
  const hex = typeof spanId === 'string' ? spanId.toLowerCase() : '';
  if (!isValidSpanId(hex)) throw new TypeError(`not a valid OTel span id: ${JSON.stringify(spanId)}`);
  return runIdOfValidSpanId(hex);
}

/** `runIdFromSpanId` for an id already checked by `isValidSpanId`. */
export function runIdOfValidSpanId(spanId: string): string {
  return `00000000-0000-0000-${spanId.slice(0, 4)}-${spanId.slice(4)}`;
}
