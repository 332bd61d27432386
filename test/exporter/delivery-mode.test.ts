import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { exportOnce, exportersShutAfterEach } from '../helpers/exporter.js';
import { metadataOf } from '../helpers/runs.js';
import { endedSpan } from '../helpers/tracing.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(() => server.close());
const exporterOf = exportersShutAfterEach(() => server);
const cores = availableParallelism();

describe('deliveryThread (which thread maps and delivers)', () => {
  it.skipIf(cores < 2)("by default ('auto') maps and delivers in a worker when a core is to spare", async () => {
    const exporter = exporterOf();
    expect(exporter.deliveryMode()).toEqual({ thread: 'worker', mapping: 'worker', reason: `'auto': ${cores} cores available` });
    const span = endedSpan('chat', { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' });
    expect((await exportOnce(exporter, [span])).code).toBe(ExportResultCode.SUCCESS);
    // A result means delivered: the run is stored, and the counts are current.
    expect(server.runs().map((run) => run.name)).toEqual(['chat']);
    expect(exporter.stats()).toMatchObject({ spansReceived: 1, runsDelivered: 1 });
  });
  if (cores < 2) console.log(`skipped the default-mode test: this machine has ${cores} core, 'auto' stays on the application thread`);

  // Where spans are mapped shows in when they are counted: mapping counts each span it receives,
  // synchronously inside export() on the application thread, or once the worker took the message.
  it.each([
    { where: 'the worker', options: { deliveryThread: 'worker' as const }, countedInExport: 0 },
    { where: 'the application thread, with a function hook', options: { deliveryThread: 'worker' as const, transformRun: () => undefined }, countedInExport: 1 },
    { where: "the application thread, with 'main'", options: { deliveryThread: 'main' as const }, countedInExport: 1 },
  ])('maps spans in $where', async ({ options, countedInExport }) => {
    const exporter = exporterOf(options);
    const done = new Promise((resolve) => exporter.export([endedSpan('s', {})], resolve));
    expect(exporter.stats().spansReceived).toBe(countedInExport);
    await done;
    expect(exporter.stats()).toMatchObject({ spansReceived: 1, runsDelivered: 1 });
  });

  it("stays on the application thread in a serverless runtime, and says why", () => {
    const exporter = exporterOf({ env: { AWS_LAMBDA_FUNCTION_NAME: 'handler' } });
    expect(exporter.deliveryMode()).toMatchObject({ thread: 'main', mapping: 'application', reason: expect.stringContaining('AWS_LAMBDA_FUNCTION_NAME') });
  });

  it('keeps mapping and the hooks on the application thread when a hook is a function, delivering in the worker', async () => {
    const seen: string[] = [];
    const exporter = exporterOf({
      deliveryThread: 'worker',
      transformRun: (run, span) => {
        seen.push(span.name);
        return { ...run, tags: ['transformed'] };
      },
      hideOutputs: (outputs) => ({ ...outputs, redacted: true }),
    });
    expect(exporter.deliveryMode()).toMatchObject({ thread: 'worker', mapping: 'application' });
    expect((await exportOnce(exporter, [endedSpan('step', { 'output.value': 'secret' })])).code).toBe(ExportResultCode.SUCCESS);
    expect(seen).toEqual(['step']);
    expect(server.runs()[0]).toMatchObject({ tags: ['transformed'], outputs: { redacted: true } });
  });

  it('applies the privacy flags in the worker when it maps', async () => {
    const exporter = exporterOf({ deliveryThread: 'worker', hideInputs: true });
    expect(exporter.deliveryMode().mapping).toBe('worker');
    await exportOnce(exporter, [endedSpan('llm', { 'input.value': 'the prompt', 'gen_ai.request.model': 'gpt-4o' })]);
    const run = server.runs()[0]!;
    expect(JSON.stringify(run.inputs)).not.toContain('the prompt');
    expect(JSON.stringify(metadataOf(run))).not.toContain('the prompt');
  });

  it('maps on the application thread a span the worker cannot receive (a value structured clone refuses), and delivers it', async () => {
    const exporter = exporterOf({ deliveryThread: 'worker' });
    const plain = endedSpan('plain', { ok: 1 });
    // Not something the SDK lets through, but a hand-made or foreign ReadableSpan may hold anything.
    const odd = endedSpan('odd', { ok: 2 });
    const withFunction = Object.assign(Object.create(Object.getPrototypeOf(odd) as object) as ReadableSpan, odd, {
      attributes: { ...odd.attributes, callback: (() => 1) as unknown as string },
    });
    const result = await exportOnce(exporter, [plain, withFunction]);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(server.runs().map((run) => run.name).sort()).toEqual(['odd', 'plain']);
    expect(exporter.stats()).toMatchObject({ spansReceived: 2, runsDelivered: 2, spansUnmappable: 0 });
  });
});
