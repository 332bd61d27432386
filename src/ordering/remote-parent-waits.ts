/**
 * The wait of runs whose parent came over the wire (`remoteParents: 'auto'`, the default).
 *
 * Why: a span whose parent is remote is often the server span of a request this same process
 * made (a handler calling another endpoint of its own service, a test client): its parent, the
 * client span, ends moments later and reaches the same exporter within a BatchSpanProcessor round
 * or two. Sent at once as a root, one request became several traces (issue 26); LangSmith's own
 * ingest would show one. Held for ever, a parent in another process (that never comes) would hold
 * it. So it waits like any child, but for `remoteParentTimeoutMillis` at most (default 10 s, two
 * of BatchSpanProcessor's 5 s rounds), then leaves as a root (`orphan_reason: remote_parent`).
 *
 * Every run waits the same time, so arrival order is expiry order: one FIFO, one timer. An entry
 * whose run left earlier (its parent came) is skipped when its time comes: the gate's `expire`
 * does nothing for a run it no longer holds. Memory: one id per run that arrived in the last wait.
 */
export class RemoteParentWaits {
  private readonly ids: string[] = [];
  private readonly dueAt: number[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly waitMillis: number,
    private readonly expire: (id: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  add(id: string): void {
    this.ids.push(id);
    this.dueAt.push(this.now() + this.waitMillis);
    this.schedule();
  }

  /** How many runs are waiting (or were, and left early), for the cost figures. */
  get size(): number {
    return this.ids.length - this.head;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.head === this.ids.length) return;
    const wait = Math.max(0, this.dueAt[this.head]! - this.now());
    this.timer = setTimeout(() => this.due(), wait + 1);
    this.timer.unref(); // a wait never keeps a process alive; shutdown lets held runs go
  }

  private due(): void {
    this.timer = undefined;
    const now = this.now();
    while (this.head < this.ids.length && this.dueAt[this.head]! <= now) {
      const id = this.ids[this.head]!;
      this.head++;
      this.expire(id);
    }
    if (this.head === this.ids.length) {
      this.ids.length = 0;
      this.dueAt.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.ids.length) {
      this.ids.splice(0, this.head);
      this.dueAt.splice(0, this.head);
      this.head = 0;
    }
    this.schedule();
  }
}
