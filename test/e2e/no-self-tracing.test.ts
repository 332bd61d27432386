import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { tracerWith } from '../helpers/tracing.js';

// This file installs global OTel state (context manager, tracer provider, instrumentation), as an
// application would; vitest runs each test file in its own process.
let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
});
afterAll(() => server.close());

it('never traces its own requests when undici is auto-instrumented', async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const seen = new InMemorySpanExporter();
  const exporter = exporterFor(server);
  const { provider, tracer } = tracerWith([new SimpleSpanProcessor(seen), new BatchSpanProcessor(exporter, { scheduledDelayMillis: 10 })]);
  trace.setGlobalTracerProvider(provider);
  const unregister = registerInstrumentations({ instrumentations: [new UndiciInstrumentation()], tracerProvider: provider });

  await tracer.startActiveSpan('app work', async (span) => {
    // The application's own undici call is traced: proof the instrumentation is live.
    const response = await request(`${server.url}/health`);
    await response.body.dump();
    span.end();
  });
  await provider.forceFlush();
  // A retry happens from a timer, outside the export() call's context: it must be suppressed too.
  server.faults.inject({ status: 503, times: 1 });
  tracer.startSpan('second').end();
  await provider.forceFlush();

  // Called straight from application code (no processor suppressing it): a held run released at
  // shutdown is sent from inside the application's active span.
  const orphanSource = tracer.startSpan('parent never exported');
  const child = tracer.startSpan('held child', {}, trace.setSpan(context.active(), orphanSource));
  child.end();
  const direct = exporterFor(server);
  await tracer.startActiveSpan('app shutting down', async (span) => {
    await new Promise((resolve) => direct.export([seen.getFinishedSpans().find((s) => s.name === 'held child')!], resolve));
    await direct.shutdown();
    span.end();
  });
  await provider.forceFlush();

  const names = seen.getFinishedSpans().map((s) => s.name);
  expect(names.filter((n) => n === 'GET')).toHaveLength(1);
  expect(names).not.toContain('POST');
  expect(server.runs().map((r) => r.name).sort()).toEqual(['GET 127.0.0.1/health', 'app shutting down', 'app work', 'held child', 'second']);
  expect(server.requests().filter((r) => r.path === '/runs').map((r) => r.status)).toContain(503);
  unregister();
  await provider.shutdown();
});
