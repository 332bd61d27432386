import type { Attributes } from '@opentelemetry/api';
import type { RunType } from '../../schema/run.js';

/** What a convention reads off a span's attributes; every field optional, later sources fill gaps. */
export interface ConventionResult {
  name?: string;
  runType?: RunType;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  /** Metadata entries the convention derives (e.g. `ls_model_name`). */
  metadata?: Record<string, unknown>;
  tags?: string[];
  sessionName?: string;
  /** Attribute keys turned into run fields, so they are not copied into metadata again. */
  consumed?: readonly string[];
}

/** One attribute convention (LangSmith's own, OpenInference, GenAI, ...), pure and self-contained. */
export interface Convention {
  readonly id: string;
  read(attributes: Attributes, resource: Attributes): ConventionResult | undefined;
}
