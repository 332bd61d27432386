/**
 * LangSmith's `dotted_order` segment for a run: its start time as `YYYYMMDDTHHMMSSffffffZ`
 * (exactly six fractional digits) followed by the run id. A child's dotted order is its parent's
 * plus `.` plus its own segment; the root's id is the trace id.
 */
export function dottedSegment(startMicros: number, runId: string): string {
  const iso = new Date(Math.floor(startMicros / 1000)).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const fraction = String(((startMicros % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0');
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}${fraction}Z${runId}`;
}
