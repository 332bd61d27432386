/**
 * Runs jobs with at most `concurrency` at once, in arrival order, with a bounded backlog.
 * `idle()` resolves once nothing is queued or running.
 */
export class DeliveryQueue<J> {
  private readonly backlog: J[] = [];
  private backlogHead = 0;
  private running = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxQueued: number,
    private readonly worker: (job: J) => Promise<void>,
  ) {}

  get queued(): number {
    return this.backlog.length - this.backlogHead;
  }

  get inFlight(): number {
    return this.running;
  }

  /** False when the backlog is full; the job was not taken. */
  push(job: J): boolean {
    if (this.running < this.concurrency) {
      this.start(job);
      return true;
    }
    if (this.queued >= this.maxQueued) return false;
    this.backlog.push(job);
    return true;
  }

  idle(): Promise<void> {
    if (this.running === 0 && this.queued === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private start(job: J): void {
    this.running++;
    // The worker reports its own failures; a throw here would be a bug, and must not stall the queue.
    this.worker(job)
      .catch(() => undefined)
      .finally(() => {
        this.running--;
        this.next();
      });
  }

  private next(): void {
    while (this.running < this.concurrency && this.queued > 0) {
      const job = this.backlog[this.backlogHead]!;
      this.backlog[this.backlogHead++] = undefined as J;
      if (this.backlogHead > 1024 && this.backlogHead * 2 > this.backlog.length) {
        this.backlog.splice(0, this.backlogHead);
        this.backlogHead = 0;
      }
      this.start(job);
    }
    if (this.queued === 0) {
      this.backlog.length = 0;
      this.backlogHead = 0;
    }
    if (this.running === 0 && this.queued === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
