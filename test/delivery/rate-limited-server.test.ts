// LangSmith's per-key rate limit never costs data: 429 is backpressure (it spends no retry budget),
// the exporter paces to what the server accepts, says once with the figures when demand stays above
// it, and `transport: 'auto'` / `'batch'` carry the load in batches. The strict local server plays
// LangSmith with its per-key rate limit; the figures are scaled down (a limit of 20 requests a
// second, a judging window of a few seconds) so the whole file runs in well under a minute.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, trace, type Span } from '@opentelemetry/api';
import { BatchSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LangSmithExporterOptions, LangSmithSpanExporter } from 'otel-langsmith';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { captureDiag, exportOnce, exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { recordingTracer, tracerWith } from '../helpers/tracing.js';
import { readSpool } from '../../src/replay/spool-files.js';

const LIMIT_PER_SECOND = 20;

let server: LocalServer;
beforeEach(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY, rateLimit: { requestsPerSecond: LIMIT_PER_SECOND, retryAfterSeconds: 1 } });
});
afterEach(() => server.close());

/** Traces of a root and three children, the children ending first (exported before their root). */
function traces(count: number): ReadableSpan[][] {
  const { tracer, spans } = recordingTracer();
  const batches: ReadableSpan[][] = [];
  for (let i = 0; i < count; i++) {
    const before = spans().length;
    const root = tracer.startSpan(`root ${i}`);
    const children: Span[] = [0, 1, 2].map((k) => tracer.startSpan(`child ${i}.${k}`, {}, trace.setSpan(context.active(), root)));
    for (const child of children) child.end();
    root.end();
    batches.push(spans().slice(before));
  }
  return batches;
}

/** Exports `perSecond` spans a second (whole traces), for `seconds`, without waiting for the callbacks. */
async function sustain(exporter: LangSmithSpanExporter, perSecond: number, seconds: number): Promise<{ sent: number; results: Promise<unknown>[] }> {
  const tracesPerTick = Math.max(1, Math.round(perSecond / 4 / 10)); // 4 spans a trace, 10 ticks a second
  const results: Promise<unknown>[] = [];
  let sent = 0;
  for (let tick = 0; tick < seconds * 10; tick++) {
    for (const spans of traces(tracesPerTick)) {
      results.push(exportOnce(exporter, spans));
      sent += spans.length;
    }
    await sleep(100);
  }
  return { sent, results };
}

/** Each stored run once, and each child stored after its parent. */
function expectWholeTrees(runs: ReturnType<LocalServer['runs']>): void {
  const ids = runs.map((run) => run.id);
  expect(new Set(ids).size).toBe(ids.length);
  const storedAt = new Map(runs.map((run, index) => [run.id, index]));
  for (const run of runs) {
    if (run.parent_run_id === undefined) continue;
    expect(storedAt.get(run.parent_run_id), `parent of ${run.name} stored before it`).toBeLessThan(storedAt.get(run.id)!);
  }
}

const limitedOptions = (extra: LangSmithExporterOptions = {}): LangSmithExporterOptions => ({
  rateLimitWindowSeconds: 4,
  // A budget a 429 would have exhausted at once: 429s must not spend it.
  retry: { maxElapsedMillis: 300, initialBackoffMillis: 10, maxBackoffMillis: 50 },
  ...extra,
});

