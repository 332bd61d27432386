/**
 * Metadata keys this exporter adds to `extra.metadata`. OTel identity uses the `otel.` namespace
 * like OTel's own non-OTLP exporters; what the exporter itself decided uses `otel_langsmith.`.
 */
export const META_SPAN_KIND = 'otel.span_kind';
export const META_TRACE_ID = 'otel.trace_id';
export const META_SPAN_ID = 'otel.span_id';
export const META_PARENT_SPAN_ID = 'otel.parent_span_id';

/** Why a run that had a parent was sent as a root: see {@link OrphanReason}. */
export const META_ORPHAN_REASON = 'otel_langsmith.orphan_reason';
/** The start time the span had before it was moved to its parent's start (clock skew). */
export const META_ORIGINAL_START_TIME = 'otel_langsmith.original_start_time';
/** The end time the span had when it ended before it started. */
export const META_ORIGINAL_END_TIME = 'otel_langsmith.original_end_time';
/** The run id of a parent left out by the span filter; the run now hangs under its nearest kept ancestor. */
export const META_REPARENTED_FROM = 'otel_langsmith.reparented_from';
/** Set on a run whose thread key was carried from another run of its trace (pipeline/trace-threads.ts). */
export const META_THREAD_KEY_FROM_TRACE = 'otel_langsmith.thread_key_from_trace';
