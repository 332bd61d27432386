const MAX_PARSE_CHARS = 8 * 1024 * 1024;

/**
 * Parses a JSON-looking attribute value; anything that does not parse stays as it was. JS
 * instrumentations can only store structures as JSON strings, and some write Python reprs
 * (`{'a': True}`), which are tried too. Never throws.
 */
export function parseJsonTolerant(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  const first = text[0];
  if ((first !== '{' && first !== '[' && first !== '"') || text.length > MAX_PARSE_CHARS) return value;
  try {
    const parsed = JSON.parse(text) as unknown;
    return nestedWithin(parsed, MAX_NESTING) ? parsed : value;
  } catch {
    const fromRepr = pythonReprToJson(text);
    if (fromRepr === undefined) return value;
    try {
      const parsed = JSON.parse(fromRepr) as unknown;
      return nestedWithin(parsed, MAX_NESTING) ? parsed : value;
    } catch {
      return value;
    }
  }
}

/** A parsed JSON object, or undefined when the value is not one. */
export function parseJsonObject(value: unknown): Record<string, unknown> | undefined {
  const parsed = parseJsonTolerant(value);
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}

/** A parsed JSON array, or undefined when the value is not one. */
export function parseJsonArray(value: unknown): unknown[] | undefined {
  const parsed = parseJsonTolerant(value);
  return Array.isArray(parsed) ? parsed : undefined;
}

/** Rewrites single-quoted strings and True/False/None; undefined when the text has no quotes to fix. */
function pythonReprToJson(text: string): string | undefined {
  if (!text.includes("'")) return undefined;
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\' && i + 1 < text.length) {
        const next = text[i + 1]!;
        out += next === "'" ? "'" : ch + next;
        i++;
      } else if (ch === quote) {
        out += '"';
        quote = undefined;
      } else {
        out += ch === '"' ? '\\"' : ch;
      }
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += '"';
    } else {
      out += ch;
    }
  }
  return out.replace(/\bTrue\b/g, 'true').replace(/\bFalse\b/g, 'false').replace(/\bNone\b/g, 'null');
}

/** Deeper values stay strings: JSON.stringify and String() recurse, and overflow the stack past ~5 000 levels. */
const MAX_NESTING = 64;

/**
 * Whether `value` nests at most `limit` levels of arrays and objects (checked breadth first,
 * without recursion). Only containers are visited: a chat history is mostly long strings, and
 * collecting every value cost a quarter of the time its JSON took to parse.
 */
function nestedWithin(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return true;
  let level: object[] = [value];
  for (let depth = 0; level.length > 0; depth++) {
    if (depth >= limit) return false;
    const next: object[] = [];
    for (const item of level) {
      if (Array.isArray(item)) {
        for (const child of item) if (child !== null && typeof child === 'object') next.push(child as object);
      } else {
        for (const key in item) {
          const child = (item as Record<string, unknown>)[key];
          if (child !== null && typeof child === 'object') next.push(child);
        }
      }
    }
    level = next;
  }
  return true;
}
