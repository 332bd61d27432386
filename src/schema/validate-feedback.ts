import { FEEDBACK_CREATE_FIELDS, type FeedbackCreate } from './feedback.js';
import { isPlainObject, isUuid } from './validate-run.js';

/** The outcome of validating a feedback-create body: the typed feedback, or every problem found. */
export type FeedbackValidation = { ok: true; feedback: Omit<FeedbackCreate, 'id'> & { id?: string } } | { ok: false; errors: string[] };

const isScore = (value: unknown): boolean => (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean';

/**
 * Checks a `POST /feedback` body as LangSmith's schema declares it (langsmith-sdk `FeedbackCreate`):
 * `key` a non-empty string, `run_id` and `id` UUIDs, `score` a number or boolean, `comment` a
 * string, `feedback_source` an object with a string `type`. Optional fields set to null count as
 * absent. Whether the run exists is the route's concern (404), not the schema's.
 */
export function validateFeedbackCreate(body: unknown): FeedbackValidation {
  if (!isPlainObject(body)) return { ok: false, errors: ['body: must be a JSON object'] };
  const errors: string[] = [];
  const fail = (field: string, problem: string): void => {
    errors.push(`${field}: ${problem}`);
  };
  for (const key of Object.keys(body)) if (!FEEDBACK_CREATE_FIELDS.has(key)) fail(key, 'unknown field');
  if (typeof body['key'] !== 'string' || body['key'] === '') fail('key', body['key'] === undefined ? 'required' : 'must be a non-empty string');
  if (!isUuid(body['run_id'])) fail('run_id', body['run_id'] === undefined || body['run_id'] === null ? 'required' : 'must be a UUID');
  const present = (field: string): boolean => body[field] !== undefined && body[field] !== null;
  if (present('id') && !isUuid(body['id'])) fail('id', 'must be a UUID');
  if (present('trace_id') && !isUuid(body['trace_id'])) fail('trace_id', 'must be a UUID');
  if (present('score') && !isScore(body['score'])) fail('score', 'must be a number or a boolean');
  if (present('comment') && typeof body['comment'] !== 'string') fail('comment', 'must be a string');
  const source = body['feedback_source'];
  if (present('feedback_source') && !(isPlainObject(source) && typeof source['type'] === 'string')) {
    fail('feedback_source', 'must be an object with a string type');
  }
  if (errors.length) return { ok: false, errors };
  const feedback = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null));
  return { ok: true, feedback: feedback as unknown as FeedbackCreate };
}
