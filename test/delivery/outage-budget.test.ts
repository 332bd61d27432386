import { describe, expect, it } from 'vitest';
import { deliverWithRetry, type RetryContext } from '../../src/delivery/deliver-with-retry.js';
import { Outage } from '../../src/delivery/outage.js';
import { Throttle } from '../../src/delivery/throttle.js';
import type { Transport, TransportResponse } from '../../src/transport/http-transport.js';

/**
 * The retry budget against a long outage, on an injected clock: a run whose budget is spent gets
 * its one attempt while the server answers (a healthy backlog is never failed unsent), and fails
 * without one once every attempt has failed for half a budget (issue 26: a request timeout per
 * queued run, or per tree level, against a server that never answers).
 */
const BUDGET = 10_000;
const policy = { maxAttempts: 1, initialBackoffMillis: 500, maxBackoffMillis: 10_000, maxElapsedMillis: BUDGET };

/** Answers every POST with `status` and counts them; the clock is the test's. */
function setup(status: number) {
  let clock = 1_000_000;
  const posts: string[] = [];
  const transport: Transport = {
    post: async (path: string): Promise<TransportResponse> => {
      posts.push(path);
      return { status, headers: {}, body: '{}' };
    },
    get: async () => ({ status: 404, headers: {}, body: '' }),
    close: async () => {},
    destroy: async () => {},
  } as unknown as Transport;
  const outage = new Outage();
  const ctx: RetryContext = { transport, policy, throttle: new Throttle(() => clock), signal: new AbortController().signal, outage, now: () => clock };
  return { ctx, outage, posts, advance: (millis: number) => (clock += millis), now: () => clock };
}

describe('one retry budget against a long outage', () => {
  it('a run whose budget is spent still gets its attempt while the server answers', async () => {
    const { ctx, posts, now } = setup(200);
    const outcome = await deliverWithRetry('/runs', '{}', now() - 3 * BUDGET, ctx);
    expect(outcome.kind).toBe('delivered');
    expect(posts).toHaveLength(1);
  });

  it('and while the outage is shorter than half a budget', async () => {
    const { ctx, outage, posts, now, advance } = setup(503);
    outage.failed(now());
    advance(BUDGET / 2 - 1);
    const outcome = await deliverWithRetry('/runs', '{}', now() - 3 * BUDGET, ctx);
    expect(outcome.kind).toBe('failed');
    expect(posts).toHaveLength(1);
  });

  it('fails at once, without an attempt, once every attempt has failed for half a budget', async () => {
    const { ctx, outage, posts, now, advance } = setup(503);
    outage.failed(now());
    advance(BUDGET / 2);
    const outcome = await deliverWithRetry('/runs', '{}', now() - BUDGET - 1, ctx);
    expect(outcome).toMatchObject({ kind: 'failed', attempts: 0 });
    expect(outcome.kind === 'failed' && outcome.reason).toMatch(/retry budget of 10000 ms spent, and LangSmith has failed every attempt for 5000 ms/);
    expect(posts).toHaveLength(0);
  });

  it('a run with budget left is attempted even in a long outage', async () => {
    const { ctx, outage, posts, now, advance } = setup(503);
    outage.failed(now());
    advance(5 * BUDGET);
    await deliverWithRetry('/runs', '{}', now() - 1, ctx);
    expect(posts).toHaveLength(1);
  });

  it('the outage starts with the first failed attempt and ends with any answer, a 429 included', async () => {
    const failing = setup(503);
    await deliverWithRetry('/runs', '{}', failing.now(), failing.ctx);
    failing.advance(BUDGET);
    expect(failing.outage.lastedFor(failing.now())).toBe(BUDGET);
    for (const status of [200, 400, 409]) {
      const answering = setup(status);
      answering.outage.failed(answering.now());
      await deliverWithRetry('/runs', '{}', answering.now(), answering.ctx);
      expect(answering.outage.lastedFor(answering.now() + BUDGET), `HTTP ${status}`).toBe(0);
    }
    const limited = new Outage();
    limited.failed(0);
    limited.answered();
    expect(limited.lastedFor(BUDGET)).toBe(0);
  });
});
