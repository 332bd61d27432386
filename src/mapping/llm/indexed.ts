import type { Attributes } from '@opentelemetry/api';
import { toJsonValue } from '../attribute-values.js';

const MAX_INDEX = 10_000;

/**
 * Groups flattened indexed attributes (`prefix.0.message.role`, `prefix.3.message.content`) into
 * an array of records keyed by the rest of the key (`message.role`), in index order. Sparse
 * indices are compacted; absurd indices and prototype-polluting segments are ignored.
 * Returns the records and the attribute keys it consumed.
 */
export function readIndexed(attributes: Attributes, prefix: string): { items: Array<Record<string, unknown>>; consumed: string[] } {
  const byIndex = new Map<number, Record<string, unknown>>();
  const consumed: string[] = [];
  const start = `${prefix}.`;
  for (const key of Object.keys(attributes)) {
    if (!key.startsWith(start)) continue;
    const rest = key.slice(start.length);
    const dot = rest.indexOf('.');
    const indexText = dot < 0 ? rest : rest.slice(0, dot);
    if (!/^\d+$/.test(indexText)) continue;
    const index = Number(indexText);
    if (index > MAX_INDEX) continue;
    const field = dot < 0 ? '' : rest.slice(dot + 1);
    if (field.split('.').some((segment) => segment === '__proto__' || segment === 'constructor' || segment === 'prototype')) continue;
    let item = byIndex.get(index);
    if (!item) {
      item = Object.create(null) as Record<string, unknown>;
      byIndex.set(index, item);
    }
    item[field] = toJsonValue(attributes[key]);
    consumed.push(key);
  }
  const items = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, item]) => item);
  return { items, consumed };
}
