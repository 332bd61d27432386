// Conventions users bring from LangSmith (issue 26): its tracing switch turns an exporter built in
// code off too, and an endpoint with the self-hosted /api/v1 prefix against a server without it
// gets an export error that says what to change, as `otel-langsmith doctor` does.
import { ExportResultCode } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { LangSmithExportError } from '../../src/pipeline/export-call.js';
import { captureDiag, exportersShutAfterEach, exportOnce } from '../helpers/exporter.js';
import { recordingTracer } from '../helpers/tracing.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: 'lsv2_test_0123456789abcdef' });
});
afterAll(() => server.close());
const exporterOf = exportersShutAfterEach(() => server);

function oneSpan() {
  const { tracer, spans } = recordingTracer();
  tracer.startSpan('op').end();
  return spans();
}

describe("LangSmith's tracing switch", () => {
  for (const env of [{ LANGSMITH_TRACING: 'false' }, { LANGCHAIN_TRACING_V2: 'false' }, { LANGSMITH_TRACING: '0' }]) {
    it(`${Object.entries(env)[0]!.join('=')}: nothing is sent, every export succeeds at once, no worker`, async () => {
      const exporter = exporterOf({ env, deliveryThread: 'worker' });
      expect(exporter.deliveryMode().thread).toBe('main');
      const result = await exportOnce(exporter, oneSpan());
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      await exporter.forceFlush();
      await exporter.shutdown();
      expect(server.runs()).toEqual([]);
      expect(exporter.stats().spansReceived).toBe(0);
    });
  }

  it('tracingEnabled: false in code does the same; true wins over the env; unset or "true" sends', async () => {
    const off = exporterOf({ tracingEnabled: false });
    expect((await exportOnce(off, oneSpan())).code).toBe(ExportResultCode.SUCCESS);
    await off.shutdown();
    expect(server.runs()).toEqual([]);

    for (const options of [{ tracingEnabled: true, env: { LANGSMITH_TRACING: 'false' } }, { env: {} }, { env: { LANGSMITH_TRACING: 'true' } }]) {
      const on = exporterOf(options);
      expect((await exportOnce(on, oneSpan())).code, JSON.stringify(options)).toBe(ExportResultCode.SUCCESS);
      await on.shutdown();
    }
    expect(server.runs()).toHaveLength(3);
  });
});

describe('an endpoint with a path the server does not have', () => {
  it('ending in /api/v1 against a server without the prefix: the export error and one diag error say which URL to set', async () => {
    const diagLines = captureDiag();
    try {
      const exporter = exporterOf({ endpoint: `${server.url}/api/v1` });
      const results = [await exportOnce(exporter, oneSpan()), await exportOnce(exporter, oneSpan())];
      for (const result of results) {
        expect(result.code).toBe(ExportResultCode.FAILED);
        expect(result.error).toBeInstanceOf(LangSmithExportError);
        expect(result.error!.message).toContain(`${server.url}/api/v1/runs answered HTTP 404`);
        expect(result.error!.message).toContain(`set the endpoint to ${server.url} (it ends in /api/v1`);
      }
      const errors = diagLines.lines.filter((line) => line.text.includes('answered HTTP 404'));
      expect(errors).toHaveLength(1);
      expect(errors[0]!.level).toBe('error');
      expect(errors[0]!.text).toContain('npx otel-langsmith doctor');
    } finally {
      diagLines.restore();
    }
  });

  it('without the prefix against a server that has it: says to add /api/v1', async () => {
    const exporter = exporterOf({ endpoint: `${server.url}/langsmith` });
    const result = await exportOnce(exporter, oneSpan());
    expect(result.error!.message).toContain(`set the endpoint to ${server.url}/langsmith/api/v1 (self-hosted LangSmith serves its API under /api/v1`);
  });
});
