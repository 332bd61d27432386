/**
 * The LangSmith feedback-create body (`POST /feedback`) this project sends and the local server
 * checks. Fields from LangSmith's SDKs (langsmith-sdk `js/src/schemas.ts` `FeedbackCreate` and
 * `FeedbackBase`; Python `Client.create_feedback`): `run_id` and `key` identify what is scored,
 * `score` is a number or boolean, `value` any JSON value (a label, a category), `comment` text,
 * `id` the feedback's own UUID (the SDKs let the caller choose it), `feedback_source`
 * `{type, metadata}` ('api' or 'model'), and `trace_id` (lets LangSmith batch it).
 */
export interface FeedbackCreate {
  id: string;
  run_id: string;
  key: string;
  score?: number | boolean;
  value?: unknown;
  comment?: string;
  correction?: unknown;
  trace_id?: string;
  feedback_source?: { type: string; metadata?: Record<string, unknown> };
}

/** Every top-level field the service accepts on `POST /feedback` (what the SDKs send). */
export const FEEDBACK_CREATE_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'run_id',
  'trace_id',
  'key',
  'score',
  'value',
  'comment',
  'correction',
  'feedback_source',
  'feedback_config',
  'feedback_group_id',
  'comparative_experiment_id',
  'session_id',
  'source_info',
  'created_at',
  'modified_at',
  'extra',
  'error',
]);
