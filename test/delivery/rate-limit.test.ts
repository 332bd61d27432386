import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { RateLimiter } from '../../src/delivery/rate-limiter.js';
import { exportOnce, exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { recordingTracer } from '../helpers/tracing.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
});
afterAll(() => server.close());

it('lets a one-second burst through, then spreads requests evenly', async () => {
  const limiter = new RateLimiter(600); // 10 a second
  const signal = new AbortController().signal;
  const started = Date.now();
  const times: number[] = [];
  await Promise.all(Array.from({ length: 15 }, () => limiter.acquire(signal).then(() => times.push(Date.now() - started))));
  times.sort((a, b) => a - b);
  expect(times[9]!).toBeLessThan(100); // the burst
  expect(times[14]!).toBeGreaterThanOrEqual(450); // five more, 100 ms apart (lower bound only)
});

it('returns at once when aborted (shutdown)', async () => {
  const limiter = new RateLimiter(60);
  const controller = new AbortController();
  await limiter.acquire(controller.signal); // the one token
  const waiting = limiter.acquire(controller.signal);
  controller.abort();
  await waiting;
});

it('the exporter smooths a burst to maxRequestsPerMinute instead of collecting 429s', async () => {
  const exporter = exporterFor(server, { maxRequestsPerMinute: 1200 }); // 20 a second
  const { tracer, spans } = recordingTracer();
  for (let i = 0; i < 30; i++) tracer.startSpan(`op ${i}`).end();
  await exportOnce(exporter, spans());
  const at = server.requests().map((r) => r.at);
  expect(server.runs()).toHaveLength(30);
  expect(Math.max(...at) - Math.min(...at)).toBeGreaterThanOrEqual(400); // 10 beyond the burst, 50 ms apart
  await exporter.shutdown();
});
