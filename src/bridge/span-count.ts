/**
 * Upper bounds of how many spans a request holds, read from the raw bytes before decoding: a
 * few KiB of gzip can decompress into millions of empty spans, and decoding them (not the bytes)
 * is what costs memory and event-loop time. Both walks allocate nothing.
 */

/** Protobuf: counts `ExportTraceServiceRequest.resource_spans(1).scope_spans(2).spans(2)` entries. */
export function countProtobufSpans(body: Uint8Array): number {
  let spans = 0;
  forEachField(body, 0, body.length, 1, (start, end) =>
    forEachField(body, start, end, 2, (scopeStart, scopeEnd) => forEachField(body, scopeStart, scopeEnd, 2, () => spans++)),
  );
  return spans;
}

/** Calls `visit` with the bounds of each length-delimited field `wanted` in [start, end); stops at malformed data. */
function forEachField(bytes: Uint8Array, start: number, end: number, wanted: number, visit: (start: number, end: number) => void): void {
  let at = start;
  while (at < end) {
    const key = varint(bytes, at, end);
    if (!key) return;
    at = key.next;
    const field = Math.floor(key.value / 8);
    const wireType = key.value % 8;
    if (wireType === 0) {
      const skipped = varint(bytes, at, end);
      if (!skipped) return;
      at = skipped.next;
    } else if (wireType === 1) at += 8;
    else if (wireType === 5) at += 4;
    else if (wireType === 2) {
      const length = varint(bytes, at, end);
      if (!length || length.next + length.value > end) return;
      if (field === wanted) visit(length.next, length.next + length.value);
      at = length.next + length.value;
    } else return; // groups or garbage: the decoder will report it
  }
}

function varint(bytes: Uint8Array, at: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let shift = 0, i = at; i < end && shift < 35; shift += 7, i++) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return { value, next: i + 1 };
  }
  return undefined;
}

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** `{"resourceSpans":[{"scopeSpans":[{"spans":[{` — a span object opens at nesting depth 7. */
const SPAN_DEPTH = 7;

/**
 * JSON: counts objects opening at the nesting depth of spans (strings skipped). Resource
 * attribute values sit at that depth too, so this is an upper bound, close for real requests.
 */
export function countJsonSpans(body: Uint8Array): number {
  let depth = 0;
  let spans = 0;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i]!;
    if (byte === QUOTE) {
      for (i++; i < body.length && body[i] !== QUOTE; i++) if (body[i] === BACKSLASH) i++;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      depth++;
      if (byte === OPEN_OBJECT && depth === SPAN_DEPTH) spans++;
    } else if (byte === 0x7d || byte === 0x5d) {
      depth--;
    }
  }
  return spans;
}
