import { SpanStatusCode } from '@opentelemetry/api';
import { ATTR_EXCEPTION_MESSAGE, ATTR_EXCEPTION_STACKTRACE, ATTR_EXCEPTION_TYPE, EVENT_EXCEPTION } from '@opentelemetry/semantic-conventions';
import { RUN_TYPES, type RunType } from '../../schema/run.js';
import { toJsonValue } from '../attribute-values.js';
import { lastException } from '../error.js';
import { parseJsonObject, parseJsonTolerant } from '../llm/json.js';
import { usageFromRecord } from '../llm/usage.js';
import { isValidSpanId } from '../run-id.js';
import { AttributeReader } from './attribute-reader.js';
import type { Convention, ConventionResult, SpanView } from './types.js';

// LangSmith's own span attributes, as its SDKs write them in OpenTelemetry mode (JS
// `langsmith/experimental/otel`, Python `LANGSMITH_OTEL_ENABLED` / tracing mode `otel`) and as
// LangSmith's OTel ingest reads them. Their `gen_ai.prompt` / `gen_ai.completion` (a run's whole
// inputs and outputs as JSON) and `gen_ai.usage.*` belong to the GenAI family and are read there.
export const LANGSMITH_PREFIX = 'langsmith.';
export const LANGSMITH_SPAN_KIND = 'langsmith.span.kind';
export const LANGSMITH_TRACE_NAME = 'langsmith.trace.name';
export const LANGSMITH_SPAN_TAGS = 'langsmith.span.tags';
export const LANGSMITH_SESSION_NAME = 'langsmith.trace.session_name';
export const LANGSMITH_SESSION_ID = 'langsmith.trace.session_id';
export const LANGSMITH_METADATA_PREFIX = 'langsmith.metadata.';
export const LANGSMITH_USAGE_METADATA = 'langsmith.usage_metadata';
/** Set by the SDKs on every span they make for a run. */
export const LANGSMITH_TRACEABLE = 'langsmith.traceable';
/** Set by LangSmith's JS span processor, which exports only traced spans: no traced ancestor. */
export const LANGSMITH_IS_ROOT = 'langsmith.is_root';
/** Set by the same processor: the run id of the nearest traced ancestor (LangSmith's id rule for span ids). */
export const LANGSMITH_PARENT_RUN_ID = 'langsmith.span.parent_id';
export const LANGSMITH_TRACEABLE_PARENT_SPAN_ID = 'langsmith.traceable_parent_otel_span_id';
/** The run's `serialized` (what code it is), in the GenAI namespace but LangSmith's own. */
const SERIALIZED_FIELDS: ReadonlyArray<readonly [attribute: string, field: string]> = [
  ['gen_ai.serialized.name', 'name'],
  ['gen_ai.serialized.signature', 'signature'],
  ['gen_ai.serialized.doc', 'doc'],
];

/**
 * The SDKs' bookkeeping: what it says is in the run's fields already, so it stays out of metadata.
 * (`langsmith.span.parent_id` is consumed only when it becomes the parent; otherwise it is kept.)
 */
const BOOKKEEPING = [LANGSMITH_TRACEABLE, LANGSMITH_IS_ROOT, LANGSMITH_TRACEABLE_PARENT_SPAN_ID];

const RUN_TYPE_SET: ReadonlySet<string> = new Set(RUN_TYPES);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SPAN_RUN_ID = /^00000000-0000-0000-([0-9a-f]{4})-([0-9a-f]{12})$/;

/** `langsmith.span.kind` if it names a LangSmith run type (any case); otherwise it is left in metadata. */
function runTypeOf(value: unknown): RunType | undefined {
  if (typeof value !== 'string') return undefined;
  const lower = value.trim().toLowerCase();
  return RUN_TYPE_SET.has(lower) ? (lower as RunType) : undefined;
}

/** Tags come as a string array or as one comma-separated string. */
export function tagsOf(value: unknown): string[] | undefined {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  const tags = list.filter((t): t is string => typeof t === 'string').map((t) => t.trim()).filter(Boolean);
  return tags.length ? tags : undefined;
}

const nonEmpty = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

/** LangSmith's own metadata keys that always hold numbers (its UI and cost tracking read them so). */
const NUMERIC_LS_KEYS: ReadonlySet<string> = new Set(['ls_temperature', 'ls_max_tokens']);

/**
 * A metadata value as the SDK had it: objects and arrays were written as JSON text and come back as
 * such; scalars the JS SDK stringified stay strings (nothing tells "1" the number from "1" the text),
 * except in LangSmith's own keys known to hold numbers.
 */
