import { langsmithConvention } from './langsmith.js';
import type { Convention, ConventionResult } from './types.js';

export type { Convention, ConventionResult } from './types.js';

/**
 * Conventions in the order they are consulted; for each run field the first convention that sets
 * it wins. LangSmith's own attributes come first so users can always override what an
 * instrumentation wrote. LLM and HTTP conventions slot in after it.
 */
export const CONVENTIONS: readonly Convention[] = [langsmithConvention];

/** Merges what each convention read, earlier conventions winning field by field. */
export function readConventions(
  conventions: readonly Convention[],
  attributes: Parameters<Convention['read']>[0],
  resource: Parameters<Convention['read']>[1],
): ConventionResult & { consumed: string[] } {
  const merged: ConventionResult & { consumed: string[] } = { consumed: [] };
  for (const convention of conventions) {
    const result = convention.read(attributes, resource);
    if (!result) continue;
    merged.name ??= result.name;
    merged.runType ??= result.runType;
    merged.inputs ??= result.inputs;
    merged.outputs ??= result.outputs;
    merged.tags ??= result.tags;
    merged.sessionName ??= result.sessionName;
    if (result.metadata) merged.metadata = { ...result.metadata, ...merged.metadata };
    if (result.consumed) merged.consumed.push(...result.consumed);
  }
  return merged;
}
