import type { Attributes } from '@opentelemetry/api';

export type Fields = Record<string, unknown>;

/** A span's attributes plus the keys a convention has turned into run fields so far. */
export interface Reader {
  attributes: Attributes;
  consumed: string[];
}

export function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function nonEmptyText(value: unknown): string | undefined {
  const text = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
  return text || undefined;
}

/** Reads a plain attribute and records it as consumed when `accept` keeps it. */
export function take<T>(reader: Reader, key: string, accept: (value: unknown) => T | undefined): T | undefined {
  const value = reader.attributes[key];
  if (value === undefined) return undefined;
  const result = accept(value);
  if (result !== undefined) reader.consumed.push(key);
  return result;
}

/** Marks keys as consumed without reading them (values dropped on purpose, e.g. embedding vectors). */
export function consumeIfPresent(reader: Reader, ...keys: string[]): void {
  reader.consumed.push(...keys.filter((key) => reader.attributes[key] !== undefined));
}

/** Stop sequences: one string or a list. */
export function stopList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
  return undefined;
}

/** Whether any attribute key starts with one of the prefixes: a cheap test before a convention reads a span in depth. */
export function hasKeyWithPrefix(attributes: Attributes, prefixes: readonly string[]): boolean {
  for (const key of Object.keys(attributes)) {
    const first = key.charCodeAt(0);
    // The first character rules out most keys before any startsWith.
    for (const prefix of prefixes) if (prefix.charCodeAt(0) === first && key.startsWith(prefix)) return true;
  }
  return false;
}
