import type { StoredRun } from './types.js';

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

  add(run: StoredRun): void {
    this.#byId.set(run.id.toLowerCase(), run);
    this.#inOrder.push(run);
    for (const waiter of this.#waiters) {
      if (this.#inOrder.length >= waiter.count) {
        this.#waiters.delete(waiter);
        waiter.resolve(this.all());
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
