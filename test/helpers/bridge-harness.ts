// Shared by the test/bridge/*.test.ts files: a local LangSmith-compatible server with a bridge in
// front of it, raw HTTP requests, and OTLP/JSON request builders.
import { Agent, request as httpRequest, createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { context, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startBridge, type Bridge, type BridgeOptions } from 'otel-langsmith/bridge';
import { startLocalServer, type LocalServer, type StoredRun } from 'otel-langsmith/testing';

export const TEST_KEY = 'lsv2_test_bridge_0123456789';

export interface Stack {
  server: LocalServer;
  bridge: Bridge;
  traces: string;
  close(): Promise<void>;
}

/** A strict local LangSmith server and a bridge delivering to it, both on 127.0.0.1 ephemeral ports. */
export async function startStack(options: BridgeOptions = {}): Promise<Stack> {
  const server = await startLocalServer({ apiKey: TEST_KEY });
  const bridge = await startBridge({
    port: 0,
    endpoint: server.url,
    apiKey: TEST_KEY,
    projectName: 'bridge-tests',
    env: {},
    ...options,
    retry: { initialBackoffMillis: 10, maxBackoffMillis: 50, ...options.retry },
  });
  return {
    server,
    bridge,
    traces: `${bridge.url}/v1/traces`,
    async close() {
      await bridge.close();
      await server.close();
    },
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body as JSON, when it parses. */
  json(): unknown;
}

/** One HTTP request with exactly the headers given (plus content-length for a buffer body). */
export function rawRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: Buffer | string | Readable } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const body = typeof init.body === 'string' ? Buffer.from(init.body) : init.body;
    const headers: Record<string, string | number> = { ...init.headers };
    if (Buffer.isBuffer(body)) headers['content-length'] = body.length;
    // A streamed body goes over a keep-alive connection: a sender that announced `connection: close`
    // lets the server close right after answering, which can reset the answer away mid-upload.
    const agent = body !== undefined && !Buffer.isBuffer(body) ? new Agent({ keepAlive: true }) : false;
    const req = httpRequest(url, { method: init.method ?? 'POST', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const buffer = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buffer, json: () => JSON.parse(buffer.toString('utf8')) });
        if (body && !Buffer.isBuffer(body)) body.destroy();
        req.destroy();
        if (agent) agent.destroy();
      });
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      body.on('error', () => {});
      req.on('error', () => {}); // the server may close while the stream is still being written
      body.pipe(req);
    }
  });
}

export function postJson(stack: Stack, payload: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(stack.traces, { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(payload) });
}

export function gzip(body: string | Buffer): Buffer {
  return gzipSync(body);
}

/* ---------- OTLP/JSON request builders ---------- */

export const TRACE_ID = '5b8efff798038103d269b633813fc60c';

let nextSpan = 1;
/** A fresh 16-hex-digit span id, unique in this process. */
export function spanId(): string {
  return (0x1000_0000_0000 + nextSpan++).toString(16).padStart(16, '0');
}

export interface JsonSpanInput {
  spanId: string;
  parentSpanId?: string;
  traceId?: string;
  name: string;
  startNanos?: string | number;
  endNanos?: string | number;
  [extra: string]: unknown;
}

const BASE_NANOS = 1_714_564_800_000_000_000n; // 2024-05-01T12:00:00Z

/** One OTLP/JSON span with defaults: a 100 ms span starting at BASE + offset ms. */
export function jsonSpan(input: JsonSpanInput, offsetMillis = 0): Record<string, unknown> {
  const start = BASE_NANOS + BigInt(offsetMillis) * 1_000_000n;
  return {
    traceId: TRACE_ID,
    kind: 1,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 100_000_000n),
    ...input,
  };
}

/** An ExportTraceServiceRequest holding the spans under one resource and scope. */
export function jsonRequest(spans: unknown[], service = 'json-service'): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: { name: 'handmade', version: '0.0.1' }, spans }],
      },
    ],
  };
}

/* ---------- what the official OTel JS exporters send ---------- */

export interface CapturedRequest {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

type ExporterConfig = NonNullable<ConstructorParameters<typeof OtlpJsonExporter>[0]>;

/** Exports the spans with the official OTLP/HTTP exporter (JSON or protobuf) and returns the request it sent. */
export async function captureOfficialRequest(format: 'json' | 'protobuf', spans: ReadableSpan[], compression: 'gzip' | 'none' = 'none'): Promise<CapturedRequest> {
  let captured: CapturedRequest | undefined;
  const capture = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      captured = { headers: req.headers, body: Buffer.concat(chunks) };
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' }).end();
    });
  });
  await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(capture.address() as AddressInfo).port}/v1/traces`;
  const exporter = officialExporter(format, url, compression);
  try {
    await new Promise<void>((resolve, reject) =>
      exporter.export(spans, (result) => (result.error ? reject(result.error) : resolve())),
    );
  } finally {
    await exporter.shutdown();
    await new Promise<void>((resolve) => capture.close(() => resolve()));
  }
  if (!captured) throw new Error('the official exporter sent nothing');
  return captured;
}

export function officialExporter(format: 'json' | 'protobuf', url: string, compression: 'gzip' | 'none' = 'none', extra: ExporterConfig = {}) {
  const config: ExporterConfig = { url, compression: compression as ExporterConfig['compression'], ...extra };
  return format === 'json' ? new OtlpJsonExporter(config) : new OtlpProtoExporter(config);
}

/* ---------- stored runs ---------- */

/** The stored run of a span, by LangSmith's id rule. */
export function runIdOf(spanIdHex: string): string {
  return `00000000-0000-0000-${spanIdHex.slice(0, 4)}-${spanIdHex.slice(4)}`;
}

/** A stored run as the exporter sent it: without what the server derived. */
export function sentPart(run: StoredRun): Record<string, unknown> {
  const { trace_id: _trace, dotted_order: _dotted, received_at: _received, ...sent } = run;
  return JSON.parse(JSON.stringify(sent)) as Record<string, unknown>;
}

/** root → (retrieve → embed, tool that fails), with typed attributes and an event; children end before their parents. */
export function recordNestedTrace(tracer: Tracer): void {
  const root = tracer.startSpan('answer question', {
    kind: SpanKind.SERVER,
    attributes: { 'app.user': 'u-1', 'app.attempt': 3, 'app.score': 0.75, 'app.cached': false, 'app.tags': ['a', 'b'], 'app.ids': [1, 2, 3] },
  });
  const rootContext = trace.setSpan(context.active(), root);
  const retrieve = tracer.startSpan('retrieve documents', { attributes: { 'langsmith.span.kind': 'retriever' } }, rootContext);
  const embed = tracer.startSpan('embed query', { kind: SpanKind.CLIENT }, trace.setSpan(rootContext, retrieve));
  embed.addEvent('cache miss', { 'cache.key': 'q:1', 'cache.size': 12 });
  embed.end();
  retrieve.end();
  const tool = tracer.startSpan('lookup forecast', { attributes: { 'langsmith.span.kind': 'tool' } }, rootContext);
  tool.recordException(new TypeError('forecast service unavailable'));
  tool.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream down' });
  tool.end();
  root.end();
}
