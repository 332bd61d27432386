import type { HrTime } from '@opentelemetry/api';

/** Microseconds since the epoch; exact for any plausible date (below 2^53). */
export function hrTimeToMicros([seconds, nanos]: HrTime): number {
  return seconds * 1_000_000 + Math.floor(nanos / 1000);
}

/** ISO 8601 UTC with exactly six fractional digits, as LangSmith stores run times. */
export function microsToIso(micros: number): string {
  const millis = Math.floor(micros / 1000);
  const iso = new Date(millis).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const fraction = String(((micros % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0');
  return `${iso.slice(0, 19)}.${fraction}Z`;
}
