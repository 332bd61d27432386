import type { Attributes } from '@opentelemetry/api';
import { ATTR_SESSION_ID } from '@opentelemetry/semantic-conventions/incubating';

// The thread key: what LangSmith groups a trace's runs into a thread by.
//
// LangSmith reads `session_id`, `thread_id` or `conversation_id` in a run's metadata (LangSmith docs,
// "Configure threads": https://docs.langchain.com/langsmith/threads), and asks for it on every run
// of the trace, children included: runs without it are left out of thread filters and of the
// thread's token and cost totals. Producers set it on one span; the pipeline carries
// it to the other runs of the trace (pipeline/trace-threads.ts). This module says what a run's key is.
//
// Where each convention carries it, and how it reaches the run's metadata:
// - LangSmith's SDKs in OTel mode: `langsmith.metadata.<key>` (conventions/langsmith.ts strips the prefix);
// - OTel GenAI: `gen_ai.conversation.id` (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/)
//   becomes `thread_id` and `conversation_id` (conventions/genai.ts);
// - OpenInference: `session.id` (https://github.com/Arize-ai/openinference, spec/semantic_conventions.md)
//   becomes `session_id` on OpenInference spans (conventions/openinference.ts), and any key of its
//   `metadata` JSON;
// - Traceloop: `traceloop.association.properties.<key>` (conventions/traceloop.ts strips the prefix);
// - Vercel AI SDK: `ai.telemetry.metadata.<key>` (v6), `ai.settings.context.<key>` (v7) (conventions/vercel-ai.ts);
// - any span: OTel's own `session.id` (https://opentelemetry.io/docs/specs/semconv/registry/attributes/session/),
//   which OpenInference's `setSession` context helper puts on plain spans too: read here, as
//   `session_id`, when no convention gave the run a key.

/** The metadata keys LangSmith groups threads by. */
export const THREAD_KEYS = ['thread_id', 'session_id', 'conversation_id'] as const;

/** A run's thread key entries (one or more of THREAD_KEYS), as its metadata holds them. */
export type ThreadKey = Partial<Record<(typeof THREAD_KEYS)[number], string | number>>;

const isKeyValue = (value: unknown): value is string | number =>
  (typeof value === 'string' && value.trim() !== '') || (typeof value === 'number' && Number.isFinite(value));

/** The thread key entries of a run's metadata, or undefined when it has none. */
export function threadKeyOf(metadata: Readonly<Record<string, unknown>> | undefined): ThreadKey | undefined {
  if (!metadata) return undefined;
  let key: ThreadKey | undefined;
  for (const name of THREAD_KEYS) {
    const value = metadata[name];
    if (isKeyValue(value)) (key ??= {})[name] = value;
  }
  return key;
}

/**
 * Completes a run's metadata with the thread key of a plain OTel `session.id` when no convention
 * gave it one, and returns the run's thread key (undefined: none).
 */
export function readThreadKey(attributes: Attributes, metadata: Record<string, unknown>): ThreadKey | undefined {
  const found = threadKeyOf(metadata);
  if (found) return found;
  const session = attributes[ATTR_SESSION_ID];
  if (!isKeyValue(session)) return undefined;
  metadata.session_id = session;
  return { session_id: session };
}
