// OTLP logs in the bridge: GenAI log records (sent by the official OTel JS log exporters over
// OTLP/HTTP protobuf, OTLP/HTTP JSON and OTLP/gRPC) join their span's run, in either arrival
// order, within bounded waits driven by an injected clock; what cannot join is counted.
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bridge, BridgeOptions } from 'otel-langsmith/bridge';
import { startBridgeWithInternals } from '../../src/bridge/start-bridge.js';
import { startLocalServer, type LocalServer, type StoredRun } from 'otel-langsmith/testing';
import { decodeProtobufLogsRequest } from '../../src/bridge/decode-protobuf.js';
import { ExportLogsServiceResponse } from '../../src/bridge/otlp-schema.js';
import { jsonRequest, jsonSpan, rawRequest, runIdOf, spanId, TEST_KEY, TRACE_ID } from '../helpers/bridge-harness.js';
import { genAiSpan, logProducer, ManualClock, type LogTransport } from '../helpers/bridge-logs.js';
import { until } from '../helpers/wait.js';

interface LogStack {
  server: LocalServer;
  bridge: Bridge;
  clock: ManualClock;
  postSpans(spans: unknown[]): Promise<number>;
  run(spanIdHex: string): StoredRun | undefined;
  close(): Promise<void>;
}

const open: LogStack[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((stack) => stack.close()));
});

async function logStack(options: BridgeOptions = {}): Promise<LogStack> {
  const server = await startLocalServer({ apiKey: TEST_KEY });
  const clock = new ManualClock();
  const bridge = await startBridgeWithInternals(
    { port: 0, endpoint: server.url, apiKey: TEST_KEY, projectName: 'bridge-logs', env: {}, retry: { initialBackoffMillis: 10, maxBackoffMillis: 50 }, ...options },
    { logJoinClock: clock },
  );
  const stack: LogStack = {
    server,
    bridge,
    clock,
    async postSpans(spans) {
      const res = await rawRequest(`${bridge.url}/v1/traces`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(jsonRequest(spans)) });
      return res.status;
    },
    run: (id) => server.runs().find((run) => run.id === runIdOf(id)),
    async close() {
      await bridge.close();
      await server.close();
    },
  };
  open.push(stack);
  return stack;
}

const USER = 'What is the weather in Paris?';
const ANSWER = 'Sunny, 21 °C.';

/** The records of a chat call as the GenAI event conventions (1.28–1.36) put them in log records. */
async function emitChat(producer: ReturnType<typeof logProducer>, id: string): Promise<void> {
  await producer.emit(id, 'gen_ai.system.message', { content: 'You are terse.' }, { 'gen_ai.system': 'openai' });
  await producer.emit(id, 'gen_ai.user.message', { content: USER }, { 'gen_ai.system': 'openai' });
  await producer.emit(id, 'gen_ai.choice', { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: ANSWER } }, { 'gen_ai.system': 'openai' });
}

function expectChatRendered(run: StoredRun | undefined): void {
  expect(run).toBeDefined();
  const inputs = run!.inputs as { messages?: Array<{ role?: string; content?: unknown }> };
  expect(inputs.messages?.map((m) => [m.role, m.content])).toEqual([
    ['system', 'You are terse.'],
    ['user', USER],
  ]);
  expect(JSON.stringify(run!.outputs)).toContain(ANSWER);
}

describe.each<LogTransport>(['protobuf', 'json', 'grpc'])('GenAI log records over %s', (transport) => {
  it('join a span that arrives after them (no wait needed once they are there)', async () => {
    const s = await logStack();
    const producer = logProducer(transport, s.bridge);
    const id = spanId();
    await emitChat(producer, id);
    expect(s.bridge.stats().logs).toMatchObject({ received: 3, waitingRecords: 3, joined: 0 });
    expect(s.bridge.stats().logRequests).toBe(3);
    if (transport === 'grpc') expect(s.bridge.stats().grpcRequests).toBe(3);

    const answered = s.postSpans([genAiSpan(id)]);
    // Logs flow, so the GenAI span waits its bounded time for more records…
    await until(() => s.bridge.stats().logs.heldSpans === 1);
    s.clock.advance(2000);
    expect(await answered).toBe(200);
    await s.server.waitForRuns(1);
    expectChatRendered(s.run(id));
    expect(s.bridge.stats().logs).toMatchObject({ joined: 3, waitingRecords: 0, late: 0, unjoined: 0, spansWaited: 1 });
    await producer.shutdown();
  });

  it('join a span that arrived first and is waiting for them', async () => {
    const s = await logStack();
    const producer = logProducer(transport, s.bridge);
    // Logs have been flowing (an earlier call's record), so GenAI spans wait.
    const earlier = spanId();
    await producer.emit(earlier, 'gen_ai.user.message', { content: 'earlier' });
    const id = spanId();
    const answered = s.postSpans([genAiSpan(id)]);
    await until(() => s.bridge.stats().logs.heldSpans === 1);
    await emitChat(producer, id);
    s.clock.advance(2000);
    expect(await answered).toBe(200);
    await s.server.waitForRuns(1);
    expectChatRendered(s.run(id));
    expect(s.bridge.stats().logs).toMatchObject({ joined: 3, waitingRecords: 1 });
    await producer.shutdown();
  });
});

