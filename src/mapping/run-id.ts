/** True for a W3C span id: 16 lowercase hex digits, not all zero. */
export function isValidSpanId(spanId: string): boolean {
  return isLowerHexId(spanId, 16);
}

/** True for a W3C trace id: 32 lowercase hex digits, not all zero. */
export function isValidTraceId(traceId: string): boolean {
  return isLowerHexId(traceId, 32);
}

// A character loop instead of a regular expression: this runs several times per span, and the
// loop needs no regexp call and ends at the first bad character.
function isLowerHexId(id: string, length: number): boolean {
  if (typeof id !== 'string' || id.length !== length) return false;
  let nonZero = false;
  for (let i = 0; i < length; i++) {
    const code = id.charCodeAt(i);
    if (code === 48) continue; // '0'
    if ((code > 48 && code <= 57) || (code >= 97 && code <= 102)) nonZero = true;
    else return false;
  }
  return nonZero;
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
