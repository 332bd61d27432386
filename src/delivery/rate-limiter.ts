import { abortableSleep } from './throttle.js';

/**
 * Smooths requests to at most `perMinute`, spread evenly (a token bucket holding one second's
 * worth, so a burst is absorbed without tripping LangSmith's per-key limit of 5 000 POSTs a
 * minute). Waiting callers are served in order.
 */
export class RateLimiter {
  private readonly intervalMillis: number;
  private readonly burst: number;
  private tokens: number;
  private updatedAt: number;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.intervalMillis = 60_000 / perMinute;
    this.burst = Math.max(1, Math.floor(perMinute / 60));
    this.tokens = this.burst;
    this.updatedAt = now();
  }

  /** Resolves when one more request may go (or at once when the signal aborts). */
  acquire(signal: AbortSignal): Promise<void> {
    const turn = this.tail.then(() => this.take(signal));
    this.tail = turn;
    return turn;
  }

  private async take(signal: AbortSignal): Promise<void> {
    this.refill();
    if (this.tokens < 1) {
      await abortableSleep((1 - this.tokens) * this.intervalMillis, signal);
      this.refill();
    }
    this.tokens -= 1;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.updatedAt) / this.intervalMillis);
    this.updatedAt = now;
  }
}
