import type { HrTime } from '@opentelemetry/api';

/** Microseconds since the epoch; exact for any plausible date (below 2^53). */
export function hrTimeToMicros([seconds, nanos]: HrTime): number {
  return seconds * 1_000_000 + Math.floor(nanos / 1000);
}

// Spans of one batch share their seconds: formatting the date part once per second is most of
// the cost of this function (a memo of one entry; the result depends only on the input).
let memoSecond = Number.NaN;
let memoPrefix = '';

/** ISO 8601 UTC with exactly six fractional digits, as LangSmith stores run times. */
export function microsToIso(micros: number): string {
  micros = printableMicros(micros);
  const second = Math.floor(micros / 1_000_000);
  if (second !== memoSecond) {
    memoPrefix = new Date(second * 1000).toISOString().slice(0, 19); // YYYY-MM-DDTHH:MM:SS
    memoSecond = second;
  }
  const fraction = String(micros - second * 1_000_000).padStart(6, '0');
  return `${memoPrefix}.${fraction}Z`;
}

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range an ISO 8601 year of four digits (and Python's datetime) holds. */
const MIN_MICROS = -62_135_596_800_000_000;
const MAX_MICROS = 253_402_300_799_000_000;

/** A time any calendar can print: non-finite becomes the epoch, the rest is clamped into years 1 to 9999. */
export function printableMicros(micros: number): number {
  if (!Number.isFinite(micros)) return 0;
  return Math.min(MAX_MICROS, Math.max(MIN_MICROS, micros));
}
