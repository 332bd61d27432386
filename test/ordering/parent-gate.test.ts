import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParentGate, type GateEntry, type ParentGateOptions, type Release, type ReleaseContext } from '../../src/ordering/parent-gate.js';

interface Entry extends GateEntry {
  start: number;
}

type ObservedOptions = Omit<ParentGateOptions<Entry>, 'onExpired'> & { release(entry: Entry, context: ReleaseContext): void };

/**
 * The gate as its owner drives it: every run it returns (or the timer hands over) is passed to
 * `release` in order, as the pipeline sends them. `submit` says whether the run itself went.
 * `sendParent(id)`: a root run `id` was submitted and handed to its sender (not recorded).
 */
function observedGate(options: ObservedOptions) {
  const gate: ParentGate<Entry> = new ParentGate<Entry>({ ...options, onExpired: (released) => report(released) });
  const report = (released: Release<Entry>[]) => {
    for (const { entry, context } of released) options.release(entry, context);
  };
  return {
    get heldCount() {
      return gate.heldCount;
    },
    get heldBytes() {
      return gate.heldBytes;
    },
    submit(e: Entry, heldSince?: number): 'released' | 'held' {
      const released = gate.submit(e, heldSince);
      report(released);
      return released.some((r) => r.entry === e) ? 'released' : 'held';
    },
    drop: (id: string, parentId: string | undefined) => report(gate.drop(id, parentId)),
    acknowledged: (id: string, info: { startMicros: number }) => report(gate.acknowledged(id, info)),
    failed: (id: string) => report(gate.failed(id)),
    failedForNow: (id: string) => report(gate.failedForNow(id)),
    releaseStrays: (reason: 'shutdown') => report(gate.releaseStrays(reason)),
    releaseAll: (reason: 'shutdown') => report(gate.releaseAll(reason)),
    sendParent: (id: string) => void gate.submit({ id, parentId: undefined, bytes: 0, start: 0 }),
    sweep: () => gate.sweep(),
    stop: () => gate.stop(),
    /** For the memory tests, which look inside. */
    inner: gate,
  };
}

function gateWith(overrides: Partial<ObservedOptions> = {}) {
  const released: Array<{ id: string; context: ReleaseContext }> = [];
  let clock = 0;
  const gate = observedGate({
    maxHeldRuns: 100,
    maxHeldBytes: 1_000_000,
    orphanTimeoutMillis: 1000,
    maxRememberedParents: 1000,
    release: (entry, context) => released.push({ id: entry.id, context }),
    now: () => clock,
    ...overrides,
  });
  return {
    gate,
    released,
    ids: () => released.map((r) => r.id),
    advance(ms: number) {
      clock += ms;
    },
  };
}

const entry = (id: string, parentId?: string, bytes = 10): Entry => ({ id, parentId, bytes, start: 0 });