describe('the local server rehearses the per-key limit', () => {
  it('answers 429 with Retry-After past the limit, per key, and can be changed or turned off', async () => {
    const post = (key: string) =>
      fetch(`${server.url}/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ id: crypto.randomUUID(), name: 'r', run_type: 'chain', inputs: {}, start_time: new Date().toISOString() }),
      });
    // The bucket refills while the requests are answered: ten over the limit leave a margin for that.
    const statuses = await Promise.all(Array.from({ length: LIMIT_PER_SECOND + 10 }, () => post(TEST_KEY)));
    const limited = statuses.filter((response) => response.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(5);
    expect(limited[0]!.headers.get('retry-after')).toBe('1');
    // A wrong key is refused as such, not counted.
    expect((await post('lsv2_wrong')).status).toBe(401);
    server.rateLimit.set(undefined);
    expect((await post(TEST_KEY)).status).toBeLessThan(300);
  });
});

describe('429 is backpressure, not failure', () => {
  it('a burst far above the limit: every run delivered, none failed, though each 429 outlasted the retry budget', async () => {
    const exporter = exporterFor(server, limitedOptions());
    const spans = traces(30).flat(); // 120 runs at once against 20 requests a second
    await exportOnce(exporter, spans);
    await exporter.forceFlush();
    const stats = exporter.stats();
    expect(stats.runsDelivered).toBe(120);
    expect(stats.runsFailed).toBe(0);
    expect(stats.rateLimitedResponses).toBeGreaterThan(0);
    expectWholeTrees(server.runs());
    await exporter.shutdown();
  });
});

describe('sustained demand at three times the limit', () => {
  it("default transport behind a BatchSpanProcessor: every run the bounds allow is stored, the rest counted and spooled (none dropped uncounted by the processor), and one diag error says why and what to do", async () => {
    const spool = mkdtempSync(join(tmpdir(), 'rate-limited-'));
    const diagLines = captureDiag();
    try {
      // A short export deadline: more queued than 20 runs a second take in it is accepted early.
      const exporter = exporterFor(server, limitedOptions({ maxQueuedRuns: 200, failedRunsDir: spool, exportTimeoutMillis: 2000 }));
      // A small processor queue: an exporter that held each export() until delivery would make
      // the processor drop spans here, uncounted by anyone.
      const processor = new BatchSpanProcessor(exporter, { maxQueueSize: 256, maxExportBatchSize: 32, scheduledDelayMillis: 100 });
      const { provider, tracer } = tracerWith([processor]);
      let sent = 0;
      for (let tick = 0; tick < 80; tick++) {
        for (let i = 0; i < Math.round((3 * LIMIT_PER_SECOND) / 4 / 10); i++) {
          const root = tracer.startSpan(`root ${tick}.${i}`);
          for (let k = 0; k < 3; k++) tracer.startSpan(`child ${k}`, {}, trace.setSpan(context.active(), root)).end();
          root.end();
          sent += 4;
        }
        await sleep(100);
      }
      // Runs past the bounds are spooled, so the export() calls waiting for them fail, and a
      // processor's forceFlush rejects when a batch it flushes fails: which batch that is depends
      // on timing. The counts below are what this test holds to.
      await provider.forceFlush().catch(() => undefined);
      await exporter.forceFlush();
      await provider.shutdown();
      const stats = exporter.stats();
      expect(stats.spansReceived).toBe(sent);
      const spooled = readdirSync(spool).length > 0;
      expect(stats.runsDelivered + stats.runsSpooled).toBe(sent);
      // Every run the server stored was counted delivered, or was in flight when the shutdown
      // deadline cut it off and waits in the spool (a replay then gets 409: already stored).
      const inSpool = new Set((await readSpool(spool)).runs.map((entry) => entry.run.id));
      const acknowledgedOrSpooled = server.runs().filter((run) => !inSpool.has(run.id));
      expect(acknowledgedOrSpooled).toHaveLength(stats.runsDelivered);
      expect(stats.runsSpooled).toBeGreaterThan(0);
      expect(spooled).toBe(true);
      expectWholeTrees(server.runs());
      const errors = diagLines.lines.filter((line) => line.level === 'error' && /runs\/min; LangSmith accepted/.test(line.text));
      expect(errors).toHaveLength(1);
      expect(errors[0]!.text).toMatch(/sending ~\d+ runs\/min; LangSmith accepted ~\d+\/min for this API key/);
      expect(errors[0]!.text).toContain("transport: 'auto'");
    } finally {
      diagLines.restore();
    }
  });

  it.each(['auto', 'batch'] as const)("transport '%s': every run stored exactly once, parents first", async (transport) => {
    const exporter = exporterFor(server, limitedOptions({ transport, maxConcurrentRequests: 4 }));
    const { sent, results } = await sustain(exporter, 3 * LIMIT_PER_SECOND, 8);
    await Promise.all(results);
    await exporter.forceFlush();
    const stats = exporter.stats();
    await exporter.shutdown();
    expect(stats.runsDelivered).toBe(sent);
    expect(stats.runsFailed + stats.runsSpooled + stats.runsRejected).toBe(0);
    expect(server.runs()).toHaveLength(sent);
    expectWholeTrees(server.runs());
    if (transport === 'auto') {
      // It started with single requests and moved the backlog into batches while limited.
      expect(server.requests().some((request) => request.path === '/runs')).toBe(true);
      expect(server.requests().some((request) => request.path === '/runs/batch' && request.status === 202)).toBe(true);
      expect(stats.transportSwitches).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('a server without batch ingestion', () => {
  it.each([404, 405])("'batch' and 'auto' fall back to single POSTs when /runs/batch answers %i, with one warning and no run lost", async (status) => {
    server.rateLimit.set(undefined);
    server.faults.inject({ status, times: Infinity, match: (request) => request.path === '/runs/batch' });
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server, { transport: 'batch' });
      for (const spans of traces(5)) await exportOnce(exporter, spans);
      await exporter.forceFlush();
      await exporter.shutdown();
      expect(exporter.stats()).toMatchObject({ runsDelivered: 20, runsRejected: 0, runsFailed: 0 });
      expectWholeTrees(server.runs());
      expect(diagLines.lines.filter((line) => line.level === 'warn' && /no batch ingestion/.test(line.text))).toHaveLength(1);
    } finally {
      diagLines.restore();
    }
  });
});
