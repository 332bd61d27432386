/**
 * Holds runs until their parent is acknowledged by the server, so that a parent always reaches
 * LangSmith before its children. Knows trees, not HTTP: the owner tells it which ids were
 * acknowledged or rejected, and it hands back runs that may go.
 *
 * Memory is bounded: held runs by count and bytes (the oldest leave as orphans), acknowledged
 * ids by count (least recently acknowledged forgotten first).
 */

export interface GateEntry {
  readonly id: string;
  /** Parent run id, or undefined for a root. */
  readonly parentId: string | undefined;
  /** Size charged against the held-bytes bound. */
  readonly bytes: number;
}

/** What the gate remembers of an acknowledged run, handed to its children on release. */
export interface ParentInfo {
  startMicros: number;
}

export type GateOrphanReason = 'parent_timeout' | 'buffer_full' | 'shutdown' | 'parent_failed';

export interface ReleaseContext {
  /** The acknowledged parent, for a child released because of it or whose parent was known. */
  parent?: ParentInfo;
  /** Set when the run must go out as a root. */
  orphan?: GateOrphanReason;
  /** The run whose acknowledgement released this one (for tracking who waits on what). */
  releasedBy?: string;
}

export interface ParentGateOptions<T extends GateEntry> {
  maxHeldRuns: number;
  maxHeldBytes: number;
  orphanTimeoutMillis: number;
  /** How many acknowledged ids to remember for children still to come. */
  maxRememberedParents: number;
  release(entry: T, context: ReleaseContext): void;
  now?: () => number;
}

interface Held<T> {
  entry: T;
  heldAt: number;
  released: boolean;
}

/** Children of one parent; `live` counts those not yet released, so the list is never searched. */
interface Siblings<T> {
  live: number;
  list: Held<T>[];
}

const REJECTED = 'rejected' as const;

export class ParentGate<T extends GateEntry> {
  private readonly waiting = new Map<string, Siblings<T>>(); // parent id → held children
  private readonly expiry: Held<T>[] = []; // FIFO: hold order is expiry order
  private expiryHead = 0;
  private readonly settled = new Map<string, ParentInfo | typeof REJECTED>();
  private heldRuns = 0;
  private heldBytesTotal = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: ParentGateOptions<T>) {
    this.now = options.now ?? Date.now;
  }

  get heldCount(): number {
    return this.heldRuns;
  }

  get heldBytes(): number {
    return this.heldBytesTotal;
  }

  /** Releases the entry at once when it is a root or its parent is settled; holds it otherwise. */
  submit(entry: T): 'released' | 'held' {
    if (entry.parentId === undefined) {
      this.options.release(entry, {});
      return 'released';
    }
    const parent = this.settled.get(entry.parentId);
    if (parent === REJECTED) {
      this.options.release(entry, { orphan: 'parent_failed' });
      return 'released';
    }
    if (parent) {
      this.options.release(entry, { parent });
      return 'released';
    }
    this.hold(entry);
    return 'held';
  }

  /** The run was stored by the server: its held children may go. */
  acknowledged(id: string, info: ParentInfo): void {
    this.remember(id, info);
    for (const held of this.take(id)) this.options.release(held.entry, { parent: info, releasedBy: id });
  }

  /** The run was rejected for good: its children can never be attached to it, so they go as roots. */
  rejected(id: string): void {
    this.remember(id, REJECTED);
    for (const held of this.take(id)) this.options.release(held.entry, { orphan: 'parent_failed', releasedBy: id });
  }

  /** Releases every held run as an orphan (shutdown). */
  releaseAll(reason: GateOrphanReason): void {
    for (const parentId of [...this.waiting.keys()]) {
      for (const held of this.take(parentId)) this.options.release(held.entry, { orphan: reason });
    }
  }

  /** Releases runs held longer than the orphan timeout. Called by the gate's own timer. */
  sweep(): void {
    const deadline = this.now() - this.options.orphanTimeoutMillis;
    while (this.expiryHead < this.expiry.length) {
      const held = this.expiry[this.expiryHead]!;
      if (!held.released && held.heldAt > deadline) break;
      this.expiryHead++;
      if (!held.released) this.orphan(held, 'parent_timeout');
    }
    this.compactExpiry();
    this.schedule();
  }

  /** Stops the timer; held runs stay held. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private hold(entry: T): void {
    const held: Held<T> = { entry, heldAt: this.now(), released: false };
    const siblings = this.waiting.get(entry.parentId!);
    if (siblings) {
      siblings.list.push(held);
      siblings.live++;
    } else {
      this.waiting.set(entry.parentId!, { live: 1, list: [held] });
    }
    this.expiry.push(held);
    this.heldRuns++;
    this.heldBytesTotal += entry.bytes;
    // Over a bound, the oldest held runs leave first: they are the likeliest never to see a parent.
    while (
      (this.heldRuns > this.options.maxHeldRuns || this.heldBytesTotal > this.options.maxHeldBytes) &&
      this.expiryHead < this.expiry.length
    ) {
      const oldest = this.expiry[this.expiryHead++]!;
      if (!oldest.released) this.orphan(oldest, 'buffer_full');
    }
    this.compactExpiry();
    this.schedule();
  }

  private orphan(held: Held<T>, reason: GateOrphanReason): void {
    const siblings = this.waiting.get(held.entry.parentId!);
    if (siblings && --siblings.live === 0) this.waiting.delete(held.entry.parentId!);
    this.markReleased(held);
    this.options.release(held.entry, { orphan: reason });
  }

  private take(parentId: string): Held<T>[] {
    const siblings = this.waiting.get(parentId);
    if (!siblings) return [];
    this.waiting.delete(parentId);
    const children = siblings.list.filter((held) => !held.released);
    for (const held of children) this.markReleased(held);
    if (this.heldRuns === 0) this.stop();
    return children;
  }

  private markReleased(held: Held<T>): void {
    held.released = true;
    this.heldRuns--;
    this.heldBytesTotal -= held.entry.bytes;
  }

  private remember(id: string, info: ParentInfo | typeof REJECTED): void {
    this.settled.delete(id); // re-insert: Map order is recency order
    this.settled.set(id, info);
    if (this.settled.size > this.options.maxRememberedParents) {
      this.settled.delete(this.settled.keys().next().value!);
    }
  }

  /** Drops released entries from the front of the expiry queue so it never grows without bound. */
  private compactExpiry(): void {
    if (this.expiryHead > 1024 && this.expiryHead * 2 > this.expiry.length) {
      this.expiry.splice(0, this.expiryHead);
      this.expiryHead = 0;
    }
    if (this.heldRuns === 0) {
      this.expiry.length = 0;
      this.expiryHead = 0;
    }
  }

  private schedule(): void {
    if (this.timer || this.heldRuns === 0) return;
    while (this.expiryHead < this.expiry.length && this.expiry[this.expiryHead]!.released) this.expiryHead++;
    const oldest = this.expiry[this.expiryHead];
    if (!oldest) return;
    const wait = Math.max(0, oldest.heldAt + this.options.orphanTimeoutMillis - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sweep();
    }, wait + 1);
    this.timer.unref(); // held runs never keep a process alive; shutdown releases them
  }
}