describe('ParentGate', () => {
  it('releases roots at once and holds children until the parent is acknowledged', () => {
    const t = gateWith();
    expect(t.gate.submit(entry('child', 'root'))).toBe('held');
    expect(t.gate.submit(entry('root'))).toBe('released');
    expect(t.ids()).toEqual(['root']);
    t.gate.acknowledged('root', { startMicros: 5 });
    expect(t.ids()).toEqual(['root', 'child']);
    expect(t.released[1]!.context).toEqual({ parent: { startMicros: 5 } });
    expect(t.gate.heldCount).toBe(0);
    t.gate.stop();
  });

  it('releases a child of an already acknowledged parent with the parent info', () => {
    const t = gateWith();
    t.gate.acknowledged('root', { startMicros: 9 });
    expect(t.gate.submit(entry('late', 'root'))).toBe('released');
    expect(t.released[0]!.context).toEqual({ parent: { startMicros: 9 } });
  });

  it('orphans children of a parent that failed, now and later', () => {
    const t = gateWith();
    t.gate.submit(entry('a', 'p'));
    t.gate.failed('p');
    t.gate.submit(entry('b', 'p'));
    expect(t.released.map((r) => [r.id, r.context.orphan])).toEqual([
      ['a', 'parent_failed'],
      ['b', 'parent_failed'],
    ]);
  });

  it('releases expired orphans a bounded share per sweep, so a burst does not stall the loop', async () => {
    const t = gateWith({ maxHeldRuns: 10_000 });
    for (let i = 0; i < 1000; i++) t.gate.submit(entry(`c${i}`, `missing${i % 10}`));
    t.advance(1001);
    t.gate.sweep();
    expect(t.released.length).toBeGreaterThan(0);
    expect(t.released.length).toBeLessThanOrEqual(256);
    // The gate's own timer comes back for the rest without waiting for another timeout.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(t.released.length).toBe(1000);
    expect(new Set(t.ids()).size).toBe(1000);
    expect(t.released.every((r) => r.context.orphan === 'parent_timeout')).toBe(true);
    t.gate.stop();
  });

  it('orphans a child whose parent does not come within the timeout', () => {
    const t = gateWith();
    t.gate.submit(entry('c1', 'missing'));
    t.advance(600);
    t.gate.submit(entry('c2', 'missing'));
    t.advance(500);
    t.gate.sweep();
    expect(t.released.map((r) => [r.id, r.context.orphan])).toEqual([['c1', 'parent_timeout']]);
    t.advance(600);
    t.gate.sweep();
    expect(t.ids()).toEqual(['c1', 'c2']);
    expect(t.gate.heldCount).toBe(0);
    // The parent arriving afterwards releases nothing twice.
    t.gate.acknowledged('missing', { startMicros: 0 });
    expect(t.ids()).toEqual(['c1', 'c2']);
  });

  it('sends the oldest held runs out as orphans when the count or byte bound is passed', () => {
    const byCount = gateWith({ maxHeldRuns: 2 });
    byCount.gate.submit(entry('a', 'p'));
    byCount.gate.submit(entry('b', 'p'));
    byCount.gate.submit(entry('c', 'q'));
    expect(byCount.released.map((r) => [r.id, r.context.orphan])).toEqual([['a', 'buffer_full']]);
    expect(byCount.gate.heldCount).toBe(2);
    byCount.gate.acknowledged('p', { startMicros: 0 });
    expect(byCount.ids()).toEqual(['a', 'b']);
    byCount.gate.stop();

    const byBytes = gateWith({ maxHeldBytes: 25 });
    byBytes.gate.submit(entry('a', 'p', 10));
    byBytes.gate.submit(entry('b', 'p', 10));
    byBytes.gate.submit(entry('c', 'p', 10));
    expect(byBytes.ids()).toEqual(['a']);
    expect(byBytes.gate.heldBytes).toBe(20);
    byBytes.gate.stop();
  });

  it('never orphans children whose parent is being sent, for time or space', () => {
    const t = gateWith({ maxHeldRuns: 1 });
    t.gate.submit(entry('early', 'p')); // waits for a parent not seen yet
    t.gate.sendParent('p'); // the parent is now on its way: 'early' is backlog, not a stray
    t.gate.submit(entry('late', 'p'));
    t.gate.submit(entry('stray', 'unknown'));
    expect(t.released).toEqual([]);
    expect(t.gate.heldCount).toBe(3);
    t.gate.submit(entry('stray2', 'unknown2')); // the second stray passes the bound of 1
    expect(t.released.map((r) => [r.id, r.context.orphan])).toEqual([['stray', 'buffer_full']]);
    t.advance(5000);
    t.gate.sweep();
    expect(t.released.map((r) => r.id)).toEqual(['stray', 'stray2']);
    t.gate.acknowledged('p', { startMicros: 1 });
    expect(t.released.map((r) => [r.id, r.context.orphan])).toEqual([
      ['stray', 'buffer_full'],
      ['stray2', 'parent_timeout'],
      ['early', undefined],
      ['late', undefined],
    ]);
    expect(t.gate.heldCount).toBe(0);
  });

  it('orphans the children of a parent that was being sent and then failed', () => {
    const t = gateWith();
    t.gate.sendParent('p');
    t.gate.submit(entry('c', 'p'));
    t.gate.failed('p');
    expect(t.released.map((r) => [r.id, r.context.orphan])).toEqual([['c', 'parent_failed']]);
  });

  it('re-parents children of a dropped span to its nearest kept ancestor, held or arriving later', () => {
    const t = gateWith();
    t.gate.submit(entry('early', 'mid')); // held for 'mid'
    t.gate.drop('mid', 'top'); // 'mid' is filtered out: 'early' now waits for 'top'
    t.gate.submit(entry('late', 'mid')); // arrives after the drop
    expect(t.released).toEqual([]);
    t.gate.acknowledged('top', { startMicros: 3 });
    expect(t.released).toEqual([
      { id: 'early', context: { reparentedTo: 'top', parent: { startMicros: 3 } } },
      { id: 'late', context: { reparentedTo: 'top', parent: { startMicros: 3 } } },
    ]);
  });

  it('makes children roots when every ancestor was dropped', () => {
    const t = gateWith();
    t.gate.submit(entry('c', 'p'));
    t.gate.drop('p', 'gp');
    t.gate.drop('gp', undefined);
    t.gate.submit(entry('d', 'p'));
    expect(t.released).toEqual([
      { id: 'c', context: { reparentedTo: null } },
      { id: 'd', context: { reparentedTo: null } },
    ]);
    expect(t.gate.heldCount).toBe(0);
  });

  it('keeps children waiting when their parent failed for now, and lets a resent parent through', () => {
    const t = gateWith();
    t.gate.submit(entry('child', 'p'));
    t.gate.sendParent('p');
    t.gate.failedForNow('p');
    expect(t.released).toEqual([]);
    expect(t.gate.heldCount).toBe(1);
    t.gate.failed('q');
    t.gate.submit(entry('q')); // a run sent again clears its failed mark
    t.gate.submit(entry('q-child', 'q'));
    expect(t.released.map((r) => [r.id, r.context.orphan])).toEqual([['q', undefined]]);
    t.gate.acknowledged('p', { startMicros: 0 });
    expect(t.released.map((r) => r.id)).toEqual(['q', 'child']); // q-child waits for q's acknowledgement
    expect(t.gate.heldCount).toBe(1);
    t.gate.stop();
  });

  it('restarts the wait of the whole held subtree when the top fails for now (an outage outlasting the timeout)', () => {
    const t = gateWith({ orphanTimeoutMillis: 1000 });
    t.gate.submit(entry('child', 'p'));
    t.gate.submit(entry('grandchild', 'child'));
    t.advance(900);
    t.gate.sendParent('p');
    t.gate.failedForNow('p'); // the sender will resend p: everything below waits afresh
    t.advance(900);
    t.gate.sweep();
    expect(t.released).toEqual([]);
    t.gate.acknowledged('p', { startMicros: 0 });
    t.gate.acknowledged('child', { startMicros: 0 });
    expect(t.released.map((r) => [r.id, r.context.orphan])).toEqual([
      ['child', undefined],
      ['grandchild', undefined],
    ]);
    t.gate.stop();
  });

  it('releases everything held at shutdown as orphans', () => {
    const t = gateWith();
    t.gate.submit(entry('a', 'p'));
    t.gate.submit(entry('b', 'q'));
    t.gate.releaseAll('shutdown');
    expect(t.released.map((r) => r.context.orphan)).toEqual(['shutdown', 'shutdown']);
    expect(t.gate.heldCount).toBe(0);
  });

  it('forgets the least recently acknowledged ids past its memory bound', () => {
    const t = gateWith({ maxRememberedParents: 2 });
    t.gate.acknowledged('p1', { startMicros: 1 });
    t.gate.acknowledged('p2', { startMicros: 2 });
    t.gate.acknowledged('p3', { startMicros: 3 });
    expect(t.gate.submit(entry('c3', 'p3'))).toBe('released');
    expect(t.gate.submit(entry('c1', 'p1'))).toBe('held');
    t.gate.stop();
  });

  it('runs its own timer to orphan runs, without keeping the process alive', async () => {
    const released: string[] = [];
    const gate = observedGate({
      maxHeldRuns: 10,
      maxHeldBytes: 1000,
      orphanTimeoutMillis: 30,
      maxRememberedParents: 10,
      release: (e, c) => released.push(`${e.id}:${c.orphan}`),
    });
    gate.submit(entry('x', 'never'));
    await new Promise((r) => setTimeout(r, 120));
    expect(released).toEqual(['x:parent_timeout']);
  });

  it('property: with random spans dropped, every kept run is released once, under its nearest kept ancestor', () => {
    const cases = fc
      .array(fc.tuple(fc.nat(), fc.boolean()), { minLength: 1, maxLength: 50 })
      .map((nodes) => nodes.map(([p, keep], i) => ({ parent: i === 0 ? undefined : `n${p % i}`, keep: i === 0 ? true : keep })));
    fc.assert(
      fc.property(cases, fc.infiniteStream(fc.nat()), (nodes, choices) => {
        const parentOf = (id: string) => nodes[Number(id.slice(1))]!.parent;
        const kept = (id: string) => nodes[Number(id.slice(1))]!.keep;
        const nearestKept = (id: string | undefined): string | undefined => (id === undefined || kept(id) ? id : nearestKept(parentOf(id)));
        const acked = new Set<string>();
        const released = new Map<string, ReleaseContext>();
        const queue: string[] = [];
        const gate = observedGate({
          maxHeldRuns: 1000,
          maxHeldBytes: 1e9,
          orphanTimeoutMillis: 1e9,
          maxRememberedParents: 1000,
          release: (e, c) => {
            expect(released.has(e.id)).toBe(false);
            expect(c.orphan).toBeUndefined();
            const attachedTo = c.reparentedTo === undefined ? e.parentId : (c.reparentedTo ?? undefined);
            expect(attachedTo).toBe(nearestKept(e.parentId));
            if (attachedTo) expect(acked.has(attachedTo)).toBe(true);
            released.set(e.id, c);
            queue.push(e.id);
          },
        });
        const pending = nodes.map((n, i) => `n${i}`);
        const it = choices[Symbol.iterator]();
        while (pending.length || queue.length) {
          if (pending.length && (!queue.length || it.next().value % 2 === 0)) {
            const [id] = pending.splice(it.next().value % pending.length, 1);
            if (kept(id!)) gate.submit(entry(id!, parentOf(id!)));
            else gate.drop(id!, parentOf(id!));
          } else {
            const [id] = queue.splice(it.next().value % queue.length, 1);
            acked.add(id!);
            gate.acknowledged(id!, { startMicros: 0 });
          }
        }
        expect(released.size).toBe(nodes.filter((n) => n.keep).length);
        expect(gate.heldCount).toBe(0);
        gate.stop();
      }),
      { numRuns: 300 },
    );
  });

  it('property: any tree, any end order, every run released exactly once and never before its parent is acknowledged', () => {
    const trees = fc
      .array(fc.nat(), { minLength: 1, maxLength: 60 })
      .map((parents) => parents.map((p, i) => (i === 0 ? undefined : `n${p % i}`)));
    fc.assert(
      fc.property(trees, fc.infiniteStream(fc.nat()), (parentOf, choices) => {
        const acked = new Set<string>();
        const releasedAt = new Map<string, number>();
        const queue: string[] = [];
        const gate = observedGate({
          maxHeldRuns: 1000,
          maxHeldBytes: 1e9,
          orphanTimeoutMillis: 1e9,
          maxRememberedParents: 1000,
          release: (e, c) => {
            expect(releasedAt.has(e.id)).toBe(false);
            expect(c.orphan).toBeUndefined();
            if (e.parentId) expect(acked.has(e.parentId)).toBe(true);
            releasedAt.set(e.id, releasedAt.size);
            queue.push(e.id);
          },
        });
        const pending = parentOf.map((p, i) => entry(`n${i}`, p));
        const it = choices[Symbol.iterator]();
        // Interleave submissions (in random order) with acknowledgements (in random order).
        while (pending.length || queue.length) {
          const submit = pending.length && (!queue.length || it.next().value % 2 === 0);
          if (submit) {
            const [next] = pending.splice(it.next().value % pending.length, 1);
            gate.submit(next!);
          } else {
            const [id] = queue.splice(it.next().value % queue.length, 1);
            acked.add(id!);
            gate.acknowledged(id!, { startMicros: 0 });
          }
        }
        expect(releasedAt.size).toBe(parentOf.length);
        expect(gate.heldCount).toBe(0);
        gate.stop();
      }),
      { numRuns: 300 },
    );
  });
});

