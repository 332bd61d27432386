import { chunkEnd, ONE_AT_A_TIME, type ChunkLimits } from './chunk.js';

/**
 * Runs jobs with at most `concurrency` workers at once, in arrival order, with a bounded backlog.
 * With batch limits, a free worker takes as many queued jobs as fit: batches form while workers
 * are busy, and an idle pipeline sends at once, with no timer. `idle()` resolves once nothing is
 * queued or running.
 */
export class DeliveryQueue<J> {
  private readonly backlog: J[] = [];
  private backlogHead = 0;
  private running = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxQueued: number,
    private readonly worker: (jobs: J[]) => Promise<void>,
    private limits: ChunkLimits<J> = ONE_AT_A_TIME,
  ) {}

  get queued(): number {
    return this.backlog.length - this.backlogHead;
  }

  get inFlight(): number {
    return this.running;
  }

  /** Each job still waiting for a sender, oldest first. */
  forEachQueued(visit: (job: J) => void): void {
    for (let i = this.backlogHead; i < this.backlog.length; i++) visit(this.backlog[i]!);
  }

  setLimits(limits: ChunkLimits<J>): void {
    this.limits = limits;
  }

  /**
   * False when the backlog is full; the job was not taken. `force` takes it anyway: for jobs that
   * were already held in memory elsewhere (children released by their parent), moving them here
   * costs nothing, and refusing them would fail runs while the server is healthy.
   */
  push(job: J, force = false): boolean {
    if (!force && this.queued >= this.maxQueued) return false;
    this.backlog.push(job);
    this.next();
    return true;
  }

  idle(): Promise<void> {
    if (this.running === 0 && this.queued === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private start(jobs: J[]): void {
    this.running++;
    void this.drain(jobs);
  }

  /**
   * One sender: sends its jobs, then keeps taking queued ones until none is left, so a busy queue
   * costs one await per job rather than a promise chain per job.
   */
  private async drain(first: J[]): Promise<void> {
    let jobs: J[] | undefined = first;
    try {
      while (jobs) {
        try {
          await this.worker(jobs);
        } catch {
          // The worker reports its own failures; a throw here would be a bug, and must not stall the queue.
        }
        jobs = this.queued > 0 ? this.takeBatch() : undefined;
      }
    } finally {
      this.running--;
      this.next();
    }
  }

  private takeBatch(): J[] {
    const end = chunkEnd(this.backlog, this.backlogHead, this.backlog.length, this.limits);
    const jobs = this.backlog.slice(this.backlogHead, end);
    this.backlog.fill(undefined as J, this.backlogHead, end); // taken: no reference kept
    this.backlogHead = end;
    this.compact();
    return jobs;
  }

  private next(): void {
    while (this.running < this.concurrency && this.queued > 0) this.start(this.takeBatch());
    if (this.running === 0 && this.queued === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Drops the slots of jobs already taken. */
  private compact(): void {
    if (this.queued === 0) {
      this.backlog.length = 0;
      this.backlogHead = 0;
    } else if (this.backlogHead > 1024 && this.backlogHead * 2 > this.backlog.length) {
      this.backlog.splice(0, this.backlogHead);
      this.backlogHead = 0;
    }
  }
}
