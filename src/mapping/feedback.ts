import type { TimedEvent } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_ERROR_TYPE,
} from '@opentelemetry/semantic-conventions';
import {
  ATTR_GEN_AI_EVALUATION_EXPLANATION,
  ATTR_GEN_AI_EVALUATION_NAME,
  ATTR_GEN_AI_EVALUATION_SCORE_LABEL,
  ATTR_GEN_AI_EVALUATION_SCORE_VALUE,
  ATTR_GEN_AI_RESPONSE_ID,
  EVENT_GEN_AI_EVALUATION_RESULT,
} from '@opentelemetry/semantic-conventions/incubating';
import type { FeedbackCreate } from '../schema/feedback.js';

// Evaluation results as LangSmith feedback on the evaluated run.
//
// Source: the GenAI evaluation event (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-events/,
// `gen_ai.evaluation.result`): it "SHOULD be parented to the GenAI operation span being evaluated",
// with `gen_ai.evaluation.name` (required), `gen_ai.evaluation.score.value` (a double),
// `gen_ai.evaluation.score.label` (its human-readable reading, e.g. "relevant", "pass"),
// `gen_ai.evaluation.explanation`, `gen_ai.response.id` and `error.type` when the evaluation failed.
// It arrives as a span event or as a log record that belongs to the span (log-record-event.ts joins
// those as span events), so reading span events covers both.
//
// Target: LangSmith's feedback (langsmith-sdk `FeedbackCreate`, `POST /feedback`): `key` the metric
// name, `score` the number, `value` the label, `comment` the explanation, on `run_id`. The event
// also stays among the run's events, where LangSmith shows it on the run itself.

/** Where the feedback came from, for LangSmith's feedback source metadata. */
export const FEEDBACK_SOURCE_EVENT = EVENT_GEN_AI_EVALUATION_RESULT;

/**
 * A 64-bit FNV-1a hash as 16 hex digits (http://www.isthe.com/chongo/tech/comp/fnv/), pure JS:
 * mapping runs in every runtime. Only evaluation events pay for it.
 */
function fnv1a64Hex(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/**
 * The feedback id: the span id, then a hash of the event's place on the span (index, time, name).
 * The same span exported again (a retry, a Collector resending) yields the same id, so LangSmith
 * stores the feedback once; two events of one span never share one.
 */
export function feedbackId(spanId: string, index: number, event: TimedEvent, key: string): string {
  const hex = spanId + fnv1a64Hex(`${index}|${event.time[0]}.${event.time[1]}|${key}`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

function scoreOf(value: unknown): number | boolean | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value;
  // A log record's body may carry the score as text (AnyValue); attributes are typed already.
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/**
 * Feedback for each `gen_ai.evaluation.result` event of the span that names its metric; undefined
 * when there is none (most spans). An event without `gen_ai.evaluation.name` has no LangSmith key
 * and stays an event only.
 */
export function feedbackFromEvents(events: readonly TimedEvent[], spanId: string, runId: string): FeedbackCreate[] | undefined {
  let out: FeedbackCreate[] | undefined;
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    if (event.name !== EVENT_GEN_AI_EVALUATION_RESULT) continue;
    const attributes = event.attributes ?? {};
    const key = text(attributes[ATTR_GEN_AI_EVALUATION_NAME]);
    if (key === undefined) continue;
    const feedback: FeedbackCreate = { id: feedbackId(spanId, index, event, key), run_id: runId, key };
    const score = scoreOf(attributes[ATTR_GEN_AI_EVALUATION_SCORE_VALUE]);
    if (score !== undefined) feedback.score = score;
    const label = text(attributes[ATTR_GEN_AI_EVALUATION_SCORE_LABEL]);
    if (label !== undefined) feedback.value = label;
    const explanation = text(attributes[ATTR_GEN_AI_EVALUATION_EXPLANATION]);
    const error = text(attributes[ATTR_ERROR_TYPE]);
    const comment = error === undefined ? explanation : `evaluation failed: ${error}${explanation ? `. ${explanation}` : ''}`;
    if (comment !== undefined) feedback.comment = comment;
    const metadata: Record<string, unknown> = { event: EVENT_GEN_AI_EVALUATION_RESULT };
    const responseId = text(attributes[ATTR_GEN_AI_RESPONSE_ID]);
    if (responseId !== undefined) metadata[ATTR_GEN_AI_RESPONSE_ID] = responseId;
    feedback.feedback_source = { type: 'api', metadata };
    (out ??= []).push(feedback);
  }
  return out;
}