/** A gate whose owner sends what it releases, as the pipeline does (markSending at once). */
function sendingGate(overrides: Partial<ObservedOptions> = {}) {
  const released: Array<{ id: string; context: ReleaseContext }> = [];
  let clock = 0;
  const gate = observedGate({
    maxHeldRuns: 100,
    maxHeldBytes: 1_000_000,
    orphanTimeoutMillis: 1000,
    maxRememberedParents: 1000,
    release: (e, context) => {
      released.push({ id: e.id, context });
    },
    now: () => clock,
    ...overrides,
  });
  return {
    gate,
    released,
    outcomes: () => released.map((r) => [r.id, r.context.orphan ?? 'attached']),
    advance(ms: number) {
      clock += ms;
    },
  };
}

describe('ParentGate: chains of strays (a child held before its parent, which waits itself)', () => {
  it('a chain that times out leaves by its top; the run waiting in it follows, attached', () => {
    const t = sendingGate();
    t.gate.submit(entry('chat', 'answer')); // the LLM call ends first
    t.advance(100);
    t.gate.submit(entry('answer', 'http')); // its parent's parent never comes
    t.advance(1000);
    t.gate.sweep();
    expect(t.outcomes()).toEqual([['answer', 'parent_timeout']]);
    expect(t.gate.heldCount).toBe(1);
    t.gate.acknowledged('answer', { startMicros: 7 });
    expect(t.outcomes()).toEqual([
      ['answer', 'parent_timeout'],
      ['chat', 'attached'],
    ]);
    expect(t.released[1]!.context.parent).toEqual({ startMicros: 7 });
    t.gate.stop();
  });

  it('past a bound, the oldest chain leaves by its top and the rest waits for it in the backlog', () => {
    const t = sendingGate({ maxHeldRuns: 1 });
    t.gate.submit(entry('chat', 'answer'));
    expect(t.gate.submit(entry('answer', 'http'))).toBe('released'); // the top of the oldest chain
    expect(t.outcomes()).toEqual([['answer', 'buffer_full']]);
    t.advance(5000);
    t.gate.sweep();
    expect(t.gate.heldCount).toBe(1);
    t.gate.acknowledged('answer', { startMicros: 0 });
    expect(t.outcomes()).toEqual([
      ['answer', 'buffer_full'],
      ['chat', 'attached'],
    ]);
    t.gate.stop();
  });

  it('at shutdown, strays leave by their chain tops and the backlog stays for its parents', () => {
    const t = sendingGate();
    t.gate.sendParent('p');
    t.gate.submit(entry('grandchild', 'child'));
    t.gate.submit(entry('child', 'p')); // behind a parent being sent: backlog, its child too
    t.gate.submit(entry('chat', 'answer'));
    t.gate.submit(entry('answer', 'http'));
    t.gate.releaseStrays('shutdown');
    expect(t.outcomes()).toEqual([['answer', 'shutdown']]);
    expect(t.gate.heldCount).toBe(3);
    for (const id of ['p', 'child', 'answer']) t.gate.acknowledged(id, { startMicros: 0 });
    expect(t.outcomes()).toEqual([
      ['answer', 'shutdown'],
      ['child', 'attached'],
      ['grandchild', 'attached'],
      ['chat', 'attached'],
    ]);
    expect(t.gate.heldCount).toBe(0);
  });

  it('a run held behind a parent being sent takes the children that came before it into the backlog', () => {
    const t = sendingGate({ maxHeldRuns: 1 });
    t.gate.submit(entry('chat', 'answer'));
    t.gate.sendParent('http');
    t.gate.submit(entry('answer', 'http'));
    t.gate.submit(entry('other', 'unknown')); // at the bound of 1 stray: 'chat' no longer counts
    t.advance(500);
    t.gate.submit(entry('other2', 'unknown2'));
    t.advance(5000);
    t.gate.sweep();
    expect(t.outcomes()).toEqual([
      ['other', 'buffer_full'],
      ['other2', 'parent_timeout'],
    ]);
    expect(t.gate.heldCount).toBe(2);
    t.gate.stop();
  });

  it('a cycle of parent ids leaves at its oldest run, without walking round it forever', () => {
    const t = sendingGate();
    t.gate.submit(entry('a', 'b'));
    t.gate.submit(entry('b', 'a'));
    t.gate.submit(entry('self', 'self'));
    t.advance(1000);
    t.gate.sweep();
    expect(t.outcomes()).toEqual([
      ['a', 'parent_timeout'],
      ['self', 'parent_timeout'],
    ]);
    t.gate.acknowledged('a', { startMicros: 0 });
    expect(t.outcomes()[2]).toEqual(['b', 'attached']);
    expect(t.gate.heldCount).toBe(0);
    t.gate.stop();
  });

  it('property: under bounds, timeouts, drops and shutdown, no run leaves as an orphan while the run it waits for exists', () => {
    // Node i: its parent, and whether its span is kept, dropped by a filter, or never arrives.
    const cases = fc
      .array(fc.tuple(fc.nat(), fc.constantFrom('kept', 'kept', 'dropped', 'missing')), { minLength: 1, maxLength: 40 })
      .map((nodes) => nodes.map(([p, fate], i) => ({ parent: i === 0 || p % 4 === 0 ? undefined : `n${p % i}`, fate })));
    fc.assert(
      fc.property(cases, fc.integer({ min: 1, max: 6 }), fc.infiniteStream(fc.nat()), (nodes, maxHeldRuns, choices) => {
        const node = (id: string) => nodes[Number(id.slice(1))]!;
        const submitted = new Set<string>();
        const released = new Set<string>();
        const queue: string[] = [];
        let clock = 0;
        const gate = observedGate({
          maxHeldRuns,
          maxHeldBytes: 1e9,
          orphanTimeoutMillis: 100,
          maxRememberedParents: 1000,
          now: () => clock,
          release: (e, c) => {
            expect(released.has(e.id)).toBe(false);
            if (c.orphan) {
              const awaited = c.reparentedTo === undefined ? e.parentId : c.reparentedTo;
              // Only a run that was never handed over (it may never come) can leave its children as roots.
              expect(submitted.has(awaited!), `${e.id} orphaned (${c.orphan}) while ${awaited} exists`).toBe(false);
            }
            released.add(e.id);
            queue.push(e.id);
          },
        });
        const pending = nodes.map((_, i) => `n${i}`).filter((id) => node(id).fate !== 'missing');
        const it = choices[Symbol.iterator]();
        const pick = <T,>(items: T[]): T => items.splice(it.next().value % items.length, 1)[0]!;
        while (pending.length) {
          const op = it.next().value % 4;
          if (op === 0 && queue.length) gate.acknowledged(pick(queue), { startMicros: 0 });
          else if (op === 1) {
            clock += it.next().value % 150;
            gate.sweep();
          } else {
            const id = pick(pending);
            if (node(id).fate === 'kept') {
              submitted.add(id);
              gate.submit(entry(id, node(id).parent));
            } else gate.drop(id, node(id).parent);
          }
        }
        gate.releaseStrays('shutdown');
        while (queue.length) gate.acknowledged(pick(queue), { startMicros: 0 });
        expect([...released].sort()).toEqual([...submitted].sort());
        expect(gate.heldCount).toBe(0);
        gate.stop();
      }),
      { numRuns: 400 },
    );
  });
});

describe('ParentGate memory', () => {
  it('does not keep orphaned children of a parent that never comes', () => {
    const t = gateWith({ maxHeldRuns: 10 });
    for (let i = 0; i < 10_000; i++) t.gate.submit(entry(`c${i}`, 'never'));
    expect(t.released).toHaveLength(9_990);
    const siblings = (t.gate.inner as unknown as { waiting: Map<string, { list: unknown[] }> }).waiting.get('never')!;
    expect(siblings.list.length).toBeLessThanOrEqual(130);
    t.gate.stop();
  });
});
