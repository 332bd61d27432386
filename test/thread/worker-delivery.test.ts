import { ExportResultCode } from '@opentelemetry/core';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect, promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, LangSmithExportError } from 'otel-langsmith';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { captureDiag, exportOnce, exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { childOf, recordingTracer } from '../helpers/tracing.js';

// deliveryThread: 'worker' runs dist/delivery-worker.js: `npm test` builds it before the suite.
let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
});
afterEach(() => server.reset());
afterAll(() => server.close());

const worker = { deliveryThread: 'worker' as const };

describe("deliveryThread: 'worker'", () => {
  it('delivers a child sent before its parent, parent first, with exact stats when the callback runs', async () => {
    const exporter = exporterFor(server, worker);
    const { tracer, spans } = recordingTracer();
    const root = tracer.startSpan('root');
    childOf(tracer, root, 'child').end();
    const first = exportOnce(exporter, spans()); // the child alone: held in the worker
    root.end();
    const second = await exportOnce(exporter, spans().slice(1));
    expect([(await first).code, second.code]).toEqual([ExportResultCode.SUCCESS, ExportResultCode.SUCCESS]);
    expect(server.runs().map((r) => r.name)).toEqual(['root', 'child']);
    expect(exporter.stats()).toMatchObject({ spansReceived: 2, runsDelivered: 2, heldRuns: 0, queuedRuns: 0, inFlightRequests: 0, runsFailed: 0 });
    await exporter.shutdown();
  });

  it('reports refused runs as a LangSmithExportError built on the application thread, and forwards diag', async () => {
    const diagLines = captureDiag();
    try {
      server.faults.inject({ status: 422, times: 1 });
      const exporter = exporterFor(server, worker);
      const { tracer, spans } = recordingTracer();
      tracer.startSpan('refused').end();
      const result = await exportOnce(exporter, spans());
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect(result.error).toBeInstanceOf(LangSmithExportError);
      expect((result.error as LangSmithExportError).counts).toEqual({ rejected: 1, failed: 0, spooled: 0 });
      expect(exporter.stats().runsRejected).toBe(1);
      expect(diagLines.text()).toMatch(/warn: .*422/);
      await exporter.shutdown();
    } finally {
      diagLines.restore();
    }
  });

  it('forceFlush waits for the worker, shutdown stops it, and export() fails fast afterwards', async () => {
    const exporter = exporterFor(server, worker);
    const { tracer, spans } = recordingTracer();
    for (let i = 0; i < 300; i++) tracer.startSpan(`op ${i}`).end();
    exporter.export(spans(), () => undefined);
    await exporter.forceFlush();
    expect(server.runs()).toHaveLength(300);
    await exporter.shutdown();
    const after = await exportOnce(exporter, spans().slice(0, 1));
    expect(after.code).toBe(ExportResultCode.FAILED);
    expect(exporter.stats().runsDelivered).toBe(300);
  });

  it('spools in the worker what cannot be delivered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-langsmith-worker-spool-'));
    try {
      server.faults.inject({ status: 503, times: 100 });
      const exporter = exporterFor(server, { ...worker, failedRunsDir: dir, retry: { maxAttempts: 2, maxElapsedMillis: 200 } });
      const { tracer, spans } = recordingTracer();
      tracer.startSpan('kept for later').end();
      const result = await exportOnce(exporter, spans());
      expect((result.error as LangSmithExportError).counts.spooled).toBe(1);
      expect(exporter.stats().runsSpooled).toBe(1);
      await exporter.shutdown(); // the spool's last file is complete once shutdown resolves
      const files = readdirSync(dir).filter((f) => f.endsWith('.ndjson'));
      expect(files).toHaveLength(1);
      expect(readFileSync(join(dir, files[0]!), 'utf8')).toContain('kept for later');
    } finally {
      server.faults.clear();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('delivers while the application thread is busy (the server in another process)', async () => {
    const cli = spawn(process.execPath, ['dist/cli.js', 'dev', '--port', '0', '--quiet-ms', '100000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const url = await urlOf(cli);
      const exporter = exporterFor({ url } as LocalServer, worker);
      await exporter.forceFlush(); // the worker is up
      const { tracer, spans } = recordingTracer();
      for (let i = 0; i < 20; i++) tracer.startSpan(`while busy ${i}`).end();
      exporter.export(spans(), () => undefined); // maps at once (one slice)
      await Promise.resolve(); // as after any export() call: its microtask posts the runs to the worker
      const until = Date.now() + 1500;
      while (Date.now() < until); // the application's loop is blocked; only the worker can send
      const stored = (await (await fetch(`${url}/_local/runs`)).json()) as unknown[];
      expect(stored).toHaveLength(20);
      await exporter.shutdown();
    } finally {
      cli.kill();
    }
  });

  it('fails what it waited for, logs once and fails later calls fast when the worker dies', async () => {
    const diagLines = captureDiag();
    try {
      server.faults.inject({ hang: true }); // the request never ends: the call is still waiting
      const exporter = exporterFor(server, worker);
      const { tracer, spans } = recordingTracer();
      tracer.startSpan('in flight').end();
      const pending = exportOnce(exporter, spans());
      await until(() => server.requests().length === 1);
      // A crash of the worker (out of memory, a native fault), simulated by stopping it.
      await (exporter as unknown as { delivery: { worker: { terminate(): Promise<number> } } }).delivery.worker.terminate();
      const result = await pending;
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect(String(result.error?.message)).toMatch(/delivery worker exited/);
      expect(diagLines.text()).toMatch(/error: otel-langsmith: the delivery worker stopped; the 1 runs in it are lost/);
      expect(exporter.stats()).toMatchObject({ runsFailed: 1, inFlightRequests: 0 });
      const later = await exportOnce(exporter, spans());
      expect(later.code).toBe(ExportResultCode.FAILED);
      expect(exporter.stats().runsFailed).toBe(2); // the one in flight, then the one refused at once
      await exporter.shutdown(); // resolves: nothing left to wait for
    } finally {
      server.faults.clear();
      diagLines.restore();
    }
  });

  it('keeps the API key out of util.inspect of the exporter', async () => {
    const exporter = exporterFor(server, worker);
    expect(inspect(exporter, { depth: 20, showHidden: true })).not.toContain(TEST_KEY);
    await exporter.shutdown();
  });

  it('refuses an unusable failedRunsDir at construction, as delivery on the application thread does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-langsmith-worker-badspool-'));
    try {
      const file = join(dir, 'a-file');
      writeFileSync(file, 'not a directory');
      expect(() => exporterFor(server, { failedRunsDir: file })).toThrow(/EEXIST|ENOTDIR/);
      const diagLines = captureDiag();
      try {
        expect(() => exporterFor(server, { ...worker, failedRunsDir: file })).toThrow(/EEXIST|ENOTDIR/);
        expect(diagLines.text()).not.toMatch(/no delivery worker/); // not mistaken for a missing worker
      } finally {
        diagLines.restore();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is a checked option', () => {
    expect(() => exporterFor(server, { deliveryThread: 'gpu' as 'worker' })).toThrow(ConfigError);
  });

  it("never keeps an idle process alive, and does not run the process's preloads (--import) in the worker", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-langsmith-worker-exit-'));
    try {
      const preload = join(dir, 'preload.mjs');
      writeFileSync(preload, `import { isMainThread } from 'node:worker_threads';\nif (!isMainThread) console.log('preload ran in a worker');\n`);
      const app = join(dir, 'app.mjs');
      writeFileSync(
        app,
        `import { LangSmithSpanExporter } from ${JSON.stringify(join(process.cwd(), 'dist/index.js'))};\n` +
          `const exporter = new LangSmithSpanExporter({ endpoint: ${JSON.stringify(server.url)}, apiKey: 'k', env: {}, deliveryThread: 'worker' });\n` +
          `await exporter.forceFlush();\nconsole.log('idle');\n`,
      );
      // No shutdown(): the process must end on its own once nothing waits for the worker.
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', preload, app], { timeout: 15_000 });
      expect(stdout.trim()).toBe('idle');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('works for CommonJS consumers too (the worker located from the .cjs build)', async () => {
    const script = `
      const { LangSmithSpanExporter } = require('./dist/index.cjs');
      const { startLocalServer } = require('./dist/testing.cjs');
      const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
      (async () => {
        const server = await startLocalServer({ apiKey: 'k' });
        const exporter = new LangSmithSpanExporter({ endpoint: server.url, apiKey: 'k', env: {}, deliveryThread: 'worker' });
        const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
        provider.getTracer('cjs').startSpan('from cjs').end();
        await provider.forceFlush();
        await provider.shutdown();
        console.log(JSON.stringify(server.runs().map((r) => r.name)));
        await server.close();
      })();`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: process.cwd() });
    expect(JSON.parse(stdout)).toEqual(['from cjs']);
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

function urlOf(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /local server on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`otel-langsmith dev exited with ${code}: ${out}`)));
  });
}
