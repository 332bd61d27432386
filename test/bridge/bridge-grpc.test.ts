// The bridge's OTLP/gRPC receiver (TraceService/Export on grpc-js): the official OTel JS gRPC
// exporter delivering the same runs as over OTLP/HTTP, and the status codes the OTLP
// specification asks of a gRPC server (RetryInfo for backpressure and "later", INVALID_ARGUMENT,
// UNAUTHENTICATED, RESOURCE_EXHAUSTED for too large), through a plain grpc-js client.
// Real components only: startBridge → the strict local LangSmith server, all on 127.0.0.1.
import { createServer, type AddressInfo } from 'node:net';
import { ExportResultCode } from '@opentelemetry/core';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { OTLPTraceExporter as OtlpGrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { mapSpan } from 'otel-langsmith';
import { startBridge } from 'otel-langsmith/bridge';
import { ConfigError } from '../../src/config/resolve-config.js';
import { resolveBridgeOptions } from '../../src/bridge/bridge-options.js';
import { ExportTraceServiceRequest } from '../../src/bridge/otlp-schema.js';
import { officialExporter, rawRequest, recordNestedTrace, runIdOf, sentPart, spanId, startStack, TRACE_ID, type Stack } from '../helpers/bridge-harness.js';
import { until } from '../helpers/wait.js';
import { exportOnce } from '../helpers/exporter.js';
import { decodeExportResponse, grpcClient, officialRequestBytes, retryDelays, type GrpcClient } from '../helpers/grpc-client.js';

const stacks: Stack[] = [];
const clients: GrpcClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const stack of stacks.splice(0)) await stack.close();
});

async function start(options: Parameters<typeof startStack>[0] = {}): Promise<Stack> {
  const stack = await startStack(options);
  stacks.push(stack);
  return stack;
}

function client(stack: Stack, options: { gzip?: boolean } = {}): GrpcClient {
  const c = grpcClient(stack.bridge.grpcUrl!, options);
  clients.push(c);
  return c;
}

/* ---------- spans made by a real tracer ---------- */

/** recordNestedTrace's spans, from a provider of its own. */
function nestedSpans(service = 'checkout'): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  recordNestedTrace(provider.getTracer('bridge-grpc-scope', '7.8.9'));
  return memory.getFinishedSpans();
}

/** A single root span with this name. */
function oneSpan(name = 'one'): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  provider.getTracer('t').startSpan(name).end();
  return memory.getFinishedSpans();
}

function officialGrpcExporter(url: string, compression: 'gzip' | 'none', headers: Record<string, string> = {}) {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
  return new OtlpGrpcExporter({ url, compression: compression as never, metadata });
}

/* ---------- OTLP protobuf built by hand, for what no SDK would send ---------- */

const field = (number: number, bytes: Buffer): Buffer => Buffer.concat([Buffer.from([(number << 3) | 2]), varint(bytes.length), bytes]);
function varint(value: number): Buffer {
  const out: number[] = [];
  for (; value > 0x7f; value >>>= 7) out.push((value & 0x7f) | 0x80);
  out.push(value);
  return Buffer.from(out);
}
/** resource_spans { scope_spans { spans... } } with the given span messages. */
const requestOf = (spans: Buffer[]): Buffer => field(1, field(2, Buffer.concat(spans.map((span) => field(2, span)))));
/** A span with a zero trace id (invalid), or any ids given. */
function rawSpan(name: string, ids: { traceId?: string; spanId?: string } = {}): Buffer {
  return Buffer.concat([
    field(1, Buffer.from(ids.traceId ?? '0'.repeat(32), 'hex')),
    field(2, Buffer.from(ids.spanId ?? '0102030405060708', 'hex')),
    field(5, Buffer.from(name)),
  ]);
}

