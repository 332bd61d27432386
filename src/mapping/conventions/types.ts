import type { Attributes, SpanKind } from '@opentelemetry/api';
import type { TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { RunEvent, RunType } from '../../schema/run.js';
import type { ModelIdentity } from '../llm/model-metadata.js';
import type { UsageMetadata } from '../llm/usage.js';

/** What a convention may look at: the span's data, never the span object (keeps conventions pure). */
export interface SpanView {
  name: string;
  kind: SpanKind;
  attributes: Attributes;
  resource: Attributes;
  events: readonly TimedEvent[];
  /** The span's status code (OTel's `SpanStatusCode`), for producers that report failure their own way. */
  statusCode?: number;
  /** The span's identity, for producers that encode parentage their own way (optional for tests' hand-made views). */
  ids?: { traceId: string; spanId: string; parentSpanId?: string | undefined };
}

/** What a convention reads off a span; every field optional, later conventions fill the gaps. */
export interface ConventionResult {
  name?: string;
  runType?: RunType;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  /** Token usage; it lands in `outputs.usage_metadata` of `llm` runs only, so wrappers never count it twice. */
  usage?: UsageMetadata;
  /** Metadata entries the convention derives (`session_id`, `thread_id`, a producer's own metadata, ...). */
  metadata?: Record<string, unknown>;
  /** The model behind the span; `ls_provider`, `ls_model_name` and `ls_model_type` come from it (llm/model-metadata.ts). */
  model?: ModelIdentity;
  /** The run's error text, when the producer marks failure its own way (e.g. an exception event on a span left OK). */
  error?: string;
  /** What the run's code is (`serialized`: name, signature, doc), as LangSmith's SDKs record it. */
  serialized?: Record<string, unknown>;
  /** LangSmith project id (`session_id`), when the span names its project by id rather than by name. */
  sessionId?: string;
  /**
   * The run's parent as the producer decided it, overriding the span's own parent: `'none'` for a
   * root, or the span id of the parent (e.g. the nearest traced ancestor, when the spans between
   * were never exported).
   */
  parent?: 'none' | { spanId: string };
  /** Model call parameters, for `extra.invocation_params` (and `ls_invocation_params`). */
  invocationParams?: Record<string, unknown>;
  tags?: string[];
  sessionName?: string;
  /** Run events to add (e.g. `new_token` for a stream's first chunk). */
  events?: RunEvent[];
  /** Attribute keys turned into run fields, so they are not copied into metadata again. */
  consumed?: readonly string[];
  /** Span event names turned into run fields (e.g. GenAI message events), so they are not repeated in `events`. */
  consumedEvents?: readonly string[];
}

/** One attribute convention (LangSmith's own, OpenInference, GenAI, ...), pure and self-contained. */
export interface Convention {
  readonly id: string;
  /**
   * Beginnings of the attribute keys that can make this convention apply. When given, `read` is
   * only called for spans with a key that begins with one of them (or for which `appliesBeyondKeys`
   * holds): one pass over a span's keys then rules out every convention the span has nothing of,
   * which is most of them for most spans. Without it, `read` always runs.
   */
  readonly keyStarts?: readonly string[];
  /** What besides attribute keys can make this convention apply (span events, the resource). */
  appliesBeyondKeys?(span: SpanView): boolean;
  /** What this convention reads off the span, or undefined when the span carries none of its attributes. */
  read(span: SpanView): ConventionResult | undefined;
}