function metadataValue(key: string, value: unknown): unknown {
  if (NUMERIC_LS_KEYS.has(key) && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return value;
  const parsed = parseJsonTolerant(value);
  return typeof parsed === 'object' && parsed !== null ? parsed : value;
}

/** A span's traced parent as LangSmith's span processor decided it, when it did. */
function parentOf(span: SpanView, reader: AttributeReader, fromSdk: boolean): ConventionResult['parent'] {
  const spanId = reader.take(LANGSMITH_PARENT_RUN_ID, (value) => {
    const match = typeof value === 'string' ? SPAN_RUN_ID.exec(value.toLowerCase()) : null;
    const id = match ? `${match[1]}${match[2]}` : undefined;
    return id !== undefined && isValidSpanId(id) && id !== span.ids?.spanId ? id : undefined;
  });
  if (spanId) return { spanId };
  const isRoot = reader.take(LANGSMITH_IS_ROOT, (value) => (value === true || value === 'true' ? true : undefined));
  if (isRoot) return 'none';
  // LangSmith's Python SDK starts a trace's root span under a stand-in parent whose span id is the
  // first half of the trace id (both come from the root run's UUID); that parent is never exported.
  const ids = span.ids;
  if (fromSdk && ids?.parentSpanId !== undefined && ids.parentSpanId === ids.traceId.slice(0, 16)) return 'none';
  return undefined;
}

/** The types LangSmith's SDKs wrap a run's error string in: JS `new Error(error)`, Python `Exception(error)`. */
const SDK_EXCEPTION_TYPES: ReadonlySet<unknown> = new Set(['Error', 'Exception']);

/**
 * The run's error string when the exception event is the SDK's record of it: the SDK's own wrapper
 * type, on a span it had set OK first (OTel keeps the first final status), one it marked
 * `langsmith.traceable` (JS), or one whose "stack trace" is only the wrapper never raised (Python).
 * That stack trace is the SDK's, not the application's (the error string carries the real one). A
 * span that only borrows `langsmith.span.kind` and records its own exception keeps type and stack.
 */
function sdkErrorMessage(span: SpanView, reader: AttributeReader): string | undefined {
  const attributes = lastException(span.events)?.attributes ?? {};
  const message = attributes[ATTR_EXCEPTION_MESSAGE];
  const type = attributes[ATTR_EXCEPTION_TYPE];
  if (typeof message !== 'string' || !message || !SDK_EXCEPTION_TYPES.has(type)) return undefined;
  const stack = attributes[ATTR_EXCEPTION_STACKTRACE];
  const neverRaised = typeof stack === 'string' && stack.trim() === `${String(type)}: ${message}`.trim();
  return span.statusCode !== SpanStatusCode.ERROR || reader.has(LANGSMITH_TRACEABLE) || neverRaised ? message : undefined;
}

function readSerialized(reader: AttributeReader): void {
  const serialized: Record<string, unknown> = {};
  for (const [attribute, field] of SERIALIZED_FIELDS) {
    const value = reader.take(attribute, (text) => (typeof text === 'string' && text !== '' ? text : undefined));
    if (value) serialized[field] = value;
  }
  if (Object.keys(serialized).length) reader.result.serialized = serialized;
}

export const langsmithConvention: Convention = {
  id: 'langsmith',
  keyStarts: [LANGSMITH_PREFIX],
  appliesBeyondKeys: ({ resource }) => resource[LANGSMITH_SESSION_NAME] !== undefined,
  read(span: SpanView): ConventionResult | undefined {
    const { attributes, resource } = span;
    const reader = new AttributeReader(attributes);
    const { result } = reader;
    const name = reader.take(LANGSMITH_TRACE_NAME, nonEmpty);
    if (name) result.name = name;
    const runType = reader.take(LANGSMITH_SPAN_KIND, runTypeOf);
    if (runType) result.runType = runType;
    const tags = reader.take(LANGSMITH_SPAN_TAGS, tagsOf);
    if (tags) result.tags = tags;
    const session = reader.take(LANGSMITH_SESSION_NAME, nonEmpty) ?? nonEmpty(resource[LANGSMITH_SESSION_NAME]);
    if (session) result.sessionName = session;
    const sessionId = reader.take(LANGSMITH_SESSION_ID, (value) => (typeof value === 'string' && UUID.test(value.trim()) ? value.trim().toLowerCase() : undefined));
    if (sessionId) result.sessionId = sessionId;
    const usage = reader.take(LANGSMITH_USAGE_METADATA, (value) => usageFromRecord(parseJsonObject(value)));
    if (usage) result.usage = usage;
    for (const [key, metadataKey] of reader.prefixed(LANGSMITH_METADATA_PREFIX)) {
      reader.metadata(metadataKey, metadataValue(metadataKey, toJsonValue(attributes[key])));
      reader.consumed.push(key);
    }

    const fromSdk = reader.has(LANGSMITH_TRACEABLE) || runType !== undefined;
    if (fromSdk) readSerialized(reader);
    const parent = parentOf(span, reader, fromSdk);
    if (parent) result.parent = parent;
    reader.consume(...BOOKKEEPING);
    const message = fromSdk ? sdkErrorMessage(span, reader) : undefined;
    if (message) {
      result.error = message;
      // The event only repeats the error, with the SDK's own stack: the run the SDK would have
      // sent natively has no such event.
      result.consumedEvents = [EVENT_EXCEPTION];
    }
    return reader.finish();
  },
};
