import { afterEach } from 'vitest';
import { DiagLogLevel, diag, type DiagLogger } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { LangSmithSpanExporter, type LangSmithExporterOptions } from 'otel-langsmith';
import type { LocalServer } from 'otel-langsmith/testing';

export const TEST_KEY = 'lsv2_test_0123456789abcdef';

/** An exporter aimed at a local server, with fast retries so fault tests stay short. */
export function exporterFor(server: LocalServer, options: LangSmithExporterOptions = {}): LangSmithSpanExporter {
  return new LangSmithSpanExporter({
    endpoint: server.url,
    apiKey: TEST_KEY,
    projectName: 'tests',
    env: {},
    ...options,
    retry: { initialBackoffMillis: 10, maxBackoffMillis: 50, ...options.retry },
  });
}

/**
 * `exporterFor` whose exporters are shut down after each test, passed or not, and the server reset,
 * so no run of one test arrives during the next. Call at the top of a test file.
 */
export function exportersShutAfterEach(server: () => LocalServer): (options?: LangSmithExporterOptions) => LangSmithSpanExporter {
  const exporters: LangSmithSpanExporter[] = [];
  afterEach(async () => {
    await Promise.all(exporters.splice(0).map((exporter) => exporter.shutdown()));
    server().reset();
  });
  return (options) => {
    const exporter = exporterFor(server(), options);
    exporters.push(exporter);
    return exporter;
  };
}

/** One `export()` call as a promise, for any SpanExporter (ours, the bridge's, the official OTLP ones). */
export function exportOnce(exporter: { export(spans: ReadableSpan[], done: (result: ExportResult) => void): void }, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

/** Captures every diag line (all levels) until `restore()`; the global diag logger is the only one OTel has. */
export function captureDiag() {
  const lines: Array<{ level: string; text: string }> = [];
  const record = (level: string) => (message: string, ...args: unknown[]) =>
    lines.push({ level, text: [message, ...args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a)))].join(' ') });
  const logger: DiagLogger = { error: record('error'), warn: record('warn'), info: record('info'), debug: record('debug'), verbose: record('verbose') };
  diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  return {
    lines,
    text: () => lines.map((l) => `${l.level}: ${l.text}`).join('\n'),
    restore: () => diag.disable(),
  };
}
