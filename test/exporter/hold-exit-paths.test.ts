// Whatever way a run leaves the parent gate (its parent dropped by a filter, timed out, past a
// bound, failed, remote, spooled), once it is acknowledged its own held children follow it,
// attached: a run is never sent as a root while the run it belongs under is delivered.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, SpanKind, trace, type Context } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanFilters } from 'otel-langsmith';
import { startLocalServer, type LocalServer, type StoredRun } from 'otel-langsmith/testing';
import { replaySpool } from '../../src/replay/replay-spool.js';
import { captureDiag, exportersShutAfterEach, exportOnce, exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { recordingTracer } from '../helpers/tracing.js';

let server: LocalServer;
let downUrl: string;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
  const down = await startLocalServer({ apiKey: TEST_KEY });
  downUrl = down.url;
  await down.close();
});
const exporterOf = exportersShutAfterEach(() => server);
afterAll(() => server.close());

/** `answer` → `chat m` → `search`, under `parent` (or, without one, under the given context); ended innermost first. */
function chain(parent: 'http' | 'chain' | Context) {
  const { tracer, spans } = recordingTracer();
  const top =
    parent === 'http'
      ? tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET' } })
      : parent === 'chain'
        ? tracer.startSpan('request')
        : undefined;
  const answer = tracer.startSpan('answer', {}, top ? trace.setSpan(context.active(), top) : (parent as Context));
  const llm = tracer.startSpan('chat m', { attributes: { 'langsmith.span.kind': 'llm' } }, trace.setSpan(context.active(), answer));
  tracer.startSpan('search', { attributes: { 'langsmith.span.kind': 'tool' } }, trace.setSpan(context.active(), llm)).end();
  llm.end();
  answer.end();
  top?.end();
  const byName = (name: string) => spans().find((span) => span.name === name)!;
  return { search: byName('search'), llm: byName('chat m'), answer: byName('answer'), top: top ? spans().at(-1)! : undefined };
}

/** `answer` a root (for the reason given, if any), `chat m` under it, `search` under `chat m`. */
function expectTreeUnderAnswer(runs: StoredRun[], answerOrphanReason?: string): void {
  const byName = new Map(runs.map((run) => [run.name, run]));
  const answer = byName.get('answer')!;
  expect(answer.parent_run_id).toBeUndefined();
  expect(answer.extra?.metadata?.['otel_langsmith.orphan_reason']).toBe(answerOrphanReason);
  expect(byName.get('chat m')!.parent_run_id).toBe(answer.id);
  expect(byName.get('search')!.parent_run_id).toBe(byName.get('chat m')!.id);
  for (const name of ['chat m', 'search']) expect(byName.get(name)!.extra?.metadata).not.toHaveProperty('otel_langsmith.orphan_reason');
  expect(runs.map((run) => run.name).indexOf('answer')).toBeLessThan(runs.map((run) => run.name).indexOf('chat m'));
}

/** Each span in an export() call of its own, innermost first, as BatchSpanProcessor sends them. */
async function exportEach(exporter: ReturnType<typeof exporterFor>, spans: ReadableSpan[]) {
  const results = [];
  for (const span of spans) results.push(await exportOnce(exporter, [span]));
  return results;
}

const remoteParent = () =>
  trace.setSpanContext(context.active(), { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true });

