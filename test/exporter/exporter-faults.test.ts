import { ExportResultCode } from '@opentelemetry/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LangSmithExportError } from 'otel-langsmith';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { captureDiag, exportOnce, exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { recordingTracer } from '../helpers/tracing.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
});
afterEach(() => server.reset());
afterAll(() => server.close());

function oneSpan(name = 'op') {
  const { tracer, spans } = recordingTracer();
  tracer.startSpan(name).end();
  return spans()[0]!;
}

function runRequests() {
  return server.requests().filter((r) => r.path === '/runs');
}

describe('retryable failures are retried until delivered exactly once', () => {
  it.each([408, 425, 429, 500, 502, 503, 504])('HTTP %i', async (status) => {
    const exporter = exporterFor(server);
    server.faults.inject({ status, times: 2 });
    const result = await exportOnce(exporter, [oneSpan()]);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(runRequests().map((r) => r.status)).toEqual([status, status, 200]);
    expect(server.runs()).toHaveLength(1);
    expect(exporter.stats()).toMatchObject({ runsDelivered: 1, retries: 2 });
    await exporter.shutdown();
  });

  it.each([
    ['a connection reset before the response', { reset: 'before-headers' as const }],
    ['a connection reset after the headers', { reset: 'after-headers' as const }],
  ])('%s', async (_label, fault) => {
    const exporter = exporterFor(server);
    server.faults.inject(fault);
    const result = await exportOnce(exporter, [oneSpan()]);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(server.runs()).toHaveLength(1);
    expect(exporter.stats().retries).toBe(1);
    await exporter.shutdown();
  });

  it('a replayed run gets 409, which counts as delivered, never a duplicate', async () => {
    const exporter = exporterFor(server);
    // The first attempt is stored, then its response is lost: the replay must not duplicate the run.
    server.faults.inject({ reset: 'after-headers', times: 1, delayMs: 0 });
    const span = oneSpan();
    const first = await exportOnce(exporter, [span]);
    expect(first.code).toBe(ExportResultCode.SUCCESS);
    const replay = exporterFor(server);
    const second = await exportOnce(replay, [span]);
    expect(second.code).toBe(ExportResultCode.SUCCESS);
    expect(runRequests().at(-1)!.status).toBe(409);
    expect(server.runs()).toHaveLength(1);
    await exporter.shutdown();
    await replay.shutdown();
  });

  it('a server that accepts and never answers: the attempt times out and is retried', async () => {
    const exporter = exporterFor(server, { requestTimeoutMillis: 200 });
    server.faults.inject({ hang: true });
    const result = await exportOnce(exporter, [oneSpan()]);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(server.runs()).toHaveLength(1);
    expect(exporter.stats().retries).toBe(1);
    await exporter.shutdown();
  });

  it('honours Retry-After in seconds, pausing every request', async () => {
    const exporter = exporterFor(server);
    server.faults.inject({ status: 429, retryAfter: '1' });
    const result = await exportOnce(exporter, [oneSpan('a'), oneSpan('b')]);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    const [limited, ...rest] = runRequests();
    expect(limited!.status).toBe(429);
    const afterPause = rest.filter((r) => r.status === 200);
    expect(afterPause).toHaveLength(2);
    // Lower bound only: the retry came no sooner than the server asked.
    const retried = afterPause.find((r) => r.runId === limited!.runId)!;
    expect(retried.at - limited!.at).toBeGreaterThanOrEqual(950);
    await exporter.shutdown();
  });

  it('honours Retry-After as an HTTP date', async () => {
    const exporter = exporterFor(server);
    const retryAfter = new Date(Date.now() + 2000).toUTCString(); // whole seconds: 1–2 s from now
    server.faults.inject({ status: 503, retryAfter });
    await exportOnce(exporter, [oneSpan()]);
    const [first, second] = runRequests();
    expect(first!.status).toBe(503);
    expect(second!.status).toBe(200);
    // Lower bound only, on the server's own clock (request.at is its Date.now()): the retry came no
    // sooner than the date the server named, however long the first request took to be made.
    expect(second!.at).toBeGreaterThanOrEqual(Date.parse(retryAfter) - 5);
    await exporter.shutdown();
  });

  it('falls back to its own backoff on a malformed Retry-After', async () => {
    const exporter = exporterFor(server);
    server.faults.inject({ status: 429, retryAfter: 'tomorrow-ish', times: 1 });
    const result = await exportOnce(exporter, [oneSpan()]);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(runRequests().map((r) => r.status)).toEqual([429, 200]);
    await exporter.shutdown();
  });

  it('gives up when Retry-After is beyond the retry budget, and says so', async () => {
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server, { retry: { maxElapsedMillis: 500 } });
      server.faults.inject({ status: 503, retryAfter: '3600' });
      const result = await exportOnce(exporter, [oneSpan()]);
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect(result.error?.message).toMatch(/HTTP 503; retry budget of 500 ms exhausted/);
      expect(runRequests()).toHaveLength(1);
      expect(exporter.stats().runsFailed).toBe(1);
      await exporter.shutdown();
    } finally {
      diagLines.restore();
    }
  });

  it('stops after maxAttempts', async () => {
    const exporter = exporterFor(server, { retry: { maxAttempts: 3 } });
    server.faults.inject({ status: 500, times: Infinity });
    const result = await exportOnce(exporter, [oneSpan()]);
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error?.message).toMatch(/HTTP 500 after 3 attempts/);
    expect(result.error).toBeInstanceOf(LangSmithExportError);
    expect((result.error as LangSmithExportError).counts).toEqual({ rejected: 0, failed: 1, spooled: 0 });
    expect(runRequests()).toHaveLength(3);
    await exporter.shutdown();
  });
});

describe('permanent failures fail the run at once, with the server detail in the log', () => {
  it.each([400, 401, 403, 404, 405, 413, 415, 422])('HTTP %i', async (status) => {
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server);
      server.faults.inject({ status, body: { detail: `injected ${status} detail` } });
      const result = await exportOnce(exporter, [oneSpan()]);
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect(result.error?.message).toMatch(new RegExp(`rejected with HTTP ${status}`));
      expect(runRequests()).toHaveLength(1);
      expect(exporter.stats()).toMatchObject({ runsRejected: 1, retries: 0 });
      expect((result.error as LangSmithExportError).counts).toEqual({ rejected: 1, failed: 0, spooled: 0 });
      if (status !== 401 && status !== 403) expect(diagLines.text()).toContain(`injected ${status} detail`);
      else expect(diagLines.text()).toMatch(/refused the API key/);
      await exporter.shutdown();
    } finally {
      diagLines.restore();
    }
  });

  it('a connection refused is retried within the budget, then reported', async () => {
    const closed = await startLocalServer({ apiKey: TEST_KEY });
    const url = closed.url;
    await closed.close();
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server, { endpoint: url, retry: { maxAttempts: 3 } });
      const result = await exportOnce(exporter, [oneSpan()]);
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect(result.error?.message).toMatch(/ECONNREFUSED.*after 3 attempts/);
      expect(exporter.stats()).toMatchObject({ runsFailed: 1, retries: 2 });
      await exporter.shutdown();
    } finally {
      diagLines.restore();
    }
  });
});
