import { RUN_TYPES, type RunType } from '../../schema/run.js';
import { toJsonValue } from '../attribute-values.js';
import { parseJsonObject } from '../llm/json.js';
import { usageMetadata } from '../llm/usage.js';
import type { Convention, ConventionResult, SpanView } from './types.js';

// LangSmith's own span attributes (as its SDKs' OTel exporters write them).
export const LANGSMITH_SPAN_KIND = 'langsmith.span.kind';
export const LANGSMITH_TRACE_NAME = 'langsmith.trace.name';
export const LANGSMITH_SPAN_TAGS = 'langsmith.span.tags';
export const LANGSMITH_SESSION_NAME = 'langsmith.trace.session_name';
export const LANGSMITH_METADATA_PREFIX = 'langsmith.metadata.';
export const LANGSMITH_USAGE_METADATA = 'langsmith.usage_metadata';

const RUN_TYPE_SET: ReadonlySet<string> = new Set(RUN_TYPES);

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

export const langsmithConvention: Convention = {
  id: 'langsmith',
  keyStarts: [LANGSMITH_SPAN_KIND, LANGSMITH_TRACE_NAME, LANGSMITH_SPAN_TAGS, LANGSMITH_SESSION_NAME, LANGSMITH_METADATA_PREFIX, LANGSMITH_USAGE_METADATA],
  appliesBeyondKeys: ({ resource }) => resource[LANGSMITH_SESSION_NAME] !== undefined,
  read({ attributes, resource }: SpanView): ConventionResult | undefined {
    const consumed: string[] = [];
    const result: ConventionResult = { consumed };
    const name = attributes[LANGSMITH_TRACE_NAME];
    if (typeof name === 'string' && name.trim()) {
      result.name = name.trim();
      consumed.push(LANGSMITH_TRACE_NAME);
    }
    const runType = runTypeOf(attributes[LANGSMITH_SPAN_KIND]);
    if (runType) {
      result.runType = runType;
      consumed.push(LANGSMITH_SPAN_KIND);
    }
    const tags = tagsOf(attributes[LANGSMITH_SPAN_TAGS]);
    if (tags) {
      result.tags = tags;
      consumed.push(LANGSMITH_SPAN_TAGS);
    }
    const session = attributes[LANGSMITH_SESSION_NAME] ?? resource[LANGSMITH_SESSION_NAME];
    if (typeof session === 'string' && session.trim()) {
      result.sessionName = session.trim();
      consumed.push(LANGSMITH_SESSION_NAME);
    }
    const usage = parseJsonObject(attributes[LANGSMITH_USAGE_METADATA]);
    if (usage) {
      const details = (usage.input_token_details ?? {}) as Record<string, unknown>;
      const outDetails = (usage.output_token_details ?? {}) as Record<string, unknown>;
      result.usage = usageMetadata({
        input: usage.input_tokens,
        output: usage.output_tokens,
        total: usage.total_tokens,
        cacheRead: details.cache_read,
        cacheCreation: details.cache_creation,
        inputAudio: details.audio,
        reasoning: outDetails.reasoning,
        outputAudio: outDetails.audio,
      });
      if (result.usage) consumed.push(LANGSMITH_USAGE_METADATA);
    }
    for (const key of Object.keys(attributes)) {
      if (!key.startsWith(LANGSMITH_METADATA_PREFIX) || key.length === LANGSMITH_METADATA_PREFIX.length) continue;
      result.metadata ??= Object.create(null) as Record<string, unknown>;
      result.metadata[key.slice(LANGSMITH_METADATA_PREFIX.length)] = toJsonValue(attributes[key]);
      consumed.push(key);
    }
    return consumed.length ? result : undefined;
  },
};
