// The pieces behind "429 is backpressure", on a fake clock: the window that counts what was asked
// and accepted, the pace learned from 429s, and the one report with the figures.
import { describe, expect, it } from 'vitest';
import { RateLimitReport } from '../../src/delivery/rate-limit-report.js';
import { RatePacer } from '../../src/delivery/rate-pacer.js';
import { RateWindow } from '../../src/delivery/rate-window.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (millis: number) => (now += millis) };
}

describe('RateWindow', () => {
  it('sums the last seconds and forgets older ones; knows how long ago the last 429 was', () => {
    const time = clock();
    const window = new RateWindow(10, time.now);
    window.add('accepted', 5);
    window.add('limited');
    time.advance(3000);
    window.add('accepted', 2);
    expect(window.total()).toMatchObject({ accepted: 7, limited: 1, limitedSeconds: 1 });
    expect(window.total(2)).toMatchObject({ accepted: 2, limited: 0 });
    expect(window.secondsSinceLimited()).toBe(3);
    time.advance(10_000);
    expect(window.total()).toMatchObject({ accepted: 0, limited: 0 });
    expect(window.secondsSinceLimited()).toBe(Infinity);
  });
});

describe('RatePacer', () => {
  it('paces at what got through in the second before the first 429, cuts a tenth on later ones (once a second), rises while quiet, stops after half a minute', () => {
    const time = clock();
    const window = new RateWindow(60, time.now);
    const pacer = new RatePacer(window, time.now);
    expect(pacer.rate).toBe(Infinity);
    window.add('passed', 40); // what the limit let through in the second before the 429
    window.add('limited');
    pacer.onLimited();
    expect(pacer.rate).toBe(40);
    pacer.onLimited(); // the same burst
    expect(pacer.rate).toBe(40);
    time.advance(1000);
    window.add('limited');
    pacer.onLimited();
    expect(pacer.rate).toBe(36);
    time.advance(2000);
    expect(pacer.rate).toBeGreaterThan(36);
    time.advance(30_000);
    expect(pacer.rate).toBe(Infinity);
  });

  it('spreads requests at the pace', async () => {
    const time = clock();
    const window = new RateWindow(60, time.now);
    const pacer = new RatePacer(window, time.now);
    window.add('passed', 2000); // 1 000 a second: 1 ms apart, so the test waits little
    window.add('limited');
    pacer.onLimited();
    const signal = new AbortController().signal;
    const started = Date.now();
    for (let i = 0; i < 5; i++) await pacer.acquire(signal);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3);
  });
});

describe('RateLimitReport', () => {
  it('says once, after most of a window of demand above what was accepted while limited, and again only when the figures double or halve, ten windows later', () => {
    const time = clock();
    const window = new RateWindow(60, time.now);
    const messages: string[] = [];
    const report = new RateLimitReport(window, { rateLimitWindowSeconds: 10, endpoint: 'http://x', transport: 'runs', maxQueuedRuns: 100 }, (m) => messages.push(m), time.now);
    const second = (demand: number, accepted: number, limited: boolean) => {
      window.add('demand', demand);
      window.add('accepted', accepted);
      report.check(limited);
      time.advance(1000);
    };
    for (let i = 0; i < 4; i++) second(30, 10, true);
    expect(messages).toHaveLength(0); // not most of the window yet
    for (let i = 0; i < 11; i++) second(30, 10, true);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/sending ~1800 runs\/min; LangSmith accepted ~600\/min for this API key at http:\/\/x/);
    expect(messages[0]).toContain("transport: 'auto'");
    for (let i = 0; i < 10; i++) second(30, 12, true);
    expect(messages).toHaveLength(1); // not material
    for (let i = 0; i < 20; i++) second(80, 12, true);
    expect(messages).toHaveLength(1); // demand more than doubled, but too soon after the first
    for (let i = 0; i < 80; i++) second(80, 12, true);
    expect(messages).toHaveLength(2); // ten windows on, still doubled: news
    for (let i = 0; i < 20; i++) second(10, 10, false);
    expect(messages).toHaveLength(2); // keeping up
  });
});
