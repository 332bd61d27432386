/**
 * The LangSmith run-create body this project sends and the local server checks.
 * Field list from LangSmith's run schema (`POST /runs`); see shared reference.
 */

export const RUN_TYPES = ['llm', 'chain', 'tool', 'retriever', 'embedding', 'prompt', 'parser'] as const;
/** The kinds of run LangSmith knows. */
export type RunType = (typeof RUN_TYPES)[number];

/** A run event as LangSmith renders it: `{ name, time, kwargs }`. */
export interface RunEvent {
  name: string;
  time: string;
  kwargs?: Record<string, unknown>;
}

/** `extra`: metadata (span attributes and derived keys), runtime (resource and scope), invocation parameters. */
export interface RunExtra {
  metadata?: Record<string, unknown>;
  runtime?: Record<string, unknown>;
  invocation_params?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Body of `POST /runs`. */
export interface RunCreate {
  id: string;
  name: string;
  run_type: RunType;
  inputs: Record<string, unknown>;
  start_time: string;
  end_time?: string;
  outputs?: Record<string, unknown>;
  error?: string;
  extra?: RunExtra;
  events?: RunEvent[];
  tags?: string[];
  parent_run_id?: string;
  session_name?: string;
  // Accepted by the service, never sent by the exporter in single-request mode.
  trace_id?: string;
  dotted_order?: string;
  session_id?: string;
  reference_example_id?: string;
  serialized?: Record<string, unknown>;
  revision_id?: string;
  attachments?: Record<string, unknown>;
}

/** Every top-level field the service accepts on `POST /runs`. */
export const RUN_CREATE_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'name',
  'run_type',
  'inputs',
  'start_time',
  'end_time',
  'outputs',
  'error',
  'extra',
  'events',
  'tags',
  'parent_run_id',
  'session_name',
  'session_id',
  'trace_id',
  'dotted_order',
  'reference_example_id',
  'serialized',
  'revision_id',
  'attachments',
  'status',
]);
