import { parseIsoTimestamp } from '../schema/validate-run.js';
import type { RunNode, StoredRun } from './types.js';

const startMicros = (run: StoredRun): number => parseIsoTimestamp(run.start_time) ?? 0;

function byStartThenDottedOrder(a: RunNode, b: RunNode): number {
  const delta = startMicros(a.run) - startMicros(b.run);
  if (delta !== 0) return delta;
  return a.run.dotted_order < b.run.dotted_order ? -1 : a.run.dotted_order > b.run.dotted_order ? 1 : 0;
}

function sortDeep(nodes: RunNode[]): RunNode[] {
  nodes.sort(byStartThenDottedOrder);
  for (const node of nodes) sortDeep(node.children);
  return nodes;
}

/** Root nodes of every trace among `runs`, ordered by start time. */
export function buildTraces(runs: StoredRun[]): RunNode[] {
  const nodes = new Map(runs.map((run) => [run.id.toLowerCase(), { run, children: [] as RunNode[] }]));
  const roots: RunNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.run.parent_run_id ? nodes.get(node.run.parent_run_id.toLowerCase()) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return sortDeep(roots);
}

export function buildTree(runs: StoredRun[], traceId: string): RunNode | undefined {
  const wanted = traceId.toLowerCase();
  return buildTraces(runs.filter((run) => run.trace_id.toLowerCase() === wanted))[0];
}

function durationText(run: StoredRun): string {
  const end = parseIsoTimestamp(run.end_time);
  if (end === undefined) return '(no end_time)';
  return `${Number(((end - startMicros(run)) / 1000).toFixed(3))} ms`;
}

function describe(run: StoredRun): string {
  const error = run.error === undefined ? '' : `  ERROR: ${run.error.split('\n', 1)[0]}`;
  return `${run.name} [${run.run_type}] ${durationText(run)}${error}`;
}

/** e.g. `agent [chain] 120 ms` with each child two spaces further in. */
export function formatTree(root: RunNode): string {
  const lines: string[] = [];
  const visit = (node: RunNode, depth: number): void => {
    lines.push(`${'  '.repeat(depth)}${describe(node.run)}`);
    for (const child of node.children) visit(child, depth + 1);
  };
  visit(root, 0);
  return lines.join('\n');
}
