import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { RecentMap } from '../ordering/recent-map.js';
import type { RunCreate } from '../schema/run.js';

/** Decides from the mapped run (and the span) whether it is sent. */
export type SpanPredicate = (run: RunCreate, span: ReadableSpan) => boolean;

/** A predicate plus whether ancestors of kept spans are kept too. */
export interface SpanFilter {
  keep: SpanPredicate;
  /** Also keep every ancestor of a kept span (so LLM calls keep the spans that contain them). */
  keepAncestors?: boolean;
}

const AI_RUN_TYPES: ReadonlySet<string> = new Set(['llm', 'embedding', 'retriever', 'tool', 'prompt', 'parser']);

/** Ready-made filters for `spanFilter`. */
export const SpanFilters = {
  /** LLM, embedding, retriever, tool, prompt and parser runs, and the spans that contain them. */
  llmAndAncestors: { keep: (run) => AI_RUN_TYPES.has(run.run_type), keepAncestors: true } as SpanFilter,
  /** Everything but HTTP client and server spans (their children attach to the nearest kept span). */
  withoutHttp: {
    keep: (_run, span) => span.attributes['http.request.method'] === undefined && span.attributes['http.method'] === undefined,
  } as SpanFilter,
} as const;

/**
 * Applies a filter, remembering which spans contain a kept span (children end before their
 * parents, so a parent learns it is wanted before it arrives). Memory is bounded.
 */
export class SpanSelector {
  private readonly filter: SpanFilter | undefined;
  private readonly wanted: RecentMap<string, true>;

  constructor(
    filter: SpanFilter | SpanPredicate | undefined,
    maxRemembered: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.filter = typeof filter === 'function' ? { keep: filter } : filter;
    this.wanted = new RecentMap(maxRemembered);
  }

  keeps(run: RunCreate, span: ReadableSpan): boolean {
    if (!this.filter) return true;
    let keep: boolean;
    try {
      keep = this.wanted.delete(run.id) || this.filter.keep(run, span) === true;
    } catch (error) {
      this.onError(error);
      keep = true; // a broken filter must not lose data
    }
    if (keep && this.filter.keepAncestors && run.parent_run_id) {
      this.wanted.set(run.parent_run_id, true);
    }
    return keep;
  }
}
