import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { redactUrl } from './redact-url.js';

const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:\/\//i;
/** A string that is an absolute URL, without its credentials and signatures; anything else as it is. */
// `includes` first: most attribute values are not URLs, and it is far cheaper than the regexp.
export const redacted = (value: unknown): unknown =>
  typeof value === 'string' && value.includes('://') && ABSOLUTE_URL.test(value) ? redactUrl(value) : value;

/**
 * An attribute value as JSON can carry it. JSON has no NaN or Infinity (JSON.stringify would
 * turn them into null and hide the fact), so non-finite numbers become their string names.
 */
export function toJsonValue(value: AttributeValue | undefined): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : (v ?? null)));
  return value ?? null;
}

/**
 * Sets an own, enumerable property. Records are plain objects (V8 fills and serializes them much
 * faster than prototype-less dictionaries), so `__proto__`, which assignment would turn into a
 * prototype change, is defined instead.
 */
export function setOwn(record: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}

/** `Object.assign` that cannot be turned into a prototype change by a `__proto__` key. */
export function assignOwn(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const key of Object.keys(source)) setOwn(target, key, source[key]);
}

/** One element of an attribute array, as `toJsonValue` and `redacted` together make it. */
const arrayItem = (item: unknown): unknown =>
  typeof item === 'number' ? (Number.isFinite(item) ? item : String(item)) : typeof item === 'string' ? redacted(item) : (item ?? null);

/**
 * Copies attributes into a plain record that cannot be poisoned through keys like `__proto__`:
 * `toJsonValue` and `redacted` of each value, in one pass (it runs for every attribute of every
 * span; a test keeps it equal to composing the two).
 */
export function attributesToRecord(attributes: Attributes, skip?: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(attributes)) {
    if (skip !== undefined && skip.has(key)) continue;
    const value = attributes[key];
    let json: unknown;
    if (typeof value === 'string') json = redacted(value);
    else if (typeof value === 'number') json = Number.isFinite(value) ? value : String(value);
    else if (Array.isArray(value)) json = value.map(arrayItem);
    else json = value ?? null;
    if (key === '__proto__') setOwn(out, key, json);
    else out[key] = json;
  }
  return out;
}
