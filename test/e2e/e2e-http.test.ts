import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { tracerWith } from '../helpers/tracing.js';

// Real HTTP auto-instrumentation: node:http server spans and undici client spans, as an app has them.
let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
});
afterAll(() => server.close());

it('turns auto-instrumented HTTP server and client spans into readable, redacted runs', async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = exporterFor(server);
  const { provider } = tracerWith([new BatchSpanProcessor(exporter, { scheduledDelayMillis: 10 })]);
  trace.setGlobalTracerProvider(provider);
  // The strict local server runs in this process: its own incoming requests must not be traced,
  // or every run it stores would produce another span to export (README, "local server").
  const isLocalServer = (req: { headers: Record<string, unknown> }) => req.headers['x-api-key'] !== undefined;
  registerInstrumentations({
    instrumentations: [new HttpInstrumentation({ ignoreIncomingRequestHook: isLocalServer }), new UndiciInstrumentation()],
    tracerProvider: provider,
  });
  // Instrumentations patch modules as they are required: load node:http and undici after registering.
  const require = createRequire(import.meta.url);
  const http = require('node:http') as typeof import('node:http');
  const undici = require('undici') as typeof import('undici');

  const upstream = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upstreamPort = (upstream.address() as AddressInfo).port;
  const app = http.createServer((_req, res) => {
    void undici
      .request(`http://127.0.0.1:${upstreamPort}/files/report.pdf?X-Amz-Signature=deadbeef&part=1`)
      .then((r) => r.body.text())
      .then((body) => res.end(body));
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const appPort = (app.address() as AddressInfo).port;

  await new Promise<void>((resolve, reject) => {
    http.get(`http://127.0.0.1:${appPort}/reports/7?token=secret-token`, (res) => res.resume().on('end', resolve)).on('error', reject);
  });
  await provider.forceFlush();
  await new Promise((r) => setTimeout(r, 50));
  await provider.forceFlush();

  const runs = server.runs();
  const names = runs.map((r) => r.name).sort();
  expect(names).toEqual([
    'GET /files/report.pdf', // upstream server span
    'GET /reports/7', // app server span
    'GET 127.0.0.1/files/report.pdf', // undici client span
    'GET 127.0.0.1/reports/7', // node:http client span
  ]);
  const appServer = runs.find((r) => r.name === 'GET /reports/7')!;
  expect(appServer.inputs).toMatchObject({ method: 'GET', url: expect.stringContaining('token=REDACTED') });
  expect(appServer.outputs).toEqual({ status_code: 200 });
  const undiciClient = runs.find((r) => r.name === 'GET 127.0.0.1/files/report.pdf')!;
  expect(undiciClient.parent_run_id).toBe(appServer.id);
  expect(undiciClient.inputs.url).toBe(`http://127.0.0.1:${upstreamPort}/files/report.pdf?X-Amz-Signature=REDACTED&part=1`);
  const all = JSON.stringify(runs);
  expect(all).not.toContain('deadbeef');
  expect(all).not.toContain('secret-token');
  // The exporter's own POSTs to the local server are never traced.
  expect(runs.some((r) => String(r.inputs.url ?? '').includes('/runs'))).toBe(false);

  upstream.close();
  app.close();
  await provider.shutdown();
});
