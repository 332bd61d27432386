import type { RunCreate } from '../schema/run.js';

type Hide<T> = boolean | ((value: T) => T);

export interface PrivacyPolicy {
  hideInputs?: Hide<Record<string, unknown>>;
  hideOutputs?: Hide<Record<string, unknown>>;
  hideMetadata?: Hide<Record<string, unknown>>;
}

// Attributes that carry prompt or completion content under the conventions we read. Conventions
// consume most of them into inputs/outputs; these catch copies that stayed in metadata or events.
const INPUT_CONTENT = /^(input\.|llm\.input_messages|llm\.prompts|llm\.prompt_template\.variables|pydantic_ai\.all_messages|all_messages_events|tool_arguments|prompt$|gen_ai\.(prompt|input\.messages|system_instructions|tool\.call\.arguments|retrieval\.query)|ai\.(prompt|value|values|toolCall\.(args|input))|traceloop\.entity\.input|tool\.parameters|tool_call\.function\.arguments|reranker\.(query|input_documents)|embedding\.embeddings)/;
const OUTPUT_CONTENT = /^(output\.|llm\.output_messages|pydantic_ai\.all_messages|all_messages_events|final_result|tool_response|events$|gen_ai\.(completion|output\.messages|tool\.call\.result|retrieval\.documents|event\.content)|ai\.(response\.(text|toolCalls|object)|result\.|toolCall\.(result|output)|embedding)|traceloop\.entity\.output|retrieval\.documents|reranker\.output_documents)/;
const EVENT_CONTENT_KEYS = new Set(['content', 'message', 'token', 'text', 'body', 'gen_ai.event.content']);

/** Metadata that is not content: model identity, usage-related and this exporter's own keys. */
const KEPT_WITH_HIDDEN_METADATA = /^(ls_|otel\.|otel_langsmith\.)/;

function hide<T extends Record<string, unknown>>(value: T, how: Hide<T> | undefined, hidden: () => T): T {
  if (how === undefined || how === false) return value;
  if (how === true) return hidden();
  try {
    return how(value);
  } catch {
    return hidden(); // a failing redaction hook must not leak what it was meant to hide
  }
}

function withoutKeys(record: Record<string, unknown>, drop: (key: string) => boolean): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !drop(key)));
}

/**
 * Hides inputs, outputs or metadata everywhere they appear (including copies in metadata and
 * event payloads). Token usage and model names stay.
 */
export function applyPrivacy(run: RunCreate, policy: PrivacyPolicy): void {
  const { hideInputs, hideOutputs, hideMetadata } = policy;
  if (!hideInputs && !hideOutputs && !hideMetadata) return;
  run.inputs = hide(run.inputs, hideInputs, () => ({}));
  if (run.outputs) {
    const usage = run.outputs.usage_metadata;
    run.outputs = hide(run.outputs, hideOutputs, () => (usage === undefined ? {} : { usage_metadata: usage }));
  }
  const contentKey = (key: string) => (!!hideInputs && INPUT_CONTENT.test(key)) || (!!hideOutputs && OUTPUT_CONTENT.test(key));
  const metadata = run.extra?.metadata;
  if (metadata && run.extra) {
    const withoutContent = withoutKeys(metadata, contentKey);
    run.extra.metadata = hide(withoutContent, hideMetadata, () => withoutKeys(withoutContent, (key) => !KEPT_WITH_HIDDEN_METADATA.test(key)));
  }
  if (hideInputs || hideOutputs) {
    for (const event of run.events ?? []) {
      if (event.kwargs) event.kwargs = withoutKeys(event.kwargs, (key) => contentKey(key) || EVENT_CONTENT_KEYS.has(key));
    }
  }
}

/** `LANGSMITH_HIDE_*` env values: "true" (any case) or "1" hides. */
export function envFlag(value: string | undefined): boolean {
  return value !== undefined && /^(true|1)$/i.test(value.trim());
}
