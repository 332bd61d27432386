import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { diag } from '@opentelemetry/api';
import type { FeedbackCreate } from '../schema/feedback.js';
import { validateFeedbackCreate } from '../schema/validate-feedback.js';
import type { ServerContext } from './context.js';
import { errorReply, type JsonParse, type Reply } from './http-io.js';
import { refuseRequest } from './ingest.js';

export const FEEDBACK_PATH = '/feedback';

/** Feedback as the local server stores it: as posted, with its id, and when it was accepted. */
export interface StoredFeedback extends FeedbackCreate {
  /** Date.now() at acceptance. */
  received_at: number;
}

/** Accepted feedback in acceptance order, told to listeners (the viewer's event stream). */
export class FeedbackStore {
  readonly #byId = new Map<string, StoredFeedback>();
  readonly #listeners = new Set<(feedback: StoredFeedback) => void>();

  add(feedback: StoredFeedback): void {
    this.#byId.set(feedback.id.toLowerCase(), feedback);
    for (const listener of [...this.#listeners]) {
      try {
        listener(feedback);
      } catch (error) {
        diag.error('otel-langsmith local server: feedback listener threw', error);
      }
    }
  }

  has(id: string): boolean {
    return this.#byId.has(id.toLowerCase());
  }

  /** Every feedback, or a run's only. */
  all(runId?: string): StoredFeedback[] {
    const all = [...this.#byId.values()];
    return runId === undefined ? all : all.filter((f) => f.run_id.toLowerCase() === runId.toLowerCase());
  }

  subscribe(listener: (feedback: StoredFeedback) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  clear(): void {
    this.#byId.clear();
  }
}

/**
 * `POST /feedback`, refused as LangSmith would: key, media type, JSON, then the schema
 * (validate-feedback.ts); 404 for a run it has not stored (LangSmith's Python client retries that
 * 404, langsmith-sdk `create_feedback`), 409 for an id it has already.
 */
export function ingestFeedback(ctx: ServerContext, headers: IncomingHttpHeaders, json: JsonParse): Reply {
  const refused = refuseRequest(ctx, headers, json);
  if (refused) return refused;
  const validation = validateFeedbackCreate(json.ok ? json.value : undefined);
  if (!validation.ok) return errorReply(422, validation.errors.join('; '));
  const feedback = validation.feedback;
  const id = feedback.id ?? randomUUID();
  if (ctx.feedback.has(id)) return errorReply(409, `Feedback ${id} already exists`);
  if (!ctx.store.get(feedback.run_id)) return errorReply(404, `Run ${feedback.run_id} not found`, { runId: feedback.run_id });
  const stored: StoredFeedback = { ...feedback, id, received_at: Date.now() };
  ctx.feedback.add(stored);
  return { status: 200, body: stored, runId: feedback.run_id };
}
