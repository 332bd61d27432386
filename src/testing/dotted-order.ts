import type { RunCreate } from '../schema/run.js';
import { isUuid, isValidDateTime } from '../schema/validate-run.js';

export type Lineage = { ok: true; dotted_order: string; trace_id: string } | { ok: false; detail: string };

export interface ParentLineage {
  dotted_order: string;
  trace_id: string;
}

const SEGMENT_PATTERN = /^((\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\d{6}Z)(.+)$/;
const SEGMENT_FORMAT = 'YYYYMMDDTHHMMSSffffffZ<uuid>';

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** The timestamp half of a dotted_order segment: UTC, exactly six fraction digits. */
export function formatSegmentTimestamp(epochMicros: number): string {
  const date = new Date(Math.floor(epochMicros / 1000));
  const microsOfSecond = epochMicros - Math.floor(epochMicros / 1_000_000) * 1_000_000;
  return (
    `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}` +
    `${pad(microsOfSecond, 6)}Z`
  );
}

interface Segment {
  timestamp: string;
  uuid: string;
}

function parseSegment(part: string): Segment | undefined {
  const m = SEGMENT_PATTERN.exec(part);
  if (!m || !isUuid(m[8])) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(2, 8).map(Number) as [number, number, number, number, number, number];
  if (!isValidDateTime(year, month, day, hour, minute, second)) return undefined;
  return { timestamp: m[1] as string, uuid: m[8] };
}

function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Where a run sits in its trace. A given dotted_order/trace_id is checked the way LangSmith
 * checks it; otherwise both are derived from the parent, as the service does for bare runs.
 */
export function resolveLineage(run: RunCreate, startMicros: number, parent: ParentLineage | undefined): Lineage {
  const ownSegment = `${formatSegmentTimestamp(startMicros)}${run.id}`;
  const dottedOrder = run.dotted_order ?? (parent ? `${parent.dotted_order}.${ownSegment}` : ownSegment);
  const parts = dottedOrder.split('.');
  const segments = parts.map(parseSegment);

  const problem =
    (run.dotted_order !== undefined && checkGivenDottedOrder(run.id, parts, segments, parent)) ||
    (parent && checkNotBeforeParent(segments, parent));
  if (problem) return { ok: false, detail: problem };

  const traceId = parent ? parent.trace_id : run.id;
  const firstUuid = segments[0]?.uuid ?? '';
  if (run.trace_id !== undefined && !sameId(run.trace_id, firstUuid)) {
    return { ok: false, detail: `trace_id ${run.trace_id} does not match first part of dotted_order ${firstUuid}` };
  }
  return { ok: true, dotted_order: dottedOrder, trace_id: traceId };
}

function checkGivenDottedOrder(
  id: string,
  parts: string[],
  segments: (Segment | undefined)[],
  parent: ParentLineage | undefined,
): string | undefined {
  const malformed = parts.find((_, i) => segments[i] === undefined);
  if (malformed !== undefined) return `dotted_order part '${malformed}' is not ${SEGMENT_FORMAT}`;
  if (!parent && parts.length !== 1) return 'dotted_order must contain a single part for root runs';
  if (parent && parts.length < 2) return 'dotted_order must contain at least two parts for child runs';
  const lastUuid = segments[segments.length - 1]?.uuid ?? '';
  if (!sameId(lastUuid, id)) return `dotted_order last part uuid ${lastUuid} does not match run id ${id}`;
  const parentPart = parts.slice(0, -1).join('.');
  if (parent && !sameId(parentPart, parent.dotted_order)) {
    return `dotted_order ${parentPart} does not match parent dotted_order ${parent.dotted_order}`;
  }
  return undefined;
}

/** Where a child's parent is unavailable (rejected in the same batch, or missing): checks needing it are skipped. */
export const UNKNOWN_PARENT = 'unknown-parent';

/**
 * Every problem with a run's own dotted_order and trace_id, as batch ingestion (which requires
 * both) checks them: the rules of `resolveLineage`, plus the last segment's timestamp being the
 * run's start_time at microsecond precision. `parent` is undefined for a root run.
 */
export function checkGivenLineage(
  run: RunCreate & { dotted_order: string; trace_id: string },
  startMicros: number,
  parent: ParentLineage | typeof UNKNOWN_PARENT | undefined,
): string[] {
  const parts = run.dotted_order.split('.');
  const segments = parts.map(parseSegment);
  const malformed = parts.filter((_, i) => segments[i] === undefined);
  if (malformed.length > 0) return malformed.map((part) => `dotted_order part '${part}' is not ${SEGMENT_FORMAT}`);
  const first = segments[0] as Segment;
  const last = segments[segments.length - 1] as Segment;

  const problems: string[] = [];
  if (parent === undefined && parts.length !== 1) problems.push('dotted_order must contain a single part for root runs');
  if (parent !== undefined && parts.length < 2) problems.push('dotted_order must contain at least two parts for child runs');
  if (!sameId(last.uuid, run.id)) problems.push(`dotted_order last part uuid ${last.uuid} does not match run id ${run.id}`);
  if (!sameId(run.trace_id, first.uuid)) {
    problems.push(`trace_id ${run.trace_id} does not match first part of dotted_order ${first.uuid}`);
  }
  const startTimestamp = formatSegmentTimestamp(startMicros);
  if (last.timestamp !== startTimestamp) {
    problems.push(`dotted_order timestamp ${last.timestamp} does not match start_time ${run.start_time} (${startTimestamp})`);
  }
  if (parent !== undefined && parent !== UNKNOWN_PARENT && parts.length >= 2) {
    const parentPart = parts.slice(0, -1).join('.');
    if (!sameId(parentPart, parent.dotted_order)) {
      problems.push(`dotted_order ${parentPart} does not match parent dotted_order ${parent.dotted_order}`);
    }
    const early = checkNotBeforeParent(segments, parent);
    if (early) problems.push(early);
  }
  return problems;
}

function checkNotBeforeParent(segments: (Segment | undefined)[], parent: ParentLineage): string | undefined {
  const own = segments[segments.length - 1]?.timestamp ?? '';
  const parentTimestamp = parent.dotted_order.split('.').map(parseSegment).pop()?.timestamp ?? '';
  // Fixed-width UTC timestamps order lexically.
  return own < parentTimestamp
    ? `dotted_order has timestamp ${own} earlier than parent timestamp ${parentTimestamp}`
    : undefined;
}
