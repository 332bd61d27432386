import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeliveryQueue } from '../../src/delivery/delivery-queue.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('DeliveryQueue', () => {
  it('never runs more than its concurrency at once, starts jobs in arrival order, and runs each once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 40 }),
        async (concurrency, plan) => {
          let running = 0;
          let most = 0;
          const started: number[] = [];
          const queue = new DeliveryQueue<number>(concurrency, 1000, async ([job]) => {
            started.push(job!);
            running++;
            most = Math.max(most, running);
            for (let i = 0; i < plan[job!]![0]; i++) await tick();
            running--;
          });
          for (let job = 0; job < plan.length; job++) {
            expect(queue.push(job)).toBe(true);
            for (let i = 0; i < plan[job]![1]; i++) await tick(); // pushes interleaved with completions
          }
          await queue.idle();
          expect(most).toBeLessThanOrEqual(concurrency);
          expect(started).toEqual(plan.map((_, job) => job));
          expect(queue.inFlight).toBe(0);
          expect(queue.queued).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps going after a worker throws, and idle() waits for every job', async () => {
    const done: number[] = [];
    const queue = new DeliveryQueue<number>(1, 10, async ([job]) => {
      await tick();
      if (job === 1) throw new Error('a bug in the worker');
      done.push(job!);
    });
    for (const job of [0, 1, 2, 3]) queue.push(job);
    await queue.idle();
    expect(done).toEqual([0, 2, 3]);
  });

  it('refuses jobs past its backlog bound unless forced, and forms batches within the limits', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const queue = new DeliveryQueue<number>(1, 3, async (jobs) => {
      batches.push(jobs);
      await gate;
    }, { maxItems: 2, maxBytes: 100, sizeOf: (job) => job });
    queue.push(1); // taken at once by the idle sender
    expect([queue.push(10), queue.push(20), queue.push(90)]).toEqual([true, true, true]);
    expect(queue.push(30)).toBe(false);
    expect(queue.push(30, true)).toBe(true);
    release();
    await queue.idle();
    // 10 + 20 fill two items; 90 + 30 would pass 100 bytes.
    expect(batches).toEqual([[1], [10, 20], [90], [30]]);
  });
});
