import { ownRuntime } from '../mapping/runtime-record.js';
import type { RunCreate } from '../schema/run.js';
import { stringifyRun } from './serialize-run.js';

const DATA_URL = /data:([a-z0-9.+-]+\/[a-z0-9.+-]+);base64,[a-z0-9+/=]+/gi;
const MIN_KEPT_CHARS = 256;

export interface BudgetResult {
  body: string;
  /** What was cut, for metadata and stats; empty when the run fit. */
  cuts: Array<'data_urls' | 'strings' | 'sections'>;
}

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * Serializes a run within `maxBytes`: first base64 data URLs become a placeholder keeping their
 * type and size, then the longest strings are truncated with a marker (never inside a surrogate
 * pair), then, as a last resort, whole sections are replaced by a note. The run is always sent.
 */
export function serializeWithinBudget(run: RunCreate, maxBytes: number): BudgetResult {
  let body = stringifyRun(run);
  // A UTF-16 unit is at most 3 UTF-8 bytes: most runs fit without counting their bytes.
  if (body.length * 3 <= maxBytes || byteLength(body) <= maxBytes) return { body, cuts: [] };
  ownRuntime(run); // cutting changes strings wherever they are, runtime included
  const cuts: BudgetResult['cuts'] = [];
  const note = (cut: BudgetResult['cuts'][number]) => {
    cuts.push(cut);
    run.extra ??= {};
    run.extra.metadata ??= {};
    run.extra.metadata['otel_langsmith.truncated'] = cuts.join(',');
  };

  if (DATA_URL.test(body)) {
    DATA_URL.lastIndex = 0;
    mapStrings(run, (s) => s.replace(DATA_URL, (match, type: string) => `[base64 ${type} omitted: ${match.length} chars]`));
    note('data_urls');
    body = JSON.stringify(run);
  }
  for (let pass = 0; pass < 4 && byteLength(body) > maxBytes; pass++) {
    if (pass === 0) note('strings');
    truncateLongest(run, byteLength(body) - maxBytes);
    body = JSON.stringify(run);
  }
  if (byteLength(body) > maxBytes) {
    note('sections');
    const removed = `[removed: the run exceeded ${maxBytes} bytes]`;
    for (const section of ['events', 'metadata', 'outputs', 'inputs'] as const) {
      if (section === 'events') run.events = [];
      else if (section === 'metadata' && run.extra) run.extra = { metadata: { 'otel_langsmith.truncated': cuts.join(','), note: removed } };
      else if (section === 'outputs' && run.outputs) run.outputs = { note: removed };
      else if (section === 'inputs') run.inputs = { note: removed };
      body = JSON.stringify(run);
      if (byteLength(body) <= maxBytes) break;
    }
  }
  return { body, cuts };
}

type Slot = { holder: Record<string, unknown> | unknown[]; key: string | number; length: number };

function mapStrings(value: unknown, change: (s: string) => string): void {
  forEachString(value, (slot, text) => {
    (slot.holder as Record<string | number, unknown>)[slot.key] = change(text);
  });
}

function forEachString(value: unknown, visit: (slot: Slot, text: string) => void, depth = 0): void {
  if (depth > 200 || value === null || typeof value !== 'object') return;
  const holder = value as Record<string, unknown> | unknown[];
  for (const key of Array.isArray(holder) ? holder.keys() : Object.keys(holder)) {
    const child = (holder as Record<string | number, unknown>)[key];
    if (typeof child === 'string') visit({ holder, key, length: child.length }, child);
    else forEachString(child, visit, depth + 1);
  }
}

/** Cuts the longest strings first until about `excessBytes` are gone. */
function truncateLongest(run: RunCreate, excessBytes: number): void {
  const slots: Slot[] = [];
  forEachString(run, (slot) => {
    if (slot.length > MIN_KEPT_CHARS) slots.push(slot);
  });
  slots.sort((a, b) => b.length - a.length);
  let remaining = excessBytes;
  for (const slot of slots) {
    if (remaining <= 0) break;
    const text = (slot.holder as Record<string | number, string>)[slot.key]!;
    const keep = Math.max(MIN_KEPT_CHARS, text.length - remaining - 64);
    if (keep >= text.length) continue;
    const cut = safeCut(text, keep);
    const truncated = `${text.slice(0, cut)}…[truncated ${text.length - cut} chars]`;
    remaining -= byteLength(text) - byteLength(truncated);
    (slot.holder as Record<string | number, unknown>)[slot.key] = truncated;
  }
}

/** A cut position that does not split a surrogate pair. */
export function safeCut(text: string, at: number): number {
  const code = text.charCodeAt(at - 1);
  return code >= 0xd800 && code <= 0xdbff ? at - 1 : at;
}
