/**
 * Holds runs until their parent is acknowledged by the server, so that a parent always reaches
 * LangSmith before its children. Knows trees, not HTTP: the owner says which runs were
 * acknowledged or failed, and each of those calls returns the runs that may go now (only the
 * orphan timer, which nobody calls, hands them over through `onExpired`). A run handed back is
 * being sent from then on: the owner must later report its outcome (`acknowledged`, `failed` or
 * `failedForNow`), and until then its held descendants wait for it without a deadline.
 *
 * Two kinds of wait:
 * - for a parent not seen yet: bounded by count, bytes and time; past a bound the oldest leave as
 *   orphans (roots), since that parent may never come;
 * - for a parent already being sent, or held itself behind one that is: it will be acknowledged
 *   or fail within the retry budget, so these are never orphaned for time or space (they are the
 *   send backlog, not strays).
 * Strays waiting for a held stray form chains up to one that waits for a parent not seen. When a
 * chain's time or room runs out, its top leaves as the orphan and the rest follow it as its
 * descendants: a run never goes out as a root while the run it waits for is sent.
 * Acknowledged ids are remembered for late children, bounded by count (see RecentMap).
 *
 * A span filtered out never becomes a run: `drop(id, parentId)` makes it transparent, so its
 * children (held now or arriving later) wait for, and attach to, its nearest kept ancestor.
 */

import { RecentMap } from './recent-map.js';

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
  /** Where it sits in its trace, when known (batch ingestion needs it for the children). */
  dottedOrder?: string;
  traceId?: string;
}

export type GateOrphanReason = 'parent_timeout' | 'buffer_full' | 'shutdown' | 'parent_failed' | 'remote_parent';

export interface ReleaseContext {
  /** The acknowledged parent. */
  parent?: ParentInfo;
  /** Set when the run must go out as a root. */
  orphan?: GateOrphanReason;
  /** Set when its parent was dropped: the nearest kept ancestor, or null when none is left (a root). */
  reparentedTo?: string | null;
}

/** A run the gate lets go, with what its sender must change in it. */
export interface Release<T> {
  entry: T;
  context: ReleaseContext;
}

export interface ParentGateOptions<T extends GateEntry> {
  maxHeldRuns: number;
  maxHeldBytes: number;
  orphanTimeoutMillis: number;
  /** How many acknowledged ids to remember for children still to come. */
  maxRememberedParents: number;
  /** Strays the orphan timer let go: the one release nobody asked for, so it cannot be returned. */
  onExpired(released: Release<T>[]): void;
  now?: () => number;
}

interface Held<T> {
  entry: T;
  /** The run it waits for: its parent, or the nearest kept ancestor when the parent was dropped. */
  waitsFor: string;
  reparented: boolean;
  heldAt: number;
  released: boolean;
  /** Its parent is being sent, or is held in the backlog itself: no timeout, no eviction. */
  backlog: boolean;
}

/** Children of one parent; `live` counts those not yet released, so the list is never searched. */
interface Siblings<T> {
  live: number;
  list: Held<T>[];
}

/** At most this many orphans, and about this much time, per sweep of the orphan timer. */
const SWEEP_RUNS = 256;
const SWEEP_MILLIS = 2;