describe('the wait bounds', () => {
  it('spans never wait while no GenAI log records arrived: no timer, no added latency', async () => {
    const s = await logStack();
    const id = spanId();
    // The clock never advances: the answer comes without any timer firing.
    expect(await s.postSpans([genAiSpan(id)])).toBe(200);
    expect(s.clock.pending).toBe(0);
    expect(s.bridge.stats().logs.spansWaited).toBe(0);
  });

  it('only GenAI spans wait, only while logs flowed in the last 10 minutes, and not with logWaitMillis 0', async () => {
    const s = await logStack();
    const producer = logProducer('protobuf', s.bridge);
    await producer.emit(spanId(), 'gen_ai.user.message', { content: 'x' });
    // A span without gen_ai.* attributes does not wait.
    expect(await s.postSpans([jsonSpan({ spanId: spanId(), name: 'plain' })])).toBe(200);
    expect(s.bridge.stats().logs.spansWaited).toBe(0);
    // Ten minutes without GenAI log records: GenAI spans stop waiting. (The waiting record expires meanwhile.)
    s.clock.advance(10 * 60_000);
    expect(await s.postSpans([genAiSpan(spanId())])).toBe(200);
    expect(s.bridge.stats().logs.spansWaited).toBe(0);
    await producer.shutdown();

    const never = await logStack({ logWaitMillis: 0 });
    const producer2 = logProducer('protobuf', never.bridge);
    await producer2.emit(spanId(), 'gen_ai.user.message', { content: 'x' });
    expect(await never.postSpans([genAiSpan(spanId())])).toBe(200);
    expect(never.bridge.stats().logs.spansWaited).toBe(0);
    await producer2.shutdown();
  });

  it('a record waits at most logRecordWaitMillis for its span, then is counted unjoined (the span comes without it)', async () => {
    const s = await logStack({ logRecordWaitMillis: 5000 });
    const producer = logProducer('json', s.bridge);
    const id = spanId();
    await producer.emit(id, 'gen_ai.user.message', { content: USER });
    s.clock.advance(4999);
    expect(s.bridge.stats().logs).toMatchObject({ waitingRecords: 1, unjoined: 0 });
    s.clock.advance(1);
    expect(s.bridge.stats().logs).toMatchObject({ waitingRecords: 0, waitingBytes: 0, unjoined: 1 });
    // Logs flowed, so the span waits; nothing is there for it any more.
    const answered = s.postSpans([genAiSpan(id)]);
    await until(() => s.bridge.stats().logs.heldSpans === 1);
    s.clock.advance(2000);
    expect(await answered).toBe(200);
    await s.server.waitForRuns(1);
    expect(JSON.stringify(s.run(id)!.inputs)).not.toContain(USER);
    await producer.shutdown();
  });

  it('past maxWaitingLogRecords the records waiting longest are dropped and counted', async () => {
    const s = await logStack({ maxWaitingLogRecords: 2 });
    const producer = logProducer('protobuf', s.bridge);
    const [a, b, c] = [spanId(), spanId(), spanId()];
    await producer.emit(a, 'gen_ai.user.message', { content: 'a' });
    await producer.emit(b, 'gen_ai.user.message', { content: 'b' });
    await producer.emit(c, 'gen_ai.user.message', { content: 'c' });
    expect(s.bridge.stats().logs).toMatchObject({ waitingRecords: 2, unjoined: 1 });
    const answered = s.postSpans([genAiSpan(a), genAiSpan(b)]);
    await until(() => s.bridge.stats().logs.heldSpans === 2);
    s.clock.advance(2000);
    expect(await answered).toBe(200);
    await s.server.waitForRuns(2);
    expect(JSON.stringify(s.run(a)!.inputs)).not.toContain('"a"');
    expect(JSON.stringify(s.run(b)!.inputs)).toContain('"b"');
    await producer.shutdown();
  });

  it('past maxWaitingLogBytes too', async () => {
    const s = await logStack({ maxWaitingLogBytes: 1000 });
    const producer = logProducer('protobuf', s.bridge);
    await producer.emit(spanId(), 'gen_ai.user.message', { content: 'x'.repeat(300) });
    await producer.emit(spanId(), 'gen_ai.user.message', { content: 'y'.repeat(300) });
    expect(s.bridge.stats().logs).toMatchObject({ waitingRecords: 1, unjoined: 1 });
    expect(s.bridge.stats().logs.waitingBytes).toBeLessThanOrEqual(1000);
    await producer.shutdown();
  });

  it('a record whose GenAI span was sent before any log records flowed is counted late at once, not left waiting', async () => {
    const s = await logStack();
    const id = spanId();
    expect(await s.postSpans([genAiSpan(id)])).toBe(200); // no logs yet: the span does not wait
    const producer = logProducer('protobuf', s.bridge);
    await producer.emit(id, 'gen_ai.choice', { index: 0, message: { role: 'assistant', content: ANSWER } });
    expect(s.bridge.stats().logs).toMatchObject({ late: 1, joined: 0, waitingRecords: 0 });
    await producer.shutdown();
  });

  it('a record arriving after its span was sent is counted late, never patched in', async () => {
    const s = await logStack();
    const producer = logProducer('protobuf', s.bridge);
    await producer.emit(spanId(), 'gen_ai.user.message', { content: 'logs flow' });
    const id = spanId();
    const answered = s.postSpans([genAiSpan(id)]);
    await until(() => s.bridge.stats().logs.heldSpans === 1);
    s.clock.advance(2000);
    expect(await answered).toBe(200);
    await producer.emit(id, 'gen_ai.choice', { index: 0, message: { role: 'assistant', content: ANSWER } });
    expect(s.bridge.stats().logs).toMatchObject({ late: 1, joined: 0 });
    await s.server.waitForRuns(1);
    expect(JSON.stringify(s.run(id)!.outputs ?? {})).not.toContain(ANSWER);
    await producer.shutdown();
  });

  it('spans held for their records count as pending work: past maxPendingRuns, 429 with Retry-After', async () => {
    const s = await logStack({ maxPendingRuns: 1 });
    const producer = logProducer('protobuf', s.bridge);
    await producer.emit(spanId(), 'gen_ai.user.message', { content: 'logs flow' });
    const answered = s.postSpans([genAiSpan(spanId()), genAiSpan(spanId())]);
    await until(() => s.bridge.stats().logs.heldSpans === 2);
    const busy = await rawRequest(`${s.bridge.url}/v1/traces`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(jsonRequest([jsonSpan({ spanId: spanId(), name: 'plain' })])) });
    expect(busy.status).toBe(429);
    expect(busy.headers['retry-after']).toBe('2');
    s.clock.advance(2000);
    expect(await answered).toBe(200);
    await producer.shutdown();
  });

  it('close ends the waits at once and counts records still waiting (no data directory)', async () => {
    const s = await logStack();
    const producer = logProducer('protobuf', s.bridge);
    const id = spanId();
    await producer.emit(id, 'gen_ai.user.message', { content: USER });
    await producer.emit(spanId(), 'gen_ai.user.message', { content: 'never joined' });
    const answered = s.postSpans([genAiSpan(id)]);
    await until(() => s.bridge.stats().logs.heldSpans === 1);
    const closing = s.bridge.close();
    expect(await answered).toBe(200);
    await closing;
    expect(s.server.runs().find((run) => run.id === runIdOf(id))).toBeDefined();
    expect(s.bridge.stats().logs).toMatchObject({ joined: 1, unjoined: 1 });
    await producer.shutdown();
  });
});

