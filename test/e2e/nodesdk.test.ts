import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { exporterFor, TEST_KEY } from '../helpers/exporter.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
});
afterAll(() => server.close());

it('works in a NodeSDK spanProcessors list next to another processor', async () => {
  const other = new InMemorySpanExporter();
  const otherProcessor = new SimpleSpanProcessor(other);
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': 'nodesdk-app' }),
    spanProcessors: [new BatchSpanProcessor(exporterFor(server)), otherProcessor],
    instrumentations: [],
  });
  sdk.start();
  const tracer = trace.getTracer('app');
  await tracer.startActiveSpan('outer', async (outer) => {
    await tracer.startActiveSpan('inner', async (inner) => {
      inner.end();
    });
    outer.end();
  });
  await otherProcessor.forceFlush(); // NodeSDK's resource detection makes exports wait a tick
  expect(other.getFinishedSpans().map((s) => s.name)).toEqual(['inner', 'outer']);
  await sdk.shutdown(); // flushes BatchSpanProcessor, then shuts the exporter down

  const runs = server.runs();
  expect(runs.map((r) => r.name)).toEqual(['outer', 'inner']);
  expect(runs[1]!.parent_run_id).toBe(runs[0]!.id);
  expect(runs[0]!.extra?.runtime?.['service.name']).toBe('nodesdk-app');
});