export class ParentGate<T extends GateEntry> {
  private readonly waiting = new Map<string, Siblings<T>>(); // parent id → held children
  private readonly heldById = new Map<string, Held<T>>(); // the chains strays form
  private readonly sending = new Set<string>(); // ids handed out and not yet acknowledged or failed
  private readonly expiry: Held<T>[] = []; // FIFO of strays: hold order is expiry order
  private expiryHead = 0;
  private readonly settled: RecentMap<string, ParentInfo>; // acknowledged
  // Failed for good. Kept apart because they are rare: while there are none, a run checks the
  // size and skips the lookup.
  private readonly failedIds: RecentMap<string, true>;
  private readonly dropped: RecentMap<string, string | null>; // dropped id → its parent (null: was a root)
  private strayRuns = 0;
  private strayBytes = 0;
  private backlogRuns = 0;
  private backlogBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: ParentGateOptions<T>) {
    this.now = options.now ?? Date.now;
    this.settled = new RecentMap(options.maxRememberedParents);
    this.failedIds = new RecentMap(options.maxRememberedParents);
    this.dropped = new RecentMap(options.maxRememberedParents);
  }

  get heldCount(): number {
    return this.strayRuns + this.backlogRuns;
  }

  get heldBytes(): number {
    return this.strayBytes + this.backlogBytes;
  }

  /**
   * Releases the entry at once when it is a root or its parent is settled; holds it otherwise.
   *
   * `heldSince` (epoch ms, from `now`'s clock) backdates the wait: a run the OTLP bridge reads back
   * from its journal after a restart keeps the deadline it had when it first arrived, instead of
   * waiting a whole `orphanTimeoutMillis` again. Never later than now. The expiry queue assumes
   * hold order is expiry order, so backdated runs should come before any others (the bridge
   * replays its journal, oldest first, before it listens); one out of order is only released late.
   */
  submit(entry: T, heldSince?: number): Release<T>[] {
    // A run sent again (a sender's retry) gets a new chance: its children may attach to it now.
    if (this.failedIds.size > 0) this.failedIds.delete(entry.id);
    const out: Release<T>[] = [];
    const waitsFor = this.resolve(entry.parentId);
    this.place(entry, waitsFor, waitsFor !== entry.parentId, out, heldSince);
    return out;
  }

  /**
   * The run was filtered out: it will never be sent. Its children, held or still to come, are
   * re-parented to its nearest kept ancestor.
   */
  drop(id: string, parentId: string | undefined): Release<T>[] {
    this.dropped.set(id, parentId ?? null);
    const out: Release<T>[] = [];
    const waitsFor = this.resolve(parentId);
    for (const held of this.take(id)) this.place(held.entry, waitsFor, true, out);
    return out;
  }

  /** The run was stored by the server: its held children may go. */
  acknowledged(id: string, info: ParentInfo): Release<T>[] {
    if (this.failedIds.size > 0) this.failedIds.delete(id);
    this.settled.set(id, info);
    const out: Release<T>[] = [];
    for (const held of this.take(id)) this.release(held.entry, { ...this.origin(held), parent: info }, out);
    return out;
  }

  /**
   * The run failed for good, or will never be sent (kept for a later replay, lost): its children
   * can never be attached to it now, so they go as roots.
   */
  failed(id: string): Release<T>[] {
    this.settled.delete(id);
    this.failedIds.set(id, true);
    const out: Release<T>[] = [];
    for (const held of this.take(id)) this.release(held.entry, { ...this.origin(held), orphan: 'parent_failed' }, out);
    return out;
  }

  /**
   * The run could not be delivered for now, and its sender will send it again (the OTLP bridge
   * answers 503 and the Collector retries): its children keep waiting for it, as strays again,
   * bounded by the orphan timeout and the buffer bounds.
   */
  failedForNow(id: string): Release<T>[] {
    // The whole held subtree waits on this outcome: each level's wait starts afresh, or a
    // grandchild held since before the outage would time out while its ancestors are resent.
    // Taken whole before any is held again: holding one may orphan it (a bound), and its
    // children must then see it being sent, not wait for it as strays.
    const subtree: Array<{ held: Held<T>; parentId: string }> = [];
    const parents = [id];
    for (let i = 0; i < parents.length; i++) {
      for (const held of this.take(parents[i]!)) {
        subtree.push({ held, parentId: parents[i]! });
        parents.push(held.entry.id);
      }
    }
    const out: Release<T>[] = [];
    for (const { held, parentId } of subtree) this.place(held.entry, parentId, held.reparented, out);
    return out;
  }

  /**
   * Shutdown: no parent not seen yet will come now, so every chain of strays leaves, its top as an
   * orphan and the rest behind it. The backlog stays: its parents' outcomes release it.
   */
  releaseStrays(reason: GateOrphanReason): Release<T>[] {
    const out: Release<T>[] = [];
    for (let i = this.expiryHead; i < this.expiry.length; i++) {
      const held = this.expiry[i]!;
      // Its chain's top leaves, and is being sent: the rest of the chain joins the backlog.
      while (this.isStray(held)) this.orphan(this.chainTop(held), reason, out);
    }
    this.compactExpiry();
    return out;
  }

  /** Releases every held run as an orphan, the backlog too (shutdown past its deadline). */
  releaseAll(reason: GateOrphanReason): Release<T>[] {
    const out: Release<T>[] = [];
    for (const parentId of [...this.waiting.keys()]) {
      for (const held of this.take(parentId)) this.release(held.entry, { ...this.origin(held), orphan: reason }, out);
    }
    return out;
  }

  /**
   * Lets one held run go now as an orphan (a root, with what waits under it), before the orphan
   * timeout: a run whose parent is in another process waits less (see RunPipeline). Nothing when
   * it is no longer a stray (its parent came, or it left already) or when it waits for a run that
   * is held itself (its parent reached this gate: that chain's own wait applies).
   */
  expire(id: string, reason: GateOrphanReason): Release<T>[] {
    const held = this.heldById.get(id);
    const out: Release<T>[] = [];
    if (held && this.isStray(held) && !this.heldById.has(held.waitsFor)) this.orphan(held, reason, out);
    return out;
  }

  /** Releases strays held longer than the orphan timeout (a bounded share; the timer returns for the rest). */
  sweep(): void {
    this.stop(); // rescheduled below for what is left
    const deadline = this.now() - this.options.orphanTimeoutMillis;
    // Releasing an orphan rewrites its body; thousands expiring together (a burst of spans whose
    // parents were dropped) would stall the event loop, so one sweep releases a bounded share and
    // the timer comes back for the rest at once.
    const stopAt = performance.now() + SWEEP_MILLIS;
    const out: Release<T>[] = [];
    let released = 0;
    while (this.expiryHead < this.expiry.length) {
      const held = this.expiry[this.expiryHead]!;
      if (!this.isStray(held)) {
        this.expiryHead++;
        continue;
      }
      if (held.heldAt > deadline) break;
      if (released === SWEEP_RUNS || (released > 0 && released % 8 === 0 && performance.now() >= stopAt)) break;
      // Its chain has waited long enough: the top goes, and this run (once the top is being
      // sent, in the backlog) follows it.
      this.orphan(this.chainTop(held), 'parent_timeout', out);
      released++;
    }
    this.compactExpiry();
    this.schedule();
    if (out.length) this.options.onExpired(out);
  }

  /** Stops the timer; held runs stay held. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private origin(held: Held<T>): ReleaseContext {
    return held.reparented ? { reparentedTo: held.waitsFor } : {};
  }

  private isStray(held: Held<T>): boolean {
    return !held.released && !held.backlog;
  }

  /**
   * The held stray at the top of this one's chain: the one whose parent has not been seen. A
   * cycle of parent ids (malformed input) has no top: the run itself is the top then.
   */
  private chainTop(held: Held<T>): Held<T> {
    let top = held;
    // No chain is longer than the held runs; a walk past that is going round a cycle.
    for (let hops = this.heldCount; hops > 0; hops--) {
      const parent = this.heldById.get(top.waitsFor);
      if (!parent || parent === top) return top;
      top = parent;
    }
    return held;
  }

  /** The held descendants of a run being sent (or held in the backlog) join the backlog. */
  private joinBacklog(id: string): void {
    if (this.waiting.size === 0) return;
    const parents = [id];
    for (let i = 0; i < parents.length; i++) {
      const siblings = this.waiting.get(parents[i]!);
      if (!siblings) continue;
      for (const held of siblings.list) {
        if (held.released || held.backlog) continue;
        this.count(held, -1);
        held.backlog = true;
        this.count(held, +1);
        parents.push(held.entry.id);
      }
    }
  }

  /** Follows dropped runs up to the nearest one that will exist (or undefined for none). */
  private resolve(parentId: string | undefined): string | undefined {
    if (this.dropped.size === 0) return parentId; // no filter dropped anything: the common case
    let id = parentId;
    for (let hops = 0; id !== undefined && hops < 10_000; hops++) {
      const up = this.dropped.get(id);
      if (up === undefined) return id;
      id = up ?? undefined;
    }
    return id;
  }

  /**
   * Hands a run to its sender: from now on it is being sent, and what waits for it (held now or
   * arriving later) waits without a deadline for its outcome, which is sure to come.
   */
  private release(entry: T, context: ReleaseContext, out: Release<T>[]): void {
    this.sending.add(entry.id);
    this.joinBacklog(entry.id);
    out.push({ entry, context });
  }

  private place(entry: T, waitsFor: string | undefined, reparented: boolean, out: Release<T>[], heldSince?: number): void {
    const base: ReleaseContext = reparented ? { reparentedTo: waitsFor ?? null } : {};
    if (waitsFor === undefined) return this.release(entry, base, out);
    if (this.failedIds.size > 0 && this.failedIds.has(waitsFor)) return this.release(entry, { ...base, orphan: 'parent_failed' }, out);
    const parent = this.settled.get(waitsFor);
    if (parent) return this.release(entry, { ...base, parent }, out);
    // Held, it may still leave at once: as the top of the oldest chain when a bound is passed.
    this.hold(entry, waitsFor, reparented, out, heldSince);
  }

  private hold(entry: T, waitsFor: string, reparented: boolean, out: Release<T>[], heldSince?: number): void {
    const backlog = this.sending.has(waitsFor) || this.heldById.get(waitsFor)?.backlog === true;
    const now = this.now();
    const heldAt = heldSince === undefined ? now : Math.min(heldSince, now);
    const held: Held<T> = { entry, waitsFor, reparented, heldAt, released: false, backlog };
    const siblings = this.waiting.get(waitsFor);
    if (siblings) {
      siblings.list.push(held);
      siblings.live++;
    } else {
      this.waiting.set(waitsFor, { live: 1, list: [held] });
    }
    this.heldById.set(entry.id, held);
    this.count(held, +1);
    if (held.backlog) {
      this.joinBacklog(entry.id); // children that came first now wait behind the backlog too
      return;
    }
    this.expiry.push(held);
    // Over a bound, the oldest strays' chains leave first: they are the likeliest never to see a parent.
    while ((this.strayRuns > this.options.maxHeldRuns || this.strayBytes > this.options.maxHeldBytes) && this.expiryHead < this.expiry.length) {
      const oldest = this.expiry[this.expiryHead]!;
      if (this.isStray(oldest)) this.orphan(this.chainTop(oldest), 'buffer_full', out);
      else this.expiryHead++;
    }
    this.compactExpiry();
    this.schedule();
  }

  private count(held: Held<T>, sign: 1 | -1): void {
    if (held.backlog) {
      this.backlogRuns += sign;
      this.backlogBytes += sign * held.entry.bytes;
    } else {
      this.strayRuns += sign;
      this.strayBytes += sign * held.entry.bytes;
    }
  }

  private orphan(held: Held<T>, reason: GateOrphanReason, out: Release<T>[]): void {
    const siblings = this.waiting.get(held.waitsFor);
    this.markReleased(held);
    if (siblings && --siblings.live === 0) this.waiting.delete(held.waitsFor);
    // A parent that never comes keeps gaining children while older ones leave as orphans: drop
    // the released ones from its list once they are the majority, or they would pile up forever.
    else if (siblings && siblings.list.length > 64 && siblings.live * 2 < siblings.list.length) {
      siblings.list = siblings.list.filter((sibling) => !sibling.released);
    }
    this.release(held.entry, { ...this.origin(held), orphan: reason }, out);
  }

  private take(parentId: string): Held<T>[] {
    this.sending.delete(parentId);
    const siblings = this.waiting.get(parentId);
    if (!siblings) return [];
    this.waiting.delete(parentId);
    const children = siblings.list.filter((held) => !held.released);
    for (const held of children) this.markReleased(held);
    if (this.strayRuns === 0) this.stop();
    return children;
  }

  private markReleased(held: Held<T>): void {
    this.count(held, -1);
    held.released = true;
    if (this.heldById.get(held.entry.id) === held) this.heldById.delete(held.entry.id);
  }

  /** Drops settled entries from the front of the expiry queue so it never grows without bound. */
  private compactExpiry(): void {
    while (this.expiryHead < this.expiry.length && !this.isStray(this.expiry[this.expiryHead]!)) this.expiryHead++;
    if (this.expiryHead === this.expiry.length) {
      this.expiry.length = 0;
      this.expiryHead = 0;
    } else if (this.expiryHead > 1024 && this.expiryHead * 2 > this.expiry.length) {
      this.expiry.splice(0, this.expiryHead);
      this.expiryHead = 0;
    }
  }

  private schedule(): void {
    if (this.timer || this.strayRuns === 0) return;
    this.compactExpiry();
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
