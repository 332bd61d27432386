// The most common setup mistake: a BasicTracerProvider with no context manager makes every nested
// span a trace of its own, silently. The exporter counts such spans and says once what is missing.
// Each test file runs in a process of its own, so the global context manager starts out unset.
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { startBridge } from 'otel-langsmith/bridge';
import { captureDiag, exportOnce, exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { recordingTracer } from '../helpers/tracing.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
});
afterAll(() => server.close());

it('without a context manager, spans nested by explicit contexts are one trace: no warning, nothing counted', async () => {
  const diagLines = captureDiag();
  try {
    const exporter = exporterFor(server);
    const { tracer, spans } = recordingTracer();
    const root = tracer.startSpan('root', {}, ROOT_CONTEXT);
    const child = tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root));
    tracer.startSpan('grandchild', {}, trace.setSpan(ROOT_CONTEXT, child)).end();
    child.end();
    root.end();
    // Unrelated roots one after the other: nothing nested, nothing lost.
    tracer.startSpan('next request', {}, ROOT_CONTEXT).end();
    tracer.startSpan('and another', {}, ROOT_CONTEXT).end();
    await exportOnce(exporter, spans());
    expect(exporter.stats().spansWithoutContextManager).toBe(0);
    expect(diagLines.text()).not.toMatch(/context manager/);
    await exporter.shutdown();
  } finally {
    diagLines.restore();
  }
});

it('the warning points to the troubleshooting entry that describes it', async () => {
  const { readFileSync } = await import('node:fs');
  const { NO_CONTEXT_MANAGER_MESSAGE } = await import('../../src/exporter/context-check.js');
  const entry = /See docs\/troubleshooting\.md, "([^"]+)"/.exec(NO_CONTEXT_MANAGER_MESSAGE)?.[1];
  expect(entry).toBeDefined();
  const troubleshooting = readFileSync(new URL('../../docs/troubleshooting.md', import.meta.url), 'utf8');
  const paragraph = troubleshooting.split('\n- ').find((item) => item.startsWith(`**${entry}`));
  expect(paragraph, entry).toBeDefined();
  expect(paragraph).toContain('no OpenTelemetry context manager is registered');
  expect(paragraph).toContain('spansWithoutContextManager');
  expect(paragraph).toMatch(/explicit/);
});

it('without a context manager: nested startActiveSpan calls are separate traces, counted and said once with the fix; with one, silence', async () => {
  const diagLines = captureDiag();
  try {
    const exporter = exporterFor(server);
    const { tracer, spans } = recordingTracer();
    tracer.startActiveSpan('outer', (outer) => {
      tracer.startActiveSpan('inner', (inner) => inner.end());
      outer.end();
    });
    await exportOnce(exporter, spans());
    await exportOnce(exporter, spans());
    // What the user sees: two roots, where one trace was meant.
    expect(spans().filter((span) => span.parentSpanContext === undefined)).toHaveLength(2);
    // The inner span, once per export: the outer one was meant to be a root.
    expect(exporter.stats().spansWithoutContextManager).toBe(2);
    const warnings = diagLines.lines.filter((line) => /no OpenTelemetry context manager is registered/.test(line.text));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.text).toContain('AsyncLocalStorageContextManager');

    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const fixed = recordingTracer();
    fixed.tracer.startActiveSpan('outer', (outer) => {
      fixed.tracer.startActiveSpan('inner', (inner) => inner.end());
      outer.end();
    });
    expect(fixed.spans().filter((span) => span.parentSpanContext === undefined)).toHaveLength(1);
    await exportOnce(exporter, fixed.spans());
    expect(exporter.stats().spansWithoutContextManager).toBe(2);
    await exporter.shutdown();
  } finally {
    context.disable();
    trace.disable();
    diagLines.restore();
  }
});

it('the bridge, whose spans were made elsewhere, never says it', async () => {
  const diagLines = captureDiag();
  const bridge = await startBridge({ port: 0, grpcPort: false, endpoint: server.url, apiKey: TEST_KEY, env: {} });
  try {
    const { tracer, spans } = recordingTracer();
    tracer.startSpan('remote').end();
    await exportOnce(bridge.exporter, spans());
    expect(bridge.exporter.stats().spansWithoutContextManager).toBe(0);
    expect(diagLines.text()).not.toMatch(/context manager/);
  } finally {
    await bridge.close();
    diagLines.restore();
  }
});
