import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, trace, type Span, type Tracer } from '@opentelemetry/api';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LangSmithSpanExporter } from 'otel-langsmith';
import { TEST_KEY } from '../helpers/exporter.js';
import { tracerWith } from '../helpers/tracing.js';

/**
 * Issue 26: with LangSmith unreachable, `provider.shutdown()` took one retry budget per level of
 * the tree (children released by a failed parent started a budget of their own), and against a
 * server that never answers a request timeout per queued run. Now a tree, or a backlog, ends within
 * one retry budget plus at most one request timeout, whatever its depth or width, and every run is
 * counted and spooled. Times here are bounds with a generous margin, never speeds: before the fix
 * the deepest and widest shapes took several times the bound.
 */
const BUDGET = 1000;
const REQUEST_TIMEOUT = 500;
/** Slack for a loaded machine; the shapes below took 6 to 15 s before the fix. */
const MARGIN = 2500;

type Shape = { depth: number; width: number };
const SHAPES: Shape[] = [
  { depth: 1, width: 1 },
  { depth: 3, width: 1 },
  { depth: 8, width: 1 },
  { depth: 2, width: 10 },
  { depth: 1, width: 40 },
];

/** `width` trees of `depth` levels, each span ended inside its parent (children end first). */
function emit(tracer: Tracer, shape: Shape): void {
  const level = (depth: number, parent: Span | undefined) => {
    const span = tracer.startSpan(`level ${depth}`, {}, parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT);
    if (depth > 1) level(depth - 1, span);
    span.end();
  };
  for (let i = 0; i < shape.width; i++) level(shape.depth, undefined);
}

async function shutDownAgainst(endpoint: string, shape: Shape, spool: boolean, flush: 'shutdown' | 'forceFlush' = 'shutdown') {
  const failedRunsDir = mkdtempSync(join(tmpdir(), 'otel-langsmith-unreachable-'));
  const exporter = new LangSmithSpanExporter({
    endpoint,
    apiKey: TEST_KEY,
    env: {},
    deliveryThread: 'main',
    ...(spool ? { failedRunsDir } : {}),
    maxConcurrentRequests: 2,
    requestTimeoutMillis: REQUEST_TIMEOUT,
    retry: { maxElapsedMillis: BUDGET, initialBackoffMillis: 50, maxBackoffMillis: 200 },
    // Far above the budget: only the retry budget may bound the flush here.
    exportTimeoutMillis: 60_000,
    shutdownTimeoutMillis: 60_000,
  });
  const { provider, tracer } = tracerWith([new BatchSpanProcessor(exporter, { maxExportBatchSize: 1000 })]);
  emit(tracer, shape);
  const started = performance.now();
  const result = await (flush === 'shutdown' ? provider.shutdown() : provider.forceFlush()).then(
    () => 'resolved',
    (error: Error) => error.message,
  );
  // BatchSpanProcessor never calls exporter.shutdown() when its last export failed (it chains
  // it on success only), so the program does, as the README's does; it has nothing left to wait for.
  await exporter.shutdown();
  const millis = performance.now() - started;
  const stats = exporter.stats();
  const spooled = readdirSync(failedRunsDir)
    .filter((name) => name.endsWith('.ndjson'))
    .flatMap((name) => readFileSync(join(failedRunsDir, name), 'utf8').trim().split('\n'));
  return { millis, result, stats, spooled: spooled.length, runs: shape.depth * shape.width };
}

/**
 * Every shape against one endpoint, side by side (each exporter has its own outage), without a
 * spool (every run attempted in turn: each fails, counted) and with one (children follow their
 * failed parent into the spool).
 */
async function expectBounded(endpoint: string) {
  const cases = SHAPES.flatMap((shape) => [false, true].map((spool) => ({ shape, spool })));
  const outcomes = await Promise.all(cases.map(({ shape, spool }) => shutDownAgainst(endpoint, shape, spool)));
  for (const [i, outcome] of outcomes.entries()) {
    const { shape, spool } = cases[i]!;
    const label = `depth ${shape.depth} × width ${shape.width}${spool ? ', spooled' : ''}`;
    expect(outcome.millis, label).toBeLessThan(BUDGET + REQUEST_TIMEOUT + MARGIN);
    expect(outcome.stats.runsDelivered, label).toBe(0);
    if (spool) {
      expect(outcome.stats.runsSpooled, label).toBe(outcome.runs);
      expect(outcome.spooled, label).toBe(outcome.runs);
    } else {
      expect(outcome.stats.runsFailed, label).toBe(outcome.runs);
    }
  }
}

describe('shutdown with LangSmith unreachable is bounded by one retry budget, whatever the tree', () => {
  let closedPort: string;
  let silent: Server;
  const sockets = new Set<Socket>();
  let silentUrl: string;
  let unavailable: ReturnType<typeof createHttpServer>;
  let unavailableUrl: string;

  beforeAll(async () => {
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    silent = createNetServer((socket) => {
      sockets.add(socket); // accepted, read, never answered
      socket.on('close', () => sockets.delete(socket));
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;

    unavailable = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable'));
    });
    await new Promise<void>((resolve) => unavailable.listen(0, '127.0.0.1', resolve));
    unavailableUrl = `http://127.0.0.1:${(unavailable.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    unavailable.closeAllConnections();
    await new Promise<void>((resolve) => unavailable.close(() => resolve()));
  });

  it('against a closed port', async () => {
    await expectBounded(closedPort);
  });

  it('against a server that accepts connections and never answers', async () => {
    await expectBounded(silentUrl);
  });

  it('against a server that answers 503 forever', async () => {
    await expectBounded(unavailableUrl);
  });

  it('forceFlush too: a deep tree ends within one budget, its runs counted', async () => {
    const outcome = await shutDownAgainst(closedPort, { depth: 8, width: 1 }, false, 'forceFlush');
    expect(outcome.millis).toBeLessThan(BUDGET + REQUEST_TIMEOUT + MARGIN);
    expect(outcome.stats.runsFailed).toBe(8);
  });
});
