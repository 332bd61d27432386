const SPAN_ID = /^[0-9a-f]{16}$/;

/** True for a W3C span id: 16 lowercase hex digits, not all zero. */
export function isValidSpanId(spanId: string): boolean {
  return SPAN_ID.test(spanId) && spanId !== '0000000000000000';
}

/**
 * The LangSmith run id of an OTel span, by LangSmith's own rule for OTel ingestion: eight zero
 * bytes followed by the eight span-id bytes. Span `0102030405060708` is run
 * `00000000-0000-0000-0102-030405060708`. Use it to attach feedback to the run of a span.
 */
export function runIdFromSpanId(spanId: string): string {
  const hex = typeof spanId === 'string' ? spanId.toLowerCase() : '';
  if (!isValidSpanId(hex)) throw new TypeError(`not a valid OTel span id: ${JSON.stringify(spanId)}`);
  return `00000000-0000-0000-${hex.slice(0, 4)}-${hex.slice(4)}`;
}
