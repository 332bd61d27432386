/** What can be said about an API key without revealing it. */
export interface KeyShape {
  length: number;
  /** The recognized, non-secret prefix (`lsv2_pt_`, `lsv2_sk_`, `ls__`), if any. */
  prefix?: string;
  kind: 'personal access token' | 'service key' | 'legacy key' | 'unrecognized';
  /** Problems visible from the shape alone (quotes, whitespace, a placeholder). */
  problems: string[];
}

const PREFIXES: Array<[string, KeyShape['kind']]> = [
  ['lsv2_pt_', 'personal access token'],
  ['lsv2_sk_', 'service key'],
  ['ls__', 'legacy key'],
];

/** Describes a key by prefix, length and obvious paste mistakes; the result never holds the key. */
export function describeKeyShape(key: string): KeyShape {
  const problems: string[] = [];
  const quoted = /^(["']).*\1$/s.test(key);
  if (quoted) problems.push('it is wrapped in quotes (they become part of the key)');
  const bare = quoted ? key.slice(1, -1) : key;
  if (/\s/.test(bare)) problems.push('it contains whitespace');
  if (/^(your|<|\$\{|xxx|changeme|todo)/i.test(bare) || /api[_-]?key/i.test(bare)) problems.push('it looks like a placeholder');
  const match = PREFIXES.find(([prefix]) => bare.startsWith(prefix));
  if (!match) return { length: key.length, kind: 'unrecognized', problems };
  const [prefix, kind] = match;
  if (bare.length <= prefix.length + 8) problems.push('it is too short to be complete');
  return { length: key.length, prefix, kind, problems };
}

export function formatKeyShape(shape: KeyShape): string {
  const what = shape.prefix ? `${shape.kind} (${shape.prefix}…)` : 'unrecognized format (not lsv2_pt_/lsv2_sk_)';
  return `${what}, ${shape.length} characters`;
}
