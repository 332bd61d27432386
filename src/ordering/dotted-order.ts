import { printableMicros } from '../mapping/time.js';

// Runs of a batch share their second: the date part is formatted once per second (a memo of one
// entry; the result depends only on the input), as for run times.
let memoSecond = Number.NaN;
let memoPrefix = '';

/**
 * LangSmith's `dotted_order` segment for a run: its start time as `YYYYMMDDTHHMMSSffffffZ`
 * (exactly six fractional digits) followed by the run id. A child's dotted order is its parent's
 * plus `.` plus its own segment; the root's id is the trace id.
 */
export function dottedSegment(startMicros: number, runId: string): string {
  startMicros = printableMicros(startMicros);
  const second = Math.floor(startMicros / 1_000_000);
  if (second !== memoSecond) {
    const iso = new Date(second * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
    memoPrefix = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
    memoSecond = second;
  }
  const fraction = String(startMicros - second * 1_000_000).padStart(6, '0');
  return `${memoPrefix}${fraction}Z${runId}`;
}
