import { diag } from '@opentelemetry/api';
import type { StoredRun } from './types.js';

export interface StoreListener {
  added?(run: StoredRun): void;
  cleared?(): void;
}

interface Waiter {
  count: number;
  resolve(runs: StoredRun[]): void;
  reject(error: Error): void;
}

/** Accepted runs, looked up by id case-insensitively as the service compares UUIDs. */
export class RunStore {
  readonly #byId = new Map<string, StoredRun>();
  #inOrder: StoredRun[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly #listeners = new Set<StoreListener>();

  add(run: StoredRun): void {
    this.#byId.set(run.id.toLowerCase(), run);
    this.#inOrder.push(run);
    for (const waiter of this.#waiters) {
      if (this.#inOrder.length >= waiter.count) {
        this.#waiters.delete(waiter);
        waiter.resolve(this.all());
      }
    }
    this.#notify((listener) => listener.added?.(run));
  }

  /**
   * Told of each run added and each clear() from now on; returns the unsubscribe function.
   * Pass a fresh object per subscription: the same object subscribed twice is told once.
   */
  subscribe(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Subscriptions still open, for leak checks. */
  subscriberCount(): number {
    return this.#listeners.size;
  }

  #notify(call: (listener: StoreListener) => void): void {
    for (const listener of [...this.#listeners]) {
      // One listener may unsubscribe another while being told.
      if (!this.#listeners.has(listener)) continue;
      try {
        call(listener);
      } catch (error) {
        diag.error('otel-langsmith local server: run listener threw', error);
      }
    }
  }

  get(id: string): StoredRun | undefined {
    return this.#byId.get(id.toLowerCase());
  }

  all(): StoredRun[] {
    return [...this.#inOrder];
  }

  clear(): void {
    this.#byId.clear();
    this.#inOrder = [];
    this.#notify((listener) => listener.cleared?.());
  }

  /** `explainShortfall` adds context to the timeout error, e.g. what was rejected meanwhile. */
  waitFor(count: number, timeoutMs: number, explainShortfall: () => string): Promise<StoredRun[]> {
    if (this.#inOrder.length >= count) return Promise.resolve(this.all());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        const got = this.#inOrder.length;
        reject(new Error(`waitForRuns: expected ${count} runs within ${timeoutMs} ms, got ${got}${explainShortfall()}`));
      }, timeoutMs);
      const waiter: Waiter = {
        count,
        resolve: (runs) => {
          clearTimeout(timer);
          resolve(runs);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  rejectWaiters(error: Error): void {
    for (const waiter of this.#waiters) waiter.reject(error);
    this.#waiters.clear();
  }
}
