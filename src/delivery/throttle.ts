import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A pause shared by every sender: when the server says slow down (429, or a Retry-After), all
 * requests wait, not just the one that was told, instead of collecting more 429s.
 */
export class Throttle {
  private pausedUntil = 0;

  constructor(private readonly now: () => number = Date.now) {}

  pauseFor(millis: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + millis);
  }

  /** Whether senders must wait now (lets them skip an await when not). */
  get paused(): boolean {
    return this.pausedUntil > 0 && this.pausedUntil > this.now();
  }

  /** Resolves when the pause is over; resolves early (without throwing) when the signal aborts. */
  async wait(signal: AbortSignal): Promise<void> {
    const remaining = this.pausedUntil - this.now();
    if (remaining > 0) await abortableSleep(remaining, signal);
  }
}

/** Sleeps, or returns as soon as the signal aborts. */
export async function abortableSleep(millis: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  try {
    await sleep(millis, undefined, { signal, ref: false });
  } catch {
    // aborted: the caller checks the signal
  }
}
