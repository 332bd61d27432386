// The bridge's HTTP surface: status codes per the OTLP/HTTP spec, limits, auth, backpressure, drain.
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { ExportResultCode } from '@opentelemetry/core';
import { afterEach, describe, expect, it } from 'vitest';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { judgeExport } from '../../src/bridge/export-outcome.js';
import { LangSmithExportError } from '../../src/pipeline/export-call.js';
import { ExportTraceServiceResponse, RpcStatus } from '../../src/bridge/otlp-schema.js';
import {
  captureOfficialRequest,
  gzip,
  jsonRequest,
  jsonSpan,
  postJson,
  rawRequest,
  runIdOf,
  spanId,
  startStack,
  type Stack,
} from '../helpers/bridge-harness.js';
import { until } from '../helpers/wait.js';
import { readFileSync } from 'node:fs';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(options: Parameters<typeof startStack>[0] = {}): Promise<Stack> {
  stack = await startStack(options);
  return stack;
}

const oneSpan = () => jsonRequest([jsonSpan({ spanId: spanId(), name: 'one' })]);

describe('POST /v1/traces', () => {
  it('accepts JSON, gzipped JSON and a JSON fixture with every value kind, answering in JSON', async () => {
    const s = await start();
    const plain = await postJson(s, oneSpan());
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('application/json');
    expect(plain.json()).toEqual({});

    const zipped = await rawRequest(s.traces, {
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip' },
      body: gzip(JSON.stringify(oneSpan())),
    });
    expect(zipped.status).toBe(200);

    const edge = await rawRequest(s.traces, { headers: { 'content-type': 'application/json' }, body: readFileSync(new URL('../fixtures/otlp/json-edge-cases.json', import.meta.url)) });
    expect(edge.status).toBe(200);
    expect(edge.json()).toEqual({});
    const root = s.server.run(runIdOf('b7ad6b7169203331'))!;
    expect(root.start_time).toBe('2024-05-01T12:00:00.123456Z');
    expect(root.extra?.metadata).toMatchObject({ 'a.int.huge': '9223372036854775807', 'a.array.numbers': [1, 1.5], 'a.double.nan': 'NaN' });
    expect(root.extra?.runtime).toMatchObject({ 'service.name': 'edge-service', 'host.cores': 8 });
    const child = s.server.run(runIdOf('00f067aa0ba902b7'))!;
    expect(child.parent_run_id).toBe(root.id);
    expect(child.error).toBe('boom');
    expect(s.server.run(runIdOf('0001020304050607'))!.parent_run_id).toBeUndefined();
    expect(s.server.runs()).toHaveLength(5);
  });

  it('answers protobuf requests in protobuf: an empty response for full success', async () => {
    const s = await start();
    const res = await rawRequest(s.traces, { headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.alloc(0) });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    expect(res.body.length).toBe(0);
  });

  it('answers a delivered protobuf request from the official exporter with an empty protobuf response', async () => {
    const s = await start();
    const { tracer, provider } = (() => {
      const memory = new InMemorySpanExporter();
      const p = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
      return { tracer: p.getTracer('t'), provider: Object.assign(p, { memory }) };
    })();
    tracer.startSpan('proto span').end();
    const { body } = await captureOfficialRequest('protobuf', provider.memory.getFinishedSpans());
    const res = await rawRequest(s.traces, { headers: { 'content-type': 'application/x-protobuf' }, body });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    expect(res.body.length).toBe(0);
    expect(s.server.runs().map((r) => r.name)).toEqual(['proto span']);
  });

  it('answers 503 when the export deadline passes with runs still being delivered', async () => {
    const s = await start({ exportTimeoutMillis: 200 });
    s.server.faults.inject({ delayMs: 1000 });
    const res = await postJson(s, oneSpan());
    expect(res.status).toBe(503);
    expect((res.json() as { message: string }).message).toMatch(/export deadline of 200 ms passed/);
  });

  it('reports spans with invalid ids as partial success and delivers the others', async () => {
    const s = await start();
    const good = spanId();
    const res = await postJson(s, jsonRequest([jsonSpan({ spanId: good, name: 'good' }), jsonSpan({ spanId: '0000000000000000', name: 'zero' })]));
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ partialSuccess: { rejectedSpans: '1', errorMessage: '1 spans rejected: span "zero": invalid span id "0000000000000000"' } });
    expect(s.server.runs().map((r) => r.id)).toEqual([runIdOf(good)]);
    expect(s.bridge.stats()).toMatchObject({ spansReceived: 2, spansRejected: 1 });
  });

  it('reports runs LangSmith refuses for good (4xx) as partial success, not as an error to retry', async () => {
    const s = await start();
    s.server.faults.inject({ status: 422, body: { detail: 'bad run' }, match: (req) => (req.body as { name?: string }).name === 'refused' });
    const res = await postJson(s, jsonRequest([jsonSpan({ spanId: spanId(), name: 'refused' }), jsonSpan({ spanId: spanId(), name: 'kept' })]));
    expect(res.status).toBe(200);
    const body = res.json() as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(body.partialSuccess.rejectedSpans).toBe('1');
    expect(body.partialSuccess.errorMessage).toMatch(/1 spans refused by LangSmith: .*rejected with HTTP 422/);
    expect(s.server.runs().map((r) => r.name)).toEqual(['kept']);
  });

  it('answers 503 with Retry-After when delivery fails for now, in protobuf for a protobuf request', async () => {
    const s = await start({ retry: { maxAttempts: 2 }, retryAfterSeconds: 7 });
    s.server.faults.inject({ status: 500, times: 2 });
    const json = await postJson(s, oneSpan());
    expect(json.status).toBe(503);
    expect(json.headers['retry-after']).toBe('7');
    expect((json.json() as { message: string }).message).toMatch(/not delivered to LangSmith yet.*HTTP 500 after 2 attempts/);
    expect(s.bridge.stats().unavailable).toBe(1);
    // The same spans sent again are delivered.
    expect((await postJson(s, oneSpan())).status).toBe(200);
  });

  it('holds a child whose parent has not come yet, and answers 200 for it at once', async () => {
    const s = await start();
    const parent = spanId();
    const child = spanId();
    expect((await postJson(s, jsonRequest([jsonSpan({ spanId: child, parentSpanId: parent, name: 'child', flags: 0x301 }, 10)]))).status).toBe(200);
    expect(s.bridge.stats().exporter.heldRuns).toBe(1);
    expect((await postJson(s, jsonRequest([jsonSpan({ spanId: parent, name: 'parent' })]))).status).toBe(200);
    expect(s.server.runs().map((r) => [r.name, r.parent_run_id])).toEqual([
      ['parent', undefined],
      ['child', runIdOf(parent)],
    ]);
  });
});

