// Random span trees with random span filters, and what the filter must make of them: shared by the
// exporter's and the bridge's filtering properties.
import fc from 'fast-check';
import { expect } from 'vitest';
import { SpanFilters, type SpanFilter, type SpanPredicate } from 'otel-langsmith';
import type { LocalServer } from 'otel-langsmith/testing';

/** What a span is, as far as the filters care. */
export type NodeKind = 'chain' | 'llm' | 'tool' | 'http-server' | 'http-client';

const AI_KINDS: ReadonlySet<NodeKind> = new Set(['llm', 'tool']);
const HTTP_KINDS: ReadonlySet<NodeKind> = new Set(['http-server', 'http-client']);

/** A filter as the property draws it; `keep[i]` is the predicate's answer for span `n{i}`. */
export type FilterSpec =
  | { type: 'predicate'; keep: boolean[] }
  | { type: 'object'; keep: boolean[]; keepAncestors: boolean }
  | { type: 'withoutHttp' }
  | { type: 'llmAndAncestors' };

export interface FilteredForest {
  /** Node i's parent is an earlier node, or none (a root). */
  parents: Array<number | undefined>;
  kinds: NodeKind[];
  /** The order the spans end in, which is the order they reach the exporter. */
  endOrder: number[];
  /** How the ended spans are split into export() calls (or OTLP requests). */
  chunkSizes: number[];
  filter: FilterSpec;
}

const kind = fc.constantFrom<NodeKind>('chain', 'llm', 'tool', 'http-server', 'http-client');

/** Trees whose spans end in any order (a parent before its child too), split into calls at random. */
export function filteredForests(maxNodes: number): fc.Arbitrary<FilteredForest> {
  const parents = fc
    .array(fc.option(fc.nat(), { nil: undefined, freq: 6 }), { minLength: 1, maxLength: maxNodes })
    .map((drawn) => drawn.map((p, i) => (i === 0 || p === undefined ? undefined : p % i)));
  return parents.chain((tree) => {
    const n = tree.length;
    const keep = fc.array(fc.boolean(), { minLength: n, maxLength: n });
    const filter: fc.Arbitrary<FilterSpec> = fc.oneof(
      keep.map((k) => ({ type: 'predicate' as const, keep: k })),
      fc.record({ type: fc.constant('object' as const), keep, keepAncestors: fc.boolean() }),
      fc.constant({ type: 'withoutHttp' as const }),
      fc.constant({ type: 'llmAndAncestors' as const }),
    );
    return fc.record({
      parents: fc.constant(tree),
      kinds: fc.array(kind, { minLength: n, maxLength: n }),
      endOrder: fc.shuffledSubarray([...tree.keys()], { minLength: n, maxLength: n }),
      chunkSizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: n, maxLength: n }),
      filter,
    });
  });
}

/** Node index from a span name `n{i}`. */
export const nodeOf = (name: string): number => Number(name.slice(1));

/** The `spanFilter` option for a drawn spec; predicates read the span's name (`n{i}`). */
export function spanFilterOf(spec: FilterSpec): SpanFilter | SpanPredicate {
  switch (spec.type) {
    case 'predicate':
      return (_run, span) => spec.keep[nodeOf(span.name)] === true;
    case 'object':
      return { keep: (_run, span) => spec.keep[nodeOf(span.name)] === true, keepAncestors: spec.keepAncestors };
    case 'withoutHttp':
      return SpanFilters.withoutHttp;
    case 'llmAndAncestors':
      return SpanFilters.llmAndAncestors;
  }
}

/** Splits items into consecutive chunks of the drawn sizes. */
export function chunked<T>(items: T[], sizes: number[]): T[][] {
  const chunks: T[][] = [];
  for (let at = 0, k = 0; at < items.length; k++) {
    chunks.push(items.slice(at, at + sizes[k]!));
    at += sizes[k]!;
  }
  return chunks;
}

/**
 * Which nodes the filter keeps, deciding in the order the spans reach it: with `keepAncestors` a
 * kept span marks its parent wanted, which keeps the parent only if the parent arrives later
 * (as it does when children end first).
 */
export function keptNodes(forest: FilteredForest): boolean[] {
  const { filter, kinds, parents, endOrder } = forest;
  const kept = new Array<boolean>(parents.length).fill(false);
  const wanted = new Set<number>();
  const keepAncestors = filter.type === 'llmAndAncestors' || (filter.type === 'object' && filter.keepAncestors);
  for (const i of endOrder) {
    const byPredicate =
      filter.type === 'withoutHttp' ? !HTTP_KINDS.has(kinds[i]!) : filter.type === 'llmAndAncestors' ? AI_KINDS.has(kinds[i]!) : filter.keep[i]!;
    kept[i] = wanted.has(i) || byPredicate;
    const parent = parents[i];
    if (kept[i] && keepAncestors && parent !== undefined) wanted.add(parent);
  }
  return kept;
}

/** The nearest kept strict ancestor of each node (undefined: it is a root now). */
export function nearestKeptParents(parents: Array<number | undefined>, kept: boolean[]): Array<number | undefined> {
  const nearest = (i: number | undefined): number | undefined => (i === undefined || kept[i] ? i : nearest(parents[i]));
  return parents.map((p) => nearest(p));
}

/**
 * The stored runs are the kept spans, each exactly once, each under its nearest kept ancestor and
 * stored after it, none cut out of its tree as an orphan.
 */
export function expectFilteredTrees(server: LocalServer, forest: FilteredForest, runIdOfNode: (i: number) => string): void {
  const kept = keptNodes(forest);
  const nearest = nearestKeptParents(forest.parents, kept);
  const expectedIds = forest.parents.map((_, i) => i).filter((i) => kept[i]).map(runIdOfNode);
  const stored = server.runs();
  expect(stored.map((run) => run.id).sort()).toEqual(expectedIds.sort());
  // Sent once too, not only stored once (the server would take a second copy as a 409).
  const sent = server.requests().flatMap((request) => (request.path === '/runs/batch' ? (request.runIds ?? []) : request.path === '/runs' && request.method === 'POST' ? [request.runId] : []));
  expect(sent.sort()).toEqual(expectedIds.sort());
  const order = new Map(stored.map((run, at) => [run.id, at]));
  forest.parents.forEach((_, i) => {
    if (!kept[i]) return;
    const run = server.run(runIdOfNode(i))!;
    const parent = nearest[i];
    expect(run.extra?.metadata?.['otel_langsmith.orphan_reason'], `n${i} sent as an orphan`).toBeUndefined();
    expect(run.parent_run_id, `n${i} under its nearest kept ancestor`).toBe(parent === undefined ? undefined : runIdOfNode(parent));
    if (parent !== undefined) expect(order.get(runIdOfNode(parent))!, `n${parent} stored before n${i}`).toBeLessThan(order.get(run.id)!);
  });
}
