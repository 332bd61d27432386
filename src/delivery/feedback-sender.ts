import { deliverWithRetry, type DeliveryOutcome, type RetryContext } from './deliver-with-retry.js';
import { backoffMillis } from './retry-policy.js';
import { abortableSleep } from './throttle.js';

/** How the sender reports each feedback's final state. */
export interface FeedbackHooks {
  delivered(): void;
  /** Not delivered: rejected, failed after retries, cut by shutdown, or refused by a full queue. */
  failed(body: string, reason: string): void;
}

export interface FeedbackLimits {
  /** Requests at once: feedback never takes every connection from the runs. */
  maxInFlight: number;
  /** Feedback waiting to be sent; past it new feedback fails at once (counted). */
  maxQueued: number;
}

/**
 * Sends LangSmith feedback (`POST /feedback`), one request each, after its run was acknowledged,
 * with the runs' retry context: the same retry policy and budget, the same shared pause after a
 * 429 and the same pacing. 409 means stored already (the feedback id is deterministic, so a resend
 * after a lost response is a duplicate), as for runs.
 *
 * 404 is retried within the retry budget: LangSmith answers 404 for a run it has not stored yet, it
 * stores acknowledged runs asynchronously, and LangSmith's own Python client retries 404 on
 * `POST /feedback` (langsmith-sdk `python/langsmith/client.py`, `create_feedback`:
 * `retry_on=(LangSmithNotFoundError,)`).
 */
export class FeedbackSender {
  private readonly queued: string[] = [];
  private head = 0;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly retry: RetryContext,
    private readonly limits: FeedbackLimits,
    private readonly hooks: FeedbackHooks,
  ) {}

  get pending(): number {
    return this.queued.length - this.head + this.inFlight;
  }

  send(bodies: readonly string[]): void {
    for (const body of bodies) {
      if (this.queued.length - this.head >= this.limits.maxQueued) this.hooks.failed(body, `feedback queue full (${this.limits.maxQueued})`);
      else this.queued.push(body);
    }
    this.pump();
  }

  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.inFlight < this.limits.maxInFlight && this.head < this.queued.length) {
      const body = this.queued[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.queued.length) {
        this.queued.splice(0, this.head);
        this.head = 0;
      }
      this.inFlight++;
      void this.deliver(body).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.pending === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const resolve of waiters) resolve();
        }
      });
    }
  }

  private async deliver(body: string): Promise<void> {
    const readyAt = (this.retry.now ?? Date.now)();
    let outcome: DeliveryOutcome;
    for (let notFound = 1; ; notFound++) {
      outcome = await deliverWithRetry('/feedback', body, readyAt, this.retry);
      if (outcome.kind !== 'rejected' || outcome.status !== 404 || notFound >= this.retry.policy.maxAttempts) break;
      const wait = backoffMillis(notFound, this.retry.policy, this.retry.random);
      const elapsed = (this.retry.now ?? Date.now)() + wait - readyAt;
      if (elapsed > this.retry.policy.maxElapsedMillis || this.retry.signal.aborted) break;
      this.retry.onRetry?.('HTTP 404 (run not stored yet)', wait);
      await abortableSleep(wait, this.retry.signal);
    }
    try {
      if (outcome.kind === 'delivered') this.hooks.delivered();
      else this.hooks.failed(body, outcome.kind === 'rejected' ? `HTTP ${outcome.status}: ${outcome.detail}` : outcome.reason);
    } catch {
      // a hook must not stop the queue
    }
  }
}
