/** LangSmith's per-key request limit, rehearsed: a token bucket per API key (see `LocalServerOptions.rateLimit`). */
export interface RateLimitOptions {
  /** Ingestion requests (`POST /runs`, `POST /runs/batch`) each key may make per second. */
  requestsPerSecond: number;
  /** Requests a key may make at once after a quiet spell; default one second's worth. */
  burst?: number;
  /** `Retry-After` of a refused request, in seconds; default 1. */
  retryAfterSeconds?: number;
}

/**
 * One token bucket per key: a request takes a token or is answered 429 with `Retry-After`, as
 * LangSmith's cloud answers past its per-key limit (5 000 a minute).
 */
export class KeyRateLimit {
  readonly #rate: number;
  readonly #burst: number;
  readonly retryAfterSeconds: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    options: RateLimitOptions,
    private readonly now: () => number = Date.now,
  ) {
    checkRateLimit(options);
    this.#rate = options.requestsPerSecond;
    this.#burst = options.burst ?? Math.max(1, Math.ceil(options.requestsPerSecond));
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
  }

  /** Takes a token for `key`; false when the key is over its limit. */
  take(key: string): boolean {
    const now = this.now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#rate);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

export function checkRateLimit(options: RateLimitOptions): void {
  const { requestsPerSecond, burst, retryAfterSeconds } = options;
  if (!(Number.isFinite(requestsPerSecond) && requestsPerSecond > 0)) throw new RangeError('rateLimit.requestsPerSecond must be a positive number');
  if (burst !== undefined && !(Number.isInteger(burst) && burst >= 1)) throw new RangeError('rateLimit.burst must be a positive integer');
  if (retryAfterSeconds !== undefined && !(Number.isInteger(retryAfterSeconds) && retryAfterSeconds >= 0)) {
    throw new RangeError('rateLimit.retryAfterSeconds must be a non-negative integer');
  }
}
