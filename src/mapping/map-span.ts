import { SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { ATTR_OTEL_STATUS_CODE, ATTR_OTEL_STATUS_DESCRIPTION } from '@opentelemetry/semantic-conventions';
import type { FeedbackCreate } from '../schema/feedback.js';
import type { RunCreate, RunEvent } from '../schema/run.js';
import { assignOwn, attributesToRecord } from './attribute-values.js';
import { CONVENTIONS, readConventions, type Convention } from './conventions/index.js';
import { errorFromSpan } from './error.js';
import { eventsFromSpan } from './events.js';
import { feedbackFromEvents } from './feedback.js';
import { META_ORIGINAL_END_TIME, META_PARENT_SPAN_ID, META_SPAN_ID, META_SPAN_KIND, META_TRACE_ID } from './metadata-keys.js';
import { modelMetadata } from './llm/model-metadata.js';
import { isValidSpanId, isValidTraceId, runIdOfValidSpanId } from './run-id.js';
import { runtimeRecordOf } from './runtime-record.js';
import { readThreadKey, type ThreadKey } from './thread-key.js';
import { hrTimeToMicros, microsToIso, printableMicros } from './time.js';

/** What `mapSpan` needs besides the span. */
export interface MappingOptions {
  /** Project for runs that do not name one through `langsmith.trace.session_name`. */
  projectName: string;
  conventions?: readonly Convention[];
}

/** A run plus what ordering needs to know about it, without parsing the run again. */
export interface MappedSpan {
  run: RunCreate;
  startMicros: number;
  /** Span id of the parent, when the span has a valid one. */
  parentSpanId?: string;
  /** The parent was created in another process (propagated context). */
  parentIsRemote: boolean;
  /** LangSmith feedback from the span's evaluation results (feedback.ts), sent once the run is stored. */
  feedback?: FeedbackCreate[];
  /** The run's thread key (thread-key.ts), which the pipeline carries to the trace's other runs. */
  thread?: ThreadKey;
}

/** A span that cannot become a run (its id cannot make a run id). */
export class UnmappableSpanError extends Error {
  override name = 'UnmappableSpanError';
}

/** Spans of SDK 1.x carry `parentSpanId` instead of `parentSpanContext`. */
type AnySdkSpan = ReadableSpan & { parentSpanId?: string };

/** The parent's span id, when it has a valid one. */
function parentSpanIdOf(span: AnySdkSpan): string | undefined {
  const spanId = span.parentSpanContext?.spanId ?? span.parentSpanId;
  return spanId && isValidSpanId(spanId) ? spanId : undefined;
}

/** Span events not turned into run fields by a convention, then the conventions' own events. */
function runEvents(events: readonly TimedEvent[], consumed: readonly string[], added: RunEvent[] | undefined): RunEvent[] {
  const kept = consumed.length ? events.filter((e) => !consumed.includes(e.name)) : events;
  const mapped = kept.length ? eventsFromSpan(kept) : [];
  return added?.length ? [...mapped, ...added] : mapped;
}

/**
 * Pure: one ended span to one LangSmith run. No I/O, no clock; what it caches depends on its input
 * alone. `extra.runtime` (resource and scope) is one frozen record shared by the runs of a
 * tracer: copy it before changing it.
 */
export function mapSpan(span: ReadableSpan, options: MappingOptions): MappedSpan {
  const context = span.spanContext();
  if (!isValidTraceId(context.traceId)) {
    throw new UnmappableSpanError(`span ${JSON.stringify(span.name)} has an invalid trace id ${JSON.stringify(context.traceId)}`);
  }
  if (!isValidSpanId(context.spanId)) {
    throw new UnmappableSpanError(`span ${JSON.stringify(span.name)} has an invalid span id ${JSON.stringify(context.spanId)}`);
  }
  const attributes: Attributes = span.attributes ?? {};
  const events = span.events ?? [];
  const runtime = runtimeRecordOf(span);
  const resource: Attributes = span.resource?.attributes ?? {};
  const otelParentSpanId = parentSpanIdOf(span as AnySdkSpan);
  const ids = { traceId: context.traceId, spanId: context.spanId, parentSpanId: otelParentSpanId };
  const read = readConventions(options.conventions ?? CONVENTIONS, { name: span.name, kind: span.kind, attributes, resource, events, ids, statusCode: span.status?.code });
  const runType = read.runType ?? 'chain';
  // A producer that exported only some spans of a trace (LangSmith's own span processor) names the
  // parent it kept; the span's own parent would never arrive.
  const parentSpanId = read.parent === undefined ? otelParentSpanId : read.parent === 'none' ? undefined : read.parent.spanId;

  const startMicros = printableMicros(hrTimeToMicros(span.startTime));
  const rawEnd = span.endTime ? hrTimeToMicros(span.endTime) : Number.NaN;
  const endMicros = Number.isFinite(rawEnd) && rawEnd > 0 ? printableMicros(rawEnd) : startMicros;

  const metadata: Record<string, unknown> = attributesToRecord(attributes, read.consumed.length ? new Set(read.consumed) : undefined);
  const derived = modelMetadata(runType, read.model, read.invocationParams);
  assignOwn(metadata, derived);
  // What the producer states as metadata wins over what is derived (`langsmith.metadata.ls_provider`).
  if (read.metadata) assignOwn(metadata, read.metadata);
  if (read.invocationParams) metadata.ls_invocation_params = read.invocationParams;
  const thread = readThreadKey(attributes, metadata);
  metadata[META_SPAN_KIND] = SpanKind[span.kind] ?? String(span.kind);
  metadata[ATTR_OTEL_STATUS_CODE] = SpanStatusCode[span.status?.code ?? SpanStatusCode.UNSET];
  if (span.status?.message) metadata[ATTR_OTEL_STATUS_DESCRIPTION] = span.status.message;
  metadata[META_TRACE_ID] = context.traceId;
  metadata[META_SPAN_ID] = context.spanId;
  if (otelParentSpanId) metadata[META_PARENT_SPAN_ID] = otelParentSpanId;
  if (endMicros < startMicros) metadata[META_ORIGINAL_END_TIME] = microsToIso(endMicros);
  if (span.droppedAttributesCount) metadata['otel.dropped_attributes_count'] = span.droppedAttributesCount;
  if (span.droppedEventsCount) metadata['otel.dropped_events_count'] = span.droppedEventsCount;
  if (span.droppedLinksCount) metadata['otel.dropped_links_count'] = span.droppedLinksCount;
  if (span.links?.length) {
    metadata['otel.links'] = span.links.map((link) => ({
      trace_id: link.context.traceId,
      span_id: link.context.spanId,
      attributes: attributesToRecord(link.attributes ?? {}),
    }));
  }

  const error = read.error ?? errorFromSpan(span);
  const run: RunCreate = {
    id: runIdOfValidSpanId(context.spanId),
    name: read.name ?? (span.name?.trim() || 'unnamed span'),
    run_type: runType,
    inputs: read.inputs ?? {},
    start_time: microsToIso(startMicros),
    end_time: microsToIso(Math.max(startMicros, endMicros)),
    events: runEvents(events, read.consumedEvents, read.events),
    tags: read.tags ?? [],
  };
  // A project named by id (LangSmith's SDKs know it) is exact; a name is the fallback.
  if (read.sessionId !== undefined && read.sessionName === undefined) run.session_id = read.sessionId;
  else run.session_name = read.sessionName ?? options.projectName;
  if (error !== undefined) run.error = error;
  if (read.serialized) run.serialized = read.serialized;
  // Usage belongs to the model call itself; wrappers that repeat it would count it twice.
  // A producer that wrote usage_metadata into the outputs itself (LangSmith's SDKs) keeps its own.
  const usage = runType === 'llm' && read.outputs?.usage_metadata === undefined ? read.usage : undefined;
  if (error === undefined || read.outputs || usage) run.outputs = usage ? { ...read.outputs, usage_metadata: usage } : (read.outputs ?? {});
  if (parentSpanId) run.parent_run_id = runIdOfValidSpanId(parentSpanId);
  // Last, with the shared runtime record last inside it: the body then ends with the runtime's
  // JSON, which serialization splices in without searching for it (shaping/serialize-run.ts).
  run.extra = read.invocationParams ? { metadata, invocation_params: read.invocationParams, runtime } : { metadata, runtime };
  const parentIsRemote = parentSpanId !== undefined && parentSpanId === otelParentSpanId && span.parentSpanContext?.isRemote === true;
  const mapped: MappedSpan = { run, startMicros, parentSpanId, parentIsRemote };
  if (thread) mapped.thread = thread;
  const feedback = events.length ? feedbackFromEvents(events, context.spanId, run.id) : undefined;
  if (feedback) mapped.feedback = feedback;
  return mapped;
}
