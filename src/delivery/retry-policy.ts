import type { ResolvedRetryPolicy } from '../config/resolve-config.js';

/** Statuses LangSmith's own clients retry; with deterministic run ids a replay is safe. */
const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

export type StatusClass = 'delivered' | 'retryable' | 'rejected';

/** 2xx and 409 (the run is already stored: an earlier attempt got through) count as delivered. */
export function classifyStatus(status: number): StatusClass {
  if ((status >= 200 && status < 300) || status === 409) return 'delivered';
  if (RETRYABLE_STATUS.has(status)) return 'retryable';
  return 'rejected';
}

/** Exponential backoff with ±20% jitter, capped; `attempt` counts from 1 (the first retry). */
export function backoffMillis(attempt: number, policy: ResolvedRetryPolicy, random: () => number = Math.random): number {
  const base = Math.min(policy.maxBackoffMillis, policy.initialBackoffMillis * 2 ** (attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * `Retry-After` as milliseconds from now: delta-seconds or an HTTP date. Undefined when absent or
 * malformed, so the caller falls back to its own backoff.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMillis: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!/[a-z]/i.test(trimmed)) return undefined; // not a date either (e.g. "-1", "1.5")
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMillis);
}