describe('refusals', () => {
  it('answers 400 to undecodable bodies: malformed protobuf, malformed JSON, truncated gzip', async () => {
    const s = await start();
    const proto = await rawRequest(s.traces, { headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]) });
    expect(proto.status).toBe(400);
    expect(proto.headers['content-type']).toBe('application/x-protobuf');
    expect(RpcStatus.toObject(RpcStatus.decode(proto.body)).message).toMatch(/invalid protobuf/);

    const json = await rawRequest(s.traces, { headers: { 'content-type': 'application/json' }, body: '{"resourceSpans":' });
    expect(json.status).toBe(400);
    expect((json.json() as { message: string }).message).toMatch(/invalid JSON/);

    const zipped = gzip(JSON.stringify(oneSpan()));
    const truncated = await rawRequest(s.traces, {
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: zipped.subarray(0, zipped.length - 12),
    });
    expect(truncated.status).toBe(400);
    expect((truncated.json() as { message: string }).message).toMatch(/invalid gzip body/);

    const notGzip = await rawRequest(s.traces, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: '{}' });
    expect(notGzip.status).toBe(400);
    expect(s.server.runs()).toEqual([]);
    expect(s.bridge.stats().refused).toBe(4);
  });

  it('answers 413 at once to a declared Content-Length over the limit, without waiting for the body', async () => {
    const s = await start({ maxBodyBytes: 1024 });
    const socket = connect(s.bridge.port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.write('POST /v1/traces HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1000000000\r\n\r\n{');
    await until(() => received.includes('\r\n\r\n'), 2000);
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received).toMatch(/connection: close/i);
    socket.destroy();
  });

  it('answers 413 to a body over maxBodyBytes, declared or streamed', async () => {
    const s = await start({ maxBodyBytes: 1024 });
    const big = JSON.stringify(jsonRequest([jsonSpan({ spanId: spanId(), name: 'x'.repeat(4000) })]));
    const declared = await rawRequest(s.traces, { headers: { 'content-type': 'application/json' }, body: big });
    expect(declared.status).toBe(413);
    expect(declared.headers.connection).toBe('close');
    const streamed = await rawRequest(s.traces, { headers: { 'content-type': 'application/json' }, body: Readable.from([Buffer.from(big)]) });
    expect(streamed.status).toBe(413);
    expect((streamed.json() as { message: string }).message).toBe('the request body exceeds the limit of 1024 bytes');
    // Within the limit is fine.
    expect((await postJson(s, oneSpan())).status).toBe(200);
  });

  it('reads the rest of a refused body into nothing and keeps the connection for the next request', async () => {
    const s = await start({ maxBodyBytes: 1024 });
    const socket = connect(s.bridge.port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.write('POST /v1/traces HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1500\r\n\r\n' + 'x'.repeat(1100));
    await until(() => /\r\n\r\n\{"message":"[^"]*"\}/.test(received), 2000); // answered while the sender is still writing
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received).not.toMatch(/connection: close/i);
    const body = JSON.stringify(oneSpan());
    socket.write('y'.repeat(400) + `POST /v1/traces HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    await until(() => (received.match(/HTTP\/1\.1 /g) ?? []).length === 2, 2000);
    expect(received).toMatch(/HTTP\/1\.1 200 OK/);
    socket.destroy();
  });

  it('answers 413 to a gzip bomb, small on the wire and over the decompressed cap', async () => {
    const s = await start({ maxDecompressedBytes: 1024 * 1024 });
    const bomb = gzip(Buffer.alloc(32 * 1024 * 1024)); // 32 MiB of zeros, about 32 KiB compressed
    expect(bomb.length).toBeLessThan(64 * 1024);
    const res = await rawRequest(s.traces, { headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }, body: bomb });
    expect(res.status).toBe(413);
    expect(RpcStatus.toObject(RpcStatus.decode(res.body)).message).toBe('the decompressed body exceeds the limit of 1048576 bytes');
  });

  it('stops at the decompressed cap without reading the rest: an endless gzip stream gets 413', async () => {
    const s = await start(); // default caps: 16 MiB on the wire, 64 MiB decompressed
    let sent = 0;
    const zeros = new Readable({
      read() {
        sent += 1024 * 1024;
        this.push(Buffer.alloc(1024 * 1024)); // never ends
      },
    });
    const res = await rawRequest(s.traces, {
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip', 'transfer-encoding': 'chunked' },
      body: zeros.pipe(createGzip()),
    });
    expect(res.status).toBe(413);
    expect(RpcStatus.toObject(RpcStatus.decode(res.body)).message).toMatch(/decompressed body exceeds the limit of 67108864 bytes/);
    expect(sent).toBeLessThan(1024 * 1024 * 1024); // answered long before a GiB was inflated
  });

  it('answers 415 to other content types and encodings', async () => {
    const s = await start();
    const text = await rawRequest(s.traces, { headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(text.status).toBe(415);
    expect((text.json() as { message: string }).message).toMatch(/application\/x-protobuf or application\/json/);
    expect((await rawRequest(s.traces, { body: '{}' })).status).toBe(415);
    const brotli = await rawRequest(s.traces, { headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: '{}' });
    expect(brotli.status).toBe(415);
  });

  it('answers 405 to other methods and 404 to other paths', async () => {
    const s = await start();
    const get = await rawRequest(s.traces, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect((await rawRequest(`${s.bridge.url}/v1/metrics`, { headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(404);
    expect((await rawRequest(`${s.bridge.url}/`, { method: 'GET' })).status).toBe(404);
    expect((await rawRequest(`${s.bridge.url}/health`, { method: 'DELETE' })).status).toBe(405);
  });
});

describe('shared secret', () => {
  it('requires Authorization: Bearer <secret> when set', async () => {
    const s = await start({ sharedSecret: 's3cret-value' });
    const missing = await postJson(s, oneSpan());
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect(JSON.stringify(missing.json())).not.toContain('s3cret');
    expect((await postJson(s, oneSpan(), { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await postJson(s, oneSpan(), { authorization: 'Bearer s3cret-valu' })).status).toBe(401);
    expect((await postJson(s, oneSpan(), { authorization: 's3cret-value' })).status).toBe(401);
    expect((await postJson(s, oneSpan(), { authorization: 'Basic s3cret-value' })).status).toBe(401);
    expect(s.server.runs()).toEqual([]);
    expect((await postJson(s, oneSpan(), { authorization: 'Bearer s3cret-value' })).status).toBe(200);
    expect((await postJson(s, oneSpan(), { authorization: 'bearer s3cret-value' })).status).toBe(200);
    expect(s.server.runs()).toHaveLength(2);
  });
});

describe('backpressure', () => {
  it('answers 429 with Retry-After while too many runs are pending, then accepts again', async () => {
    const s = await start({ maxPendingRuns: 2, retryAfterSeconds: 3 });
    s.server.faults.inject({ delayMs: 400, times: 3 });
    const first = postJson(s, jsonRequest([1, 2, 3].map((i) => jsonSpan({ spanId: spanId(), name: `slow ${i}` }))));
    // Three runs in flight now (in the delivery worker, they appear in the stats once it has taken them).
    await until(() => s.bridge.stats().exporter.inFlightRequests >= 3, 5000);
    const throttled = await postJson(s, oneSpan());
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('3');
    expect((throttled.json() as { message: string }).message).toMatch(/too many runs pending/);
    expect(s.bridge.stats().throttled).toBe(1);

    expect((await first).status).toBe(200);
    expect((await postJson(s, oneSpan())).status).toBe(200);
    expect(s.server.runs()).toHaveLength(4);
  });
});

describe('GET /health', () => {
  it.each([{ deliveryThread: 'main' as const }, { deliveryThread: 'worker' as const }])('reports the bridge counters and the exporter stats (delivery on the $deliveryThread thread)', async ({ deliveryThread }) => {
    const s = await start({ deliveryThread });
    await postJson(s, oneSpan());
    await rawRequest(s.traces, { headers: { 'content-type': 'text/plain' }, body: 'x' });
    const res = await rawRequest(`${s.bridge.url}/health`, { method: 'GET' });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ok',
      requests: 2,
      spansReceived: 1,
      spansRejected: 0,
      throttled: 0,
      unavailable: 0,
      refused: 1,
      activeRequests: 0,
      exporter: { spansReceived: 1, runsDelivered: 1, heldRuns: 0, queuedRuns: 0, inFlightRequests: 0 },
    });
    const head = await rawRequest(`${s.bridge.url}/health`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it('needs no secret, and reveals none', async () => {
    const s = await start({ sharedSecret: 'hidden-secret', apiKey: undefined, env: { LANGSMITH_API_KEY: 'lsv2_test_bridge_0123456789' } });
    const res = await rawRequest(`${s.bridge.url}/health`, { method: 'GET' });
    expect(res.status).toBe(200);
    expect(res.body.toString()).not.toMatch(/hidden-secret|lsv2_/);
  });
});

describe('close()', () => {
  it('finishes requests in progress, refuses new ones, then shuts the exporter down', async () => {
    const s = await start();
    s.server.faults.inject({ delayMs: 300 });
    const inFlight = postJson(s, oneSpan());
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = s.bridge.close();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    await closed;
    expect(s.server.runs()).toHaveLength(1);
    await expect(postJson(s, oneSpan())).rejects.toThrow(/ECONNREFUSED/);
    const result = await new Promise<{ code: ExportResultCode }>((resolve) => s.bridge.exporter.export([], resolve));
    expect(result.code).toBe(ExportResultCode.FAILED); // shut down
    await s.bridge.close(); // idempotent
  });

  it('answers 503 to a request arriving on an open connection while draining', async () => {
    const s = await start({ drainTimeoutMillis: 2000 });
    s.server.faults.inject({ delayMs: 300 });
    const socket = connect(s.bridge.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const body = JSON.stringify(oneSpan());
    const post = `POST /v1/traces HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    socket.write(post); // delivery takes 300 ms
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = s.bridge.close();
    socket.write(post.replace(/"one"/, '"two"')); // the same connection, after close() began
    await closed;
    await new Promise((resolve) => (socket.closed ? resolve(undefined) : socket.once('close', resolve)));
    const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
    expect(statuses).toEqual([200, 503]);
    expect(received).toMatch(/the bridge is shutting down/);
    expect(s.server.runs().map((r) => r.name)).toEqual(['one']);
  });

  it('gives up on requests still in progress after drainTimeoutMillis', async () => {
    const s = await start({ drainTimeoutMillis: 100, shutdownTimeoutMillis: 100 });
    s.server.faults.inject({ hang: true });
    const stuck = postJson(s, oneSpan()).then(
      (res) => res.status,
      () => 'connection closed',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await s.bridge.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await stuck).toBe('connection closed');
  });
});