describe.each(['gzip', 'none'] as const)('the official OTel JS gRPC exporter (compression %s)', (compression) => {
  it('delivers a nested trace: the same runs as the official OTLP/HTTP exporter makes of the same spans, each as a direct export would send it', async () => {
    const spans = nestedSpans();
    const overGrpc = await start();
    const overHttp = await start();

    const grpcExporter = officialGrpcExporter(overGrpc.bridge.grpcUrl!, compression);
    const grpcResult = await exportOnce(grpcExporter, spans);
    await grpcExporter.shutdown();
    expect(grpcResult.error).toBeUndefined();
    expect(grpcResult.code).toBe(ExportResultCode.SUCCESS);
    const httpExporter = officialExporter('protobuf', overHttp.traces, compression);
    expect((await exportOnce(httpExporter, spans)).code).toBe(ExportResultCode.SUCCESS);
    await httpExporter.shutdown();

    // The export resolved once the bridge answered OK, i.e. once delivered.
    const byId = (stack: Stack) => stack.server.runs().map(sentPart).sort((a, b) => String(a.id).localeCompare(String(b.id)));
    expect(byId(overGrpc)).toHaveLength(4);
    expect(byId(overGrpc)).toEqual(byId(overHttp));
    for (const span of spans) {
      const stored = overGrpc.server.run(runIdOf(span.spanContext().spanId));
      expect(sentPart(stored!)).toEqual(JSON.parse(JSON.stringify(mapSpan(span, { projectName: 'bridge-tests' }).run)));
    }
    // Parents first, exactly once.
    const order = overGrpc.server.runs().map((r) => r.name);
    expect(order.indexOf('answer question')).toBeLessThan(order.indexOf('retrieve documents'));
    expect(order.indexOf('retrieve documents')).toBeLessThan(order.indexOf('embed query'));
    expect(overGrpc.server.requests().filter((r) => r.path === '/runs').map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(overGrpc.bridge.stats()).toMatchObject({ requests: 1, grpcRequests: 1, spansReceived: 4, spansRejected: 0, refused: 0 });
    expect(overHttp.bridge.stats()).toMatchObject({ requests: 1, grpcRequests: 0 });
  });
});

describe('TraceService/Export', () => {
  it('answers OK with an empty ExportTraceServiceResponse, gzip or not; a gzip bomb is cut off after gunzip (RESOURCE_EXHAUSTED)', async () => {
    const s = await start({ maxDecompressedBytes: 1024 * 1024 });
    const plain = await client(s).export(officialRequestBytes(oneSpan('plain')));
    expect(plain).toEqual({ code: GrpcStatus.OK, details: '', response: Buffer.alloc(0) });
    const zipped = await client(s, { gzip: true }).export(officialRequestBytes(oneSpan('zipped')));
    expect(zipped.code).toBe(GrpcStatus.OK);
    expect(s.server.runs().map((r) => r.name).sort()).toEqual(['plain', 'zipped']);

    // 32 MiB of zeros, a few KiB once the client gzipped them: only a server that gunzips sees the size.
    const bomb = await client(s, { gzip: true }).export(Buffer.alloc(32 * 1024 * 1024));
    expect(bomb.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(bomb.details).toMatch(/decompresses to a size larger than 1048576/);
    expect(retryDelays(bomb.trailers)).toEqual({}); // no RetryInfo: do not retry
  });

  it('holds a child whose parent has not come yet, answers OK at once, and delivers it under the parent sent later', async () => {
    const s = await start();
    const spans = nestedSpans();
    const leaf = spans.find((span) => span.name === 'embed query')!;
    const c = client(s);
    expect((await c.export(officialRequestBytes([leaf]))).code).toBe(GrpcStatus.OK);
    expect(s.bridge.stats().exporter.heldRuns).toBe(1);
    expect(s.server.runs()).toEqual([]);
    expect((await c.export(officialRequestBytes(spans.filter((span) => span !== leaf)))).code).toBe(GrpcStatus.OK);
    await until(() => s.server.runs().length === 4);
    expect(s.server.run(runIdOf(leaf.spanContext().spanId))!.parent_run_id).toBe(runIdOf(leaf.parentSpanContext!.spanId));
  });

  it('reports spans with invalid ids as partial_success and delivers the others', async () => {
    const s = await start();
    const good = spanId();
    const answer = await client(s).export(requestOf([rawSpan('good', { traceId: TRACE_ID, spanId: good }), rawSpan('zero trace')]));
    expect(answer.code).toBe(GrpcStatus.OK);
    expect(decodeExportResponse(answer.response!)).toEqual({
      partialSuccess: { rejectedSpans: 1, errorMessage: `1 spans rejected: span "zero trace": invalid trace id "${'0'.repeat(32)}"` },
    });
    expect(s.server.runs().map((r) => r.id)).toEqual([runIdOf(good)]);
    expect(s.bridge.stats()).toMatchObject({ spansReceived: 2, spansRejected: 1 });
  });

  it('reports runs LangSmith refuses for good (4xx) as partial_success, not as an error to retry', async () => {
    const s = await start();
    s.server.faults.inject({ status: 422, body: { detail: 'bad run' }, match: (req) => (req.body as { name?: string }).name === 'refused' });
    const answer = await client(s).export(
      requestOf([rawSpan('refused', { traceId: TRACE_ID, spanId: spanId() }), rawSpan('kept', { traceId: TRACE_ID, spanId: spanId() })]),
    );
    expect(answer.code).toBe(GrpcStatus.OK);
    const partial = decodeExportResponse(answer.response!).partialSuccess as { rejectedSpans: number; errorMessage: string };
    expect(partial.rejectedSpans).toBe(1);
    expect(partial.errorMessage).toMatch(/1 spans refused by LangSmith: .*rejected with HTTP 422/);
    expect(s.server.runs().map((r) => r.name)).toEqual(['kept']);
  });

  it('answers UNAVAILABLE with RetryInfo when LangSmith fails for now; the same spans resent are delivered', async () => {
    const s = await start({ retry: { maxAttempts: 2 }, retryAfterSeconds: 7 });
    s.server.faults.inject({ status: 500, times: 2 });
    const body = officialRequestBytes(oneSpan('later'));
    const answer = await client(s).export(body);
    expect(answer.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(answer.details).toMatch(/not delivered to LangSmith yet.*HTTP 500 after 2 attempts/);
    expect(retryDelays(answer.trailers)).toEqual({
      statusDetails: { code: GrpcStatus.UNAVAILABLE, message: answer.details, typeUrl: 'type.googleapis.com/google.rpc.RetryInfo', seconds: 7 },
      retryInfo: 7,
    });
    expect(s.bridge.stats().unavailable).toBe(1);
    expect((await client(s).export(body)).code).toBe(GrpcStatus.OK);
    expect(s.server.runs().map((r) => r.name)).toEqual(['later']);
  });

  it('answers INVALID_ARGUMENT to bytes that are not an ExportTraceServiceRequest', async () => {
    const s = await start();
    const answer = await client(s).export(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
    expect(answer.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(answer.details).toMatch(/invalid protobuf ExportTraceServiceRequest/);
    expect(retryDelays(answer.trailers)).toEqual({});
    expect(s.bridge.stats()).toMatchObject({ requests: 1, grpcRequests: 1, refused: 1 });
    expect(s.server.runs()).toEqual([]);
  });
});

describe('limits, before anything is decoded', () => {
  it('refuses more spans than maxSpansPerRequest with RESOURCE_EXHAUSTED and no RetryInfo, counted on the raw bytes', async () => {
    const s = await start({ maxSpansPerRequest: 2 });
    // Three span entries whose contents are not even protobuf: counted, never decoded (else INVALID_ARGUMENT).
    const garbage = Buffer.from([0xff, 0xff, 0xff]);
    const answer = await client(s).export(requestOf([garbage, garbage, garbage]));
    expect(answer.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(answer.details).toBe('the request holds about 3 spans, over the limit of 2; send smaller batches');
    expect(retryDelays(answer.trailers)).toEqual({});
    expect(s.bridge.stats()).toMatchObject({ refused: 1, spansReceived: 0 });
    // Two are fine.
    expect((await client(s).export(requestOf([rawSpan('a', { traceId: TRACE_ID, spanId: spanId() }), rawSpan('b', { traceId: TRACE_ID, spanId: spanId() })]))).code).toBe(GrpcStatus.OK);
  });

  it('refuses a message over the size limit in grpc-js, before the bridge reads it (RESOURCE_EXHAUSTED)', async () => {
    const s = await start({ maxBodyBytes: 1024 });
    const big = ExportTraceServiceRequest.encode(
      ExportTraceServiceRequest.create({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: Buffer.from(TRACE_ID, 'hex'), spanId: Buffer.from(spanId(), 'hex'), name: 'x'.repeat(4000) }] }] }] }),
    ).finish();
    const answer = await client(s).export(big);
    expect(answer.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(answer.details).toMatch(/larger than max \(\d+ vs\.? 1024\)/);
    expect(s.bridge.stats().requests).toBe(0); // the handler never ran
    expect(s.server.runs()).toEqual([]);
  });
});

describe('shared secret', () => {
  it('requires authorization: Bearer <secret> metadata (UNAUTHENTICATED otherwise), also from the official exporter', async () => {
    const s = await start({ sharedSecret: 's3cret-value' });
    const body = officialRequestBytes(oneSpan('authorized'));
    const c = client(s);
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong' }, { authorization: 's3cret-value' }, { authorization: 'Basic s3cret-value' }]) {
      const answer = await c.export(body, headers);
      expect(answer.code, JSON.stringify(headers)).toBe(GrpcStatus.UNAUTHENTICATED);
      expect(answer.details).not.toContain('s3cret');
    }
    const without = officialGrpcExporter(s.bridge.grpcUrl!, 'gzip');
    const refused = await exportOnce(without, oneSpan('no secret'));
    await without.shutdown();
    expect(refused.code).toBe(ExportResultCode.FAILED);
    expect((refused.error as { code?: number }).code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(s.server.runs()).toEqual([]);
    expect(s.bridge.stats().refused).toBe(5);

    expect((await c.export(body, { authorization: 'bearer s3cret-value' })).code).toBe(GrpcStatus.OK);
    const withSecret = officialGrpcExporter(s.bridge.grpcUrl!, 'gzip', { authorization: 'Bearer s3cret-value' });
    expect((await exportOnce(withSecret, oneSpan('official with secret'))).code).toBe(ExportResultCode.SUCCESS);
    await withSecret.shutdown();
    expect(s.server.runs().map((r) => r.name).sort()).toEqual(['authorized', 'official with secret']);
  });
});

describe('backpressure', () => {
  it('answers RESOURCE_EXHAUSTED with RetryInfo while too many runs are pending, then accepts again', async () => {
    const s = await start({ maxPendingRuns: 1, retryAfterSeconds: 3 });
    // Two children whose parent has not come: held, so two runs pending (over 1) until it comes.
    const spans = nestedSpans();
    const children = spans.filter((span) => span.name === 'retrieve documents' || span.name === 'lookup forecast');
    const c = client(s);
    expect((await c.export(officialRequestBytes(children))).code).toBe(GrpcStatus.OK);
    expect(s.bridge.stats().exporter.heldRuns).toBe(2);

    const throttled = await c.export(officialRequestBytes(spans.filter((span) => span.name === 'answer question')));
    expect(throttled.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(throttled.details).toMatch(/too many runs pending delivery to LangSmith \(over 1\)/);
    expect(retryDelays(throttled.trailers)).toMatchObject({ statusDetails: { code: GrpcStatus.RESOURCE_EXHAUSTED, seconds: 3 }, retryInfo: 3 });
    expect(s.bridge.stats()).toMatchObject({ throttled: 1, spansReceived: 2 });

    // Over HTTP the same state answers 429 (one shared check).
    const overHttp = await rawRequest(s.traces, { headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from(officialRequestBytes(oneSpan())) });
    expect(overHttp.status).toBe(429);
    expect(overHttp.headers['retry-after']).toBe('3');

    // The parent comes by a way that is not refused (the exporter itself): held runs drain, and the
    // resend is accepted.
    await exportOnce(s.bridge.exporter, spans.filter((span) => span.name === 'answer question'));
    await until(() => s.bridge.stats().exporter.heldRuns === 0 && s.bridge.stats().exporter.inFlightRequests === 0);
    expect((await c.export(officialRequestBytes(spans.filter((span) => span.name === 'embed query')))).code).toBe(GrpcStatus.OK);
    await until(() => s.server.runs().length === 4);
  });
});

describe('close()', () => {
  it('finishes calls in progress, answers UNAVAILABLE with RetryInfo to calls arriving while draining, then stops listening', async () => {
    const s = await start({ drainTimeoutMillis: 5000, retryAfterSeconds: 4 });
    s.server.faults.inject({ delayMs: 1000 }); // the drain lasts while this delivery does
    const c = client(s);
    const inFlight = c.export(officialRequestBytes(oneSpan('in flight')));
    await until(() => s.bridge.stats().exporter.inFlightRequests > 0);
    const closed = s.bridge.close();
    const during = await c.export(officialRequestBytes(oneSpan('during drain')));
    expect(during.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(during.details).toBe('the bridge is shutting down');
    expect(retryDelays(during.trailers)).toMatchObject({ statusDetails: { seconds: 4 }, retryInfo: 4 });
    expect((await inFlight).code).toBe(GrpcStatus.OK);
    await closed;
    expect(s.server.runs().map((r) => r.name)).toEqual(['in flight']);
    const after = await c.export(officialRequestBytes(oneSpan('after close')));
    expect(after.code).toBe(GrpcStatus.UNAVAILABLE); // nobody listens any more
  });

  it('cuts calls still in progress after drainTimeoutMillis', async () => {
    const s = await start({ drainTimeoutMillis: 100, shutdownTimeoutMillis: 100 });
    s.server.faults.inject({ hang: true });
    const stuck = client(s).export(officialRequestBytes(oneSpan('stuck')));
    await until(() => s.bridge.stats().exporter.inFlightRequests > 0);
    await s.bridge.close();
    expect((await stuck).code).not.toBe(GrpcStatus.OK);
  });
});

describe('options, ports and /health', () => {
  it('defaults to 4317 next to 4318, to a free port when port is 0, and false turns gRPC off', () => {
    expect(resolveBridgeOptions({}).grpcPort).toBe(4317);
    expect(resolveBridgeOptions({ port: 14318 }).grpcPort).toBe(4317);
    expect(resolveBridgeOptions({ port: 0 }).grpcPort).toBe(0);
    expect(resolveBridgeOptions({ port: 0, grpcPort: 14317 }).grpcPort).toBe(14317);
    expect(resolveBridgeOptions({ grpcPort: false }).grpcPort).toBeUndefined();
    expect(() => resolveBridgeOptions({ grpcPort: 70000 })).toThrow(ConfigError);
    expect(() => resolveBridgeOptions({ grpcPort: '4317' as never })).toThrow(/grpcPort must be an integer/);
  });

  it('says in /health which ports it listens on', async () => {
    const s = await start();
    expect(s.bridge.grpcPort).toBeGreaterThan(0);
    expect(s.bridge.grpcUrl).toBe(`http://127.0.0.1:${s.bridge.grpcPort}`);
    const health = (await rawRequest(`${s.bridge.url}/health`, { method: 'GET' })).json();
    expect(health).toMatchObject({ status: 'ok', httpPort: s.bridge.port, grpcPort: s.bridge.grpcPort, grpcRequests: 0 });

    const off = await start({ grpcPort: false });
    expect(off.bridge.grpcPort).toBeUndefined();
    expect(off.bridge.grpcUrl).toBeUndefined();
    expect((await rawRequest(`${off.bridge.url}/health`, { method: 'GET' })).json()).toMatchObject({ grpcPort: null });
  });

  it('fails to start, naming the option, when the gRPC port is taken, and leaves the HTTP port free', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const free = createServer();
      await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
      const httpPort = (free.address() as AddressInfo).port;
      await new Promise((resolve) => free.close(resolve));
      await expect(startBridge({ port: httpPort, grpcPort: taken, apiKey: 'k', env: {} })).rejects.toThrow(
        new RegExp(`OTLP/gRPC receiver cannot listen on 127\\.0\\.0\\.1:${taken} \\(grpcPort; false turns it off\\).*EADDRINUSE`),
      );
      const again = await startBridge({ port: httpPort, grpcPort: false, apiKey: 'k', env: {} });
      expect(again.port).toBe(httpPort);
      await again.close();
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
