import type { Attributes } from '@opentelemetry/api';
import { toJsonValue } from '../attribute-values.js';
import type { ModelIdentity } from '../llm/model-metadata.js';
import type { ConventionResult } from './types.js';

export type Fields = Record<string, unknown>;

/**
 * What every convention uses to read a span: its attributes, the result being built, and the keys
 * turned into run fields (which are then not copied into metadata again). One reader for all
 * conventions, so "read, convert, count as consumed only when it gave something" means the same
 * everywhere.
 */
export class AttributeReader {
  readonly result: ConventionResult = {};
  readonly consumed: string[] = [];

  constructor(readonly attributes: Attributes) {}

  /** The attribute as JSON can carry it, or undefined when absent. */
  value(key: string): unknown {
    const value = this.attributes[key];
    return value === undefined ? undefined : toJsonValue(value);
  }

  has(key: string): boolean {
    return this.attributes[key] !== undefined;
  }

  /** The attribute converted by `convert`; the key counts as consumed only when that gave something. */
  take<T>(key: string, convert: (value: unknown) => T | undefined): T | undefined {
    const value = this.value(key);
    if (value === undefined) return undefined;
    const converted = convert(value);
    if (converted !== undefined) this.consumed.push(key);
    return converted;
  }

  /** The first of `keys` present, consumed as it is (for names that changed across versions). */
  first(...keys: string[]): unknown {
    for (const key of keys) {
      const value = this.value(key);
      if (value === undefined) continue;
      this.consumed.push(key);
      return value;
    }
    return undefined;
  }

  /** Marks the present keys consumed without reading them (values dropped on purpose, e.g. vectors). */
  consume(...keys: string[]): void {
    for (const key of keys) if (this.attributes[key] !== undefined) this.consumed.push(key);
  }

  /** Keys starting with `prefix`, with the rest of the key. */
  *prefixed(prefix: string): Generator<[key: string, rest: string]> {
    for (const key of Object.keys(this.attributes)) {
      if (key.startsWith(prefix) && key.length > prefix.length) yield [key, key.slice(prefix.length)];
    }
  }

  /** A metadata entry; records have no prototype, so a `__proto__` key stays an ordinary key. */
  metadata(key: string, value: unknown): void {
    if (value === undefined) return;
    this.result.metadata ??= Object.create(null) as Fields;
    this.result.metadata[key] = value;
  }

  /** What the model call is; the first value found for each field stays. */
  model(identity: ModelIdentity): void {
    const model = (this.result.model ??= {});
    model.provider ??= identity.provider;
    model.name ??= identity.name;
    model.type ??= identity.type;
  }

  /** The result with its consumed keys, or undefined when the convention found nothing. */
  finish(): ConventionResult | undefined {
    if (this.consumed.length) this.result.consumed = this.consumed;
    return Object.keys(this.result).length ? this.result : undefined;
  }
}

export function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function nonEmptyText(value: unknown): string | undefined {
  const text = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
  return text || undefined;
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