describe('which records join, and bad input', () => {
  it('counts records that are not GenAI events, or have no span, without rejecting them; reads event.name of older producers', async () => {
    const s = await logStack();
    const producer = logProducer('json', s.bridge);
    await producer.emit(spanId(), undefined, 'an application log line');
    await producer.emit(spanId(), 'app.started', { ok: true });
    // event.name attribute (before EventName) joins like EventName.
    const id = spanId();
    await producer.emit(id, undefined, { content: USER }, { 'event.name': 'gen_ai.user.message' });
    // No span context: a GenAI record with nowhere to go.
    const res = await rawRequest(`${s.bridge.url}/v1/logs`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ eventName: 'gen_ai.user.message', body: { kvlistValue: { values: [] } } }] }] }] }),
    });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({});
    expect(s.bridge.stats().logs).toMatchObject({ received: 4, ignored: 2, withoutSpan: 1, waitingRecords: 1 });
    const answered = s.postSpans([genAiSpan(id)]);
    await until(() => s.bridge.stats().logs.heldSpans === 1);
    s.clock.advance(2000);
    expect(await answered).toBe(200);
    await s.server.waitForRuns(1);
    expect(JSON.stringify(s.run(id)!.inputs)).toContain(USER);
    await producer.shutdown();
  });

  it('answers 400 for undecodable bodies, partial success for invalid records, 413 over maxSpansPerRequest, 405, 401', async () => {
    const s = await logStack({ maxSpansPerRequest: 2, sharedSecret: 'shh' });
    const auth = { authorization: 'Bearer shh' };
    const post = (body: string | Buffer, type = 'application/json', headers: Record<string, string> = auth) =>
      rawRequest(`${s.bridge.url}/v1/logs`, { headers: { 'content-type': type, ...headers }, body });

    expect((await post('{not json')).status).toBe(400);
    expect((await post(Buffer.from([0x0a, 0xff, 0xff]), 'application/x-protobuf')).status).toBe(400);
    expect((await post('{}', 'application/json', {})).status).toBe(401);
    expect((await rawRequest(`${s.bridge.url}/v1/logs`, { method: 'GET' })).status).toBe(405);

    const record = (extra: Record<string, unknown>) => ({ eventName: 'gen_ai.user.message', traceId: TRACE_ID, spanId: spanId(), ...extra });
    const partial = await post(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [record({ spanId: 'abc' }), record({ timeUnixNano: 'soon' })] }] }] }));
    expect(partial.status).toBe(200);
    const body = partial.json() as { partialSuccess: { rejectedLogRecords: string; errorMessage: string } };
    expect(body.partialSuccess.rejectedLogRecords).toBe('2');
    expect(body.partialSuccess.errorMessage).toContain('spanId must be 16 hex digits');
    expect(body.partialSuccess.errorMessage).toContain('timeUnixNano');

    const many = await post(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [record({}), record({}), record({})] }] }] }));
    expect(many.status).toBe(413);
    expect(s.bridge.stats().logs.received).toBe(2);
  });

  it('over gRPC: INVALID_ARGUMENT for an undecodable message, UNAUTHENTICATED without the secret, OK with partial_success for invalid records', async () => {
    const s = await logStack({ sharedSecret: 'shh' });
    const client = new Client(s.bridge.grpcUrl!.replace('http://', ''), credentials.createInsecure());
    const call = (body: Buffer, secret = true) =>
      new Promise<{ code: GrpcStatus; response?: Buffer }>((resolve) => {
        const metadata = new Metadata();
        if (secret) metadata.set('authorization', 'Bearer shh');
        client.makeUnaryRequest<Buffer, Buffer>(
          '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
          (b) => b,
          (b) => b,
          body,
          metadata,
          (error: ServiceError | null, response?: Buffer) => resolve(error ? { code: error.code } : { code: GrpcStatus.OK, response: response! }),
        );
      });
    try {
      expect((await call(Buffer.from([0x0a, 0xff, 0xff]))).code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect((await call(Buffer.alloc(0), false)).code).toBe(GrpcStatus.UNAUTHENTICATED);
      const partial = await call(Buffer.from([0x0a, 0x0b, 0x12, 0x09, 0x12, 0x07, 0x52, 0x03, 0x01, 0x02, 0x03, 0x62, 0x00]));
      expect(partial.code).toBe(GrpcStatus.OK);
      expect(ExportLogsServiceResponse.toObject(ExportLogsServiceResponse.decode(partial.response!), { longs: Number })).toMatchObject({ partialSuccess: { rejectedLogRecords: 1 } });
      expect(s.bridge.stats()).toMatchObject({ logRequests: 3, grpcRequests: 3 });
    } finally {
      client.close();
    }
  });

  it('answers partial success in protobuf as an ExportLogsServiceResponse', async () => {
    const s = await logStack();
    const bytes = Buffer.from(
      // A hand-built ExportLogsServiceRequest: one record with a 3-byte span id.
      [0x0a, 0x0b, 0x12, 0x09, 0x12, 0x07, 0x52, 0x03, 0x01, 0x02, 0x03, 0x62, 0x00],
    );
    expect(() => decodeProtobufLogsRequest(bytes)).not.toThrow();
    const res = await rawRequest(`${s.bridge.url}/v1/logs`, { headers: { 'content-type': 'application/x-protobuf' }, body: bytes });
    expect(res.status).toBe(200);
    const decoded = ExportLogsServiceResponse.toObject(ExportLogsServiceResponse.decode(res.body), { longs: Number }) as {
      partialSuccess: { rejectedLogRecords: number; errorMessage: string };
    };
    expect(decoded.partialSuccess.rejectedLogRecords).toBe(1);
  });
});
