/** `otel-langsmith/testing`: a strict local LangSmith-compatible server for tests and demos. */
export { startLocalServer } from './testing/local-server.js';
export type {
  Fault,
  FaultRequest,
  LocalServer,
  LocalServerOptions,
  RequestRecord,
  RunNode,
  StoredRun,
} from './testing/types.js';
export type { RateLimitOptions } from './testing/rate-limit.js';
export type { StoredFeedback } from './testing/feedback.js';
export { validateFeedbackCreate, type FeedbackValidation } from './schema/validate-feedback.js';
export type { FeedbackCreate } from './schema/feedback.js';
export { validateRunCreate, type RunValidation } from './schema/validate-run.js';
export type { RunCreate, RunType, RunEvent, RunExtra } from './schema/run.js';
