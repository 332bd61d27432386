import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { replaySpool } from '../../src/replay/replay-spool.js';
import { captureDiag, exportOnce, exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { childOf, recordingTracer } from '../helpers/tracing.js';

let server: LocalServer;
let downUrl: string;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
  const down = await startLocalServer({ apiKey: TEST_KEY });
  downUrl = down.url;
  await down.close();
});
afterAll(() => server.close());

function nested() {
  const { tracer, spans } = recordingTracer();
  const root = tracer.startSpan('root');
  const child = childOf(tracer, root, 'child');
  childOf(tracer, child, 'grandchild').end();
  child.end();
  root.end();
  return spans(); // grandchild, child, root
}

const spoolLines = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.ndjson'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'))
    .map((l) => JSON.parse(l) as { reason: string; failed_at: string; run: { id: string; name: string; parent_run_id?: string } });

describe('failed-runs spool and replay', () => {
  it('spools a trace the server never took, keeping the tree, and replays it parent first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server, { endpoint: downUrl, failedRunsDir: dir, retry: { maxAttempts: 2 } });
      const result = await exportOnce(exporter, nested());
      expect(result.code).toBe(ExportResultCode.FAILED);
      await exporter.shutdown();
      expect(exporter.stats()).toMatchObject({ runsSpooled: 3, runsOrphaned: 0, runsDropped: 0 });
      const lines = spoolLines(dir);
      expect(lines.map((l) => l.run.name).sort()).toEqual(['child', 'grandchild', 'root']);
      // Children were not sent as orphans: they wait in the spool with their parent.
      expect(lines.find((l) => l.run.name === 'child')!.run.parent_run_id).toBe(lines.find((l) => l.run.name === 'root')!.run.id);
      expect(lines.find((l) => l.run.name === 'root')!.reason).toMatch(/ECONNREFUSED/);
      expect(readdirSync(dir).join()).not.toContain('.tmp');
      expect(readFileSync(join(dir, readdirSync(dir)[0]!), 'utf8')).not.toContain(TEST_KEY);
    } finally {
      diagLines.restore();
    }

    server.reset();
    const replayed = await replaySpool(dir, { endpoint: server.url, apiKey: TEST_KEY, env: {} });
    expect(replayed).toEqual({ delivered: 3, remaining: 0, unreadableLines: 0, files: 1 });
    expect(server.runs().map((r) => r.name)).toEqual(['root', 'child', 'grandchild']);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps what is refused again, and its children, and leaves unreadable lines and unfinished writes alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server, { endpoint: downUrl, failedRunsDir: dir, retry: { maxAttempts: 1 } });
      const { tracer, spans } = recordingTracer();
      tracer.startSpan('lonely').end();
      await exportOnce(exporter, [...nested(), ...spans()]);
      await exporter.shutdown();
    } finally {
      diagLines.restore();
    }
    const segment = readdirSync(dir)[0]!;
    writeFileSync(join(dir, segment), `${readFileSync(join(dir, segment), 'utf8')}not json at all\n`);
    writeFileSync(join(dir, '.runs-crashed.ndjson.tmp'), '{"run": {"id": "half');

    server.reset();
    server.faults.inject({ status: 503, times: Infinity, match: (r) => (r.body as { name?: string })?.name === 'child' });
    const replayed = await replaySpool(dir, { endpoint: server.url, apiKey: TEST_KEY, env: {}, retry: { maxAttempts: 1 } });
    expect(replayed).toMatchObject({ delivered: 2, remaining: 2, unreadableLines: 1 });
    expect(server.runs().map((r) => r.name).sort()).toEqual(['lonely', 'root']);
    const left = readFileSync(join(dir, segment), 'utf8').trim().split('\n');
    expect(left).toHaveLength(3);
    expect(left.at(-1)).toBe('not json at all');
    expect(left.slice(0, 2).map((l) => (JSON.parse(l) as { run: { name: string } }).run.name).sort()).toEqual(['child', 'grandchild']);
    expect(readdirSync(dir)).toContain('.runs-crashed.ndjson.tmp');
  });

  it('bounds the spool: past its size, failed runs are counted as dropped and logged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server, { endpoint: downUrl, failedRunsDir: dir, maxFailedRunsBytes: 1500, retry: { maxAttempts: 1 } });
      const { tracer, spans } = recordingTracer();
      for (let i = 0; i < 5; i++) tracer.startSpan(`op ${i}`).end();
      await exportOnce(exporter, spans());
      await exporter.shutdown();
      const stats = exporter.stats();
      expect(stats.runsSpooled).toBeGreaterThan(0);
      expect(stats.runsSpooled + stats.runsDropped).toBe(5);
      expect(stats.runsDropped).toBeGreaterThan(0);
      expect(diagLines.text()).toMatch(/spool is full/);
      expect(readdirSync(dir).reduce((sum, f) => sum + readFileSync(join(dir, f)).length, 0)).toBeLessThanOrEqual(1500);
    } finally {
      diagLines.restore();
    }
  });

  it('does not spool validation failures, which a replay could never fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const diagLines = captureDiag();
    try {
      server.reset();
      const exporter = exporterFor(server, { failedRunsDir: dir });
      server.faults.inject({ status: 422 });
      const { tracer, spans } = recordingTracer();
      tracer.startSpan('invalid').end();
      await exportOnce(exporter, spans());
      await exporter.shutdown();
      expect(exporter.stats()).toMatchObject({ runsRejected: 1, runsSpooled: 0 });
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      diagLines.restore();
    }
  });
});

describe('otel-langsmith replay', () => {
  it('replays a spool directory from the command line, reading the key from the environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server, { endpoint: downUrl, failedRunsDir: dir, retry: { maxAttempts: 1 } });
      await exportOnce(exporter, nested());
      await exporter.shutdown();
    } finally {
      diagLines.restore();
    }
    server.reset();
    const { replayCommand } = await import('../../src/cli/replay.js');
    const previous = process.env.LANGSMITH_API_KEY;
    process.env.LANGSMITH_API_KEY = TEST_KEY;
    try {
      expect(await replayCommand([dir, '--endpoint', server.url])).toBe(0);
      expect(await replayCommand([])).toBe(2);
    } finally {
      if (previous === undefined) delete process.env.LANGSMITH_API_KEY;
      else process.env.LANGSMITH_API_KEY = previous;
    }
    expect(server.runs().map((r) => r.name)).toEqual(['root', 'child', 'grandchild']);
  });
});
