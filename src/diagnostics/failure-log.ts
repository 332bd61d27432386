import { diag } from '@opentelemetry/api';

const LOGGED_IN_FULL = 5;
const THEN_EVERY = 100;

/**
 * Logs failures through OTel `diag` without flooding it: the first few of each kind in full,
 * then every hundredth with a running count. Kinds are few (status codes, causes), so the map stays small.
 */
export class FailureLog {
  private readonly counts = new Map<string, number>();
  private readonly onceKeys = new Set<string>();

  warn(kind: string, message: string): void {
    const count = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, count);
    if (count <= LOGGED_IN_FULL) diag.warn(message);
    else if (count % THEN_EVERY === 0) diag.warn(`${message} (${count} such failures so far)`);
  }

  /** A warning worth saying once per exporter, such as a setup mistake that loses structure, not data. */
  warnOnce(key: string, message: string): void {
    if (this.onceKeys.has(key)) return;
    this.onceKeys.add(key);
    diag.warn(message);
  }

  /** An error worth saying once per exporter, such as a missing or rejected API key. */
  errorOnce(key: string, message: string): void {
    if (this.onceKeys.has(key)) return;
    this.onceKeys.add(key);
    diag.error(message);
  }
}