describe('a run that leaves the hold takes its held descendants with it', () => {
  it('its parent filtered out after it ended', async () => {
    const exporter = exporterOf({ spanFilter: SpanFilters.withoutHttp });
    const spans = chain('http');
    const results = await exportEach(exporter, [spans.search, spans.llm, spans.answer, spans.top!]);
    expect(results.every((r) => r.code === ExportResultCode.SUCCESS)).toBe(true);
    expectTreeUnderAnswer(server.runs());
    await exporter.shutdown();
  });

  it('its parent never coming (orphan timeout): the chain leaves by its top', async () => {
    const exporter = exporterOf({ orphanTimeoutMillis: 50 });
    const spans = chain('chain'); // 'request' never reaches the exporter
    await exportEach(exporter, [spans.search, spans.llm, spans.answer]);
    expectTreeUnderAnswer(await server.waitForRuns(3), 'parent_timeout');
    expect(exporter.stats()).toMatchObject({ runsOrphaned: 1 });
    await exporter.shutdown();
  });

  it('past the held-runs bound: the oldest chain leaves by its top', async () => {
    const exporter = exporterOf({ maxHeldRuns: 2 });
    const spans = chain('chain');
    const results = await exportEach(exporter, [spans.search, spans.llm, spans.answer]);
    expect(results.every((r) => r.code === ExportResultCode.SUCCESS)).toBe(true);
    expectTreeUnderAnswer(server.runs(), 'buffer_full');
    await exporter.shutdown();
  });

  it('its remote parent waited for (remoteParents: wait) and never coming', async () => {
    const exporter = exporterOf({ remoteParents: 'wait', orphanTimeoutMillis: 50 });
    const spans = chain(remoteParent());
    await exportEach(exporter, [spans.search, spans.llm, spans.answer]);
    expectTreeUnderAnswer(await server.waitForRuns(3), 'parent_timeout');
    await exporter.shutdown();
  });

  it('its remote parent made a root at once (remoteParents: root)', async () => {
    const exporter = exporterOf({ remoteParents: 'root' });
    const spans = chain(remoteParent());
    await exportEach(exporter, [spans.search, spans.llm, spans.answer]);
    expectTreeUnderAnswer(server.runs(), 'remote_parent');
    await exporter.shutdown();
  });

  it('its parent waited for until shutdown', async () => {
    const exporter = exporterOf({});
    const spans = chain('chain');
    await exportEach(exporter, [spans.search, spans.llm, spans.answer]);
    expect(server.runs()).toEqual([]);
    await exporter.shutdown();
    expectTreeUnderAnswer(server.runs(), 'shutdown');
  });

  it('its parent refused for good: it goes as a root, its own children under it', async () => {
    const diagLines = captureDiag();
    try {
      const exporter = exporterOf({});
      const spans = chain('chain');
      server.faults.inject({ status: 422, match: (r) => (r.body as { name?: string })?.name === 'request' });
      const results = await exportEach(exporter, [spans.search, spans.llm, spans.answer, spans.top!]);
      expect(results.at(-1)!.code).toBe(ExportResultCode.FAILED);
      expectTreeUnderAnswer(server.runs(), 'parent_failed');
      await exporter.shutdown();
    } finally {
      diagLines.restore();
    }
  });

  it('spooled: its held descendants follow it into the spool, and replay restores the tree', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const diagLines = captureDiag();
    try {
      const exporter = exporterOf({ endpoint: downUrl, failedRunsDir: dir, spanFilter: SpanFilters.withoutHttp, retry: { maxAttempts: 1 } });
      const spans = chain('http');
      const results = await exportEach(exporter, [spans.search, spans.llm, spans.answer, spans.top!]);
      // The call that dropped the HTTP span answers for the runs it let go: they are spooled.
      expect(results.at(-1)!.code).toBe(ExportResultCode.FAILED);
      await exporter.shutdown();
      expect(exporter.stats()).toMatchObject({ runsSpooled: 3, runsOrphaned: 0 });
    } finally {
      diagLines.restore();
    }
    const spooled = readdirSync(dir).flatMap((file) => readFileSync(join(dir, file), 'utf8').trim().split('\n'));
    expect(spooled.map((line) => (JSON.parse(line) as { run: { name: string } }).run.name).sort()).toEqual(['answer', 'chat m', 'search']);
    expect(await replaySpool(dir, { endpoint: server.url, apiKey: TEST_KEY, env: {} })).toMatchObject({ delivered: 3, remaining: 0 });
    expectTreeUnderAnswer(server.runs());
  });
});
