import { diag } from '@opentelemetry/api';

/** Reports a trace as complete once no run has arrived for it for `quietMillis`. */
export class TraceQuietWatch {
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly quietMillis: number,
    private readonly onComplete: ((traceId: string) => void) | undefined,
  ) {}

  touch(traceId: string): void {
    const onComplete = this.onComplete;
    if (!onComplete) return;
    clearTimeout(this.#timers.get(traceId));
    const timer = setTimeout(() => {
      this.#timers.delete(traceId);
      try {
        onComplete(traceId);
      } catch (error) {
        diag.error('otel-langsmith local server: onTraceComplete callback threw', error);
      }
    }, this.quietMillis);
    this.#timers.set(traceId, timer);
  }

  clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
