// Differential parity, JS: the same agent-like app (agent-app.ts: `traceable` + `wrapOpenAI` from
// the real `langsmith` SDK, the real `openai` client against the local OpenAI stub) traced twice:
//   native   the SDK's own client sends runs to the capture server (POST /runs/multipart, gzip)
//   OTel     the SDK in OTel mode (`initializeOTEL`, a client with tracingMode 'otel', which is what
//            LANGSMITH_TRACING_MODE=otel or LANGSMITH_OTEL_ENABLED=true resolve to) writes its runs
//            onto OTel spans; a BasicTracerProvider exports them with our LangSmithSpanExporter to
//            the strict local server
// then the two trees are compared field by field (compare-runs.ts). Any difference fails the test;
// the parity table and the raw spans (/tmp/parity/spans-langsmith-js.json) are written either way.
// Everything stays on 127.0.0.1: LANGSMITH_ENDPOINT points at a second capture server that must see
// no run at all. This file installs global OTel state; vitest runs each file in its own process.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client } from 'langsmith';
import { initializeOTEL } from 'langsmith/experimental/otel/setup';
import { OpenAI } from 'openai';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { captureDiag, exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { NOTIFICATION_ERROR, PROJECT, runAgent } from './agent-app.js';
import { startCaptureServer, type CaptureServer } from './capture-server.js';
import { compareTrees, formatDifferences, separateProducerLimits, STRINGIFIED_METADATA_SCALARS, type TreeNode } from './compare-runs.js';
import { PARITY_OUT_DIR, recordParity } from './parity-table.js';

const FAKE_LANGSMITH_KEY = 'lsv2_pt_parity_not_a_real_key_0000';
const RUNS = 6;

let capture: CaptureServer;
let stray: CaptureServer;
let server: LocalServer;
let stub: OpenAIStub;

beforeAll(async () => {
  for (const key of Object.keys(process.env)) if (/^(LANGSMITH_|LANGCHAIN_|OTEL_)/.test(key)) delete process.env[key];
  [capture, stray, server, stub] = await Promise.all([startCaptureServer(), startCaptureServer(), startLocalServer({ apiKey: TEST_KEY }), startOpenAIStub()]);
  // Read by the SDK at call time: tracing on; any client built from the environment (none should
  // be) talks to the stray capture server on 127.0.0.1, never to LangSmith.
  process.env.LANGSMITH_TRACING = 'true';
  process.env.LANGSMITH_ENDPOINT = stray.url;
  process.env.LANGSMITH_API_KEY = FAKE_LANGSMITH_KEY;
});
afterAll(async () => {
  await Promise.all([capture?.close(), stray?.close(), server?.close(), stub?.close()]);
});

const openai = (): OpenAI => new OpenAI({ baseURL: stub.baseURL, apiKey: 'sk-test-not-a-secret', maxRetries: 0 });

function spanRecord(span: ReadableSpan) {
  return {
    name: span.name,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    kind: span.kind,
    status: span.status,
    attributes: span.attributes,
    events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
    scope: span.instrumentationScope,
  };
}

it('the SDK in OTel mode through our exporter gives the tree the SDK sends natively', { timeout: 60_000 }, async () => {
  // (a) native
  const nativeClient = new Client({ apiUrl: capture.url, apiKey: FAKE_LANGSMITH_KEY, tracingMode: 'langsmith' });
  const nativeResult = await runAgent(nativeClient, openai());
  await nativeClient.awaitPendingTraceBatches();
  await capture.waitForEndedRuns(RUNS);
  expect(capture.requests().filter((request) => request.status >= 400)).toEqual([]);
  // The SDK's wire format here: multipart, gzip (what GET /info allowed).
  expect(capture.requests().filter((request) => request.path === '/runs/multipart').map((request) => request.contentEncoding)).toContain('gzip');
  const nativeTrees = capture.trees();
  expect(nativeTrees).toHaveLength(1);

  // (b) OTel mode, through our exporter (its diag lines kept to explain a delivery that never came)
  const diagLines = captureDiag();
  const spans = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans), new BatchSpanProcessor(exporterFor(server), { scheduledDelayMillis: 10 })],
  });
  trace.setGlobalTracerProvider(provider);
  initializeOTEL({ globalTracerProvider: provider });
  const otelClient = new Client({ apiUrl: stray.url, apiKey: FAKE_LANGSMITH_KEY, tracingMode: 'otel' });
  const otelResult = await runAgent(otelClient, openai());
  await otelClient.awaitPendingTraceBatches();
  await provider.forceFlush();
  mkdirSync(PARITY_OUT_DIR, { recursive: true });
  writeFileSync(join(PARITY_OUT_DIR, 'spans-langsmith-js.json'), JSON.stringify(spans.getFinishedSpans().map(spanRecord), null, 2));
  await server.waitForRuns(RUNS).catch((error: Error) => {
    throw new Error(`${error.message}\nthe exporter's diag lines:\n${diagLines.text()}`);
  });
  await provider.shutdown();
  diagLines.restore();

  writeFileSync(join(PARITY_OUT_DIR, 'runs-langsmith-js.json'), JSON.stringify({ native: capture.runs(), ours: server.runs() }, null, 2));

  // Same app behaviour both times, and nothing went anywhere else.
  expect(otelResult).toEqual(nativeResult);
  expect(nativeResult).toEqual({ answer: 'It will rain in Paris.', notified: false });
  expect(stray.runs()).toEqual([]);
  expect(stub.requests.filter((request) => request.path === '/v1/chat/completions')).toHaveLength(4);

  const ourTrees = server.traces();
  expect(ourTrees).toHaveLength(1);
  const comparison = compareTrees(nativeTrees[0]! as TreeNode, ourTrees[0]! as TreeNode);
  const { ours, producer } = separateProducerLimits(comparison.differences, [STRINGIFIED_METADATA_SCALARS]);
  const lost = producer.length ? `; ${producer.length} lost by the SDK before export (${STRINGIFIED_METADATA_SCALARS.reason})` : '';
  recordParity([{ producer: 'langsmith-js', ...comparison, note: `langsmith ${PROJECT} app, SDK 0.12 OTel mode vs native${lost}` }]);
  if (comparison.differences.length > 0) console.log(`langsmith-js differences:\n${formatDifferences(comparison.differences)}`);
  // The native error text this app raises, so a renamed error cannot make both sides agree on nothing.
  expect(capture.runs().find((run) => run.name === 'send_notification')?.error).toBe(`Error: ${NOTIFICATION_ERROR}`);
  expect(ours).toEqual([]);
  // The SDK's own loss, pinned so that the day it stops the README's producer limits get updated.
  expect(producer.map((difference) => difference.path.replace(/^.* extra\.metadata\./, ''))).toEqual(expect.arrayContaining(['attempt', 'beta', 'temperature_hint', 'k']));
});
