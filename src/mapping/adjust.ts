import type { RunCreate } from '../schema/run.js';
import { META_ORIGINAL_START_TIME, META_ORPHAN_REASON, META_REPARENTED_FROM } from './metadata-keys.js';
import { microsToIso } from './time.js';

/** Why a run with a parent went out as a root. */
export type OrphanReason = 'parent_timeout' | 'buffer_full' | 'shutdown' | 'parent_failed' | 'remote_parent';

function metadataOf(run: RunCreate): Record<string, unknown> {
  run.extra ??= {};
  run.extra.metadata ??= {};
  return run.extra.metadata;
}

/**
 * Makes a run a root (its parent will not be acknowledged), recording why. The parent's span id
 * stays in metadata as `otel.parent_span_id`.
 */
export function detachFromParent(run: RunCreate, reason: OrphanReason): void {
  delete run.parent_run_id;
  metadataOf(run)[META_ORPHAN_REASON] = reason;
}

/**
 * LangSmith derives `dotted_order` from start times and rejects a child that starts before its
 * parent, which clock anchoring and skew across hosts produce. Moves such a child to its parent's
 * start (and its end with it if needed), keeping the original start in metadata.
 */
export function clampStartToParent(run: RunCreate, startMicros: number, parentStartMicros: number): void {
  if (startMicros >= parentStartMicros) return;
  metadataOf(run)[META_ORIGINAL_START_TIME] = run.start_time;
  const clamped = microsToIso(parentStartMicros);
  run.start_time = clamped;
  if (run.end_time !== undefined && run.end_time < clamped) run.end_time = clamped;
}

/** Attaches a run to the nearest kept ancestor of its filtered-out parent (none: a root). */
export function reparent(run: RunCreate, parentRunId: string | undefined): void {
  if (run.parent_run_id) metadataOf(run)[META_REPARENTED_FROM] = run.parent_run_id;
  if (parentRunId) run.parent_run_id = parentRunId;
  else delete run.parent_run_id;
}