describe('judging the exporter’s result', () => {
  const failed = (counts: { rejected?: number; failed?: number; spooled?: number }, timedOut = false) => ({
    code: ExportResultCode.FAILED,
    error: new LangSmithExportError('LangSmith export failed', { rejected: 0, failed: 0, spooled: 0, ...counts }, timedOut, 0),
  });

  it('counts as refused for good only when every failure is a 4xx rejection', () => {
    expect(judgeExport({ code: ExportResultCode.SUCCESS })).toEqual({ kind: 'delivered' });
    expect(judgeExport(failed({ rejected: 5 }))).toMatchObject({ kind: 'rejected', runs: 5 });
  });

  it.each([
    ['a transient failure', failed({ failed: 1 })],
    ['a deadline', failed({ rejected: 1 }, true)],
    ['a mix', failed({ rejected: 1, failed: 1 })],
    ['a spooled run', failed({ spooled: 1 })],
    ['an unknown error', { code: ExportResultCode.FAILED, error: new Error('LangSmithSpanExporter is shut down') }],
  ])('treats %s as transient (resend)', (_what, result) => {
    expect(judgeExport(result).kind).toBe('transient');
  });
});

describe('protobuf responses', () => {
  it('carry partial success as ExportTraceServiceResponse', async () => {
    const s = await start();
    // resource_spans { scope_spans { spans { trace_id: 16 zero bytes, span_id: 8 bytes, name: "z" } } }
    const span = Buffer.concat([
      Buffer.from([0x0a, 16]), Buffer.alloc(16),
      Buffer.from([0x12, 8]), Buffer.from('0102030405060708', 'hex'),
      Buffer.from([0x2a, 1]), Buffer.from('z'),
    ]);
    const scopeSpans = Buffer.concat([Buffer.from([0x12, span.length]), span]);
    const resourceSpans = Buffer.concat([Buffer.from([0x12, scopeSpans.length]), scopeSpans]);
    const body = Buffer.concat([Buffer.from([0x0a, resourceSpans.length]), resourceSpans]);
    const res = await rawRequest(s.traces, { headers: { 'content-type': 'application/x-protobuf' }, body });
    expect(res.status).toBe(200);
    expect(ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(res.body), { longs: Number })).toEqual({
      partialSuccess: { rejectedSpans: 1, errorMessage: `1 spans rejected: span "z": invalid trace id "${'0'.repeat(32)}"` },
    });
  });
});
