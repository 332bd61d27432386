import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { OtlpAnyValue, OtlpKeyValue } from './otlp-model.js';

/**
 * OTLP attributes to OTel attributes. OTel attribute values are primitives or homogeneous arrays
 * of primitives; OTLP's can nest. So:
 * - string, bool, double: as they are; int: a number when a double holds it exactly, else its
 *   decimal string (a number would silently change it); bytes: a base64 string;
 * - an array of one primitive kind (ints and doubles count as numbers) stays an array, empty
 *   values in it become null;
 * - a kvlist, or an array mixing kinds or holding arrays/kvlists, becomes a JSON string;
 * - an attribute with no value is left out (OTel attributes cannot be null).
 * The result has no prototype, so keys such as `__proto__` stay plain keys.
 */
export function toAttributes(list: readonly OtlpKeyValue[]): Attributes {
  const out: Attributes = Object.create(null) as Attributes;
  for (const { key, value } of list) {
    const converted = toAttributeValue(value);
    if (converted !== undefined) out[key] = converted;
  }
  return out;
}

export function toAttributeValue(value: OtlpAnyValue): AttributeValue | undefined {
  switch (value.kind) {
    case 'array':
      return homogeneousArray(value.values) ?? JSON.stringify(toPlain(value));
    case 'kvlist':
      return JSON.stringify(toPlain(value));
    case 'empty':
      return undefined;
    default:
      return primitive(value);
  }
}

type Primitive = string | number | boolean;

function primitive(value: OtlpAnyValue): Primitive | undefined {
  switch (value.kind) {
    case 'string':
    case 'bool':
    case 'double':
      return value.value;
    case 'int':
      return intValue(value.value);
    case 'bytes':
      return Buffer.from(value.value.buffer, value.value.byteOffset, value.value.byteLength).toString('base64');
    default:
      return undefined;
  }
}

function intValue(value: bigint): number | string {
  const n = Number(value);
  return BigInt(n) === value ? n : value.toString();
}

/** The array as an OTel array attribute, or undefined when its elements are not all of one primitive type. */
function homogeneousArray(values: OtlpAnyValue[]): AttributeValue | undefined {
  let type: string | undefined;
  const out: Array<Primitive | null> = [];
  for (const item of values) {
    if (item.kind === 'empty') {
      out.push(null);
      continue;
    }
    const converted = item.kind === 'array' || item.kind === 'kvlist' ? undefined : primitive(item);
    if (converted === undefined) return undefined;
    const itemType = typeof converted;
    if (type !== undefined && type !== itemType) return undefined;
    type = itemType;
    out.push(converted);
  }
  return out as AttributeValue;
}

/** The value as plain JSON data, for values OTel attributes cannot hold. */
function toPlain(value: OtlpAnyValue): unknown {
  switch (value.kind) {
    case 'array':
      return value.values.map(toPlain);
    case 'kvlist': {
      const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const kv of value.values) out[kv.key] = toPlain(kv.value);
      return out;
    }
    case 'double':
      return Number.isFinite(value.value) ? value.value : String(value.value);
    case 'empty':
      return null;
    default:
      return primitive(value);
  }
}
