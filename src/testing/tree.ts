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

const count = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** An llm run's model and token counts, e.g. `  gpt-4o-mini, 24 in / 9 out tokens`; '' when it has neither. */
function llmText(run: StoredRun): string {
  if (run.run_type !== 'llm') return '';
  const metadata = run.extra?.metadata;
  const model = metadata?.['ls_model_name'];
  const usage = run.outputs?.['usage_metadata'];
  const parts: string[] = [];
  if (typeof model === 'string' && model !== '') parts.push(model);
  if (usage !== null && typeof usage === 'object' && !Array.isArray(usage)) {
    const record = usage as Record<string, unknown>;
    const input = count(record['input_tokens']);
    const output = count(record['output_tokens']);
    const total = count(record['total_tokens']);
    if (input !== undefined || output !== undefined) parts.push(`${input ?? '?'} in / ${output ?? '?'} out tokens`);
    else if (total !== undefined) parts.push(`${total} tokens`);
  }
  return parts.length === 0 ? '' : `  ${parts.join(', ')}`;
}

function describe(run: StoredRun): string {
  const error = run.error === undefined ? '' : `  ERROR: ${run.error.split('\n', 1)[0]}`;
  return `${run.name} [${run.run_type}] ${durationText(run)}${llmText(run)}${error}`;
}

/**
 * e.g. `agent [chain] 120 ms` with each child two spaces further in; llm runs add their model and
 * token counts when they have them: `chat [llm] 850 ms  gpt-4o, 120 in / 35 out tokens`.
 */
export function formatTree(root: RunNode): string {
  const lines: string[] = [];
  const visit = (node: RunNode, depth: number): void => {
    lines.push(`${'  '.repeat(depth)}${describe(node.run)}`);
    for (const child of node.children) visit(child, depth + 1);
  };
  visit(root, 0);
  return lines.join('\n');
}
