import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { redactUrl } from './redact-url.js';

const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:\/\//i;
const redacted = (value: unknown): unknown => (typeof value === 'string' && ABSOLUTE_URL.test(value) ? redactUrl(value) : value);

/**
 * An attribute value as JSON can carry it. JSON has no NaN or Infinity (JSON.stringify would
 * turn them into null and hide the fact), so non-finite numbers become their string names.
 */
export function toJsonValue(value: AttributeValue | undefined): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : (v ?? null)));
  return value ?? null;
}

/** Copies attributes into a plain record that cannot be poisoned through keys like `__proto__`. */
export function attributesToRecord(attributes: Attributes, skip?: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(attributes)) {
    if (skip?.has(key)) continue;
    const value = toJsonValue(attributes[key]);
    out[key] = Array.isArray(value) ? value.map(redacted) : redacted(value);
  }
  return out;
}
