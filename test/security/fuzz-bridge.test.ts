// Fuzzing the OTLP/HTTP bridge with hostile bodies, encodings and clients: it always answers with
// a proper status, never crashes or hangs a well-behaved request, never lets a bad request into
// LangSmith, and valid spans still get through afterwards.
import { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportTraceServiceRequest, ExportTraceServiceResponse, RpcStatus } from '../../src/bridge/otlp-schema.js';
import { captureDiag } from '../helpers/exporter.js';
import { jsonRequest, jsonSpan, rawRequest, runIdOf, spanId, startStack, TRACE_ID, type RawResponse, type Stack } from '../helpers/bridge-harness.js';
import { until } from '../helpers/wait.js';

// FC_SEED=<n> replays one seed: a failing run whose shrinking outlasts the test timeout prints none.
if (process.env.FC_SEED) fc.configureGlobal({ seed: Number(process.env.FC_SEED) });

const MAX_BODY_BYTES = 256 * 1024;
const MAX_DECOMPRESSED_BYTES = 1024 * 1024;

let stack: Stack;
let diagLines: ReturnType<typeof captureDiag>;
beforeAll(async () => {
  diagLines = captureDiag();
  stack = await startStack({
    maxBodyBytes: MAX_BODY_BYTES,
    maxDecompressedBytes: MAX_DECOMPRESSED_BYTES,
    // Children of parents that never come go out as roots soon, not after 30 s.
    orphanTimeoutMillis: 200,
    // A hook that writes into the run, as redaction hooks do: if a run field ever aliased a
    // shared prototype, this would pollute it, and expectNoPollution() would see it.
    transformRun: (run) => {
      (run.inputs as Record<string, unknown>)[MARK] = true;
      if (run.outputs) (run.outputs as Record<string, unknown>)[MARK] = true;
      return run;
    },
    drainTimeoutMillis: 2000,
    shutdownTimeoutMillis: 2000,
  });
});
afterAll(async () => {
  await stack.close();
  diagLines.restore();
});

const MARK = 'fuzz.seen';
const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype];

/** Checks (and undoes, so later tests are unaffected) a write through a shared prototype. */
function expectNoPollution(): void {
  const polluted = PROTOTYPES.filter((p) => Object.hasOwn(p, MARK));
  for (const p of polluted) delete (p as unknown as Record<string, unknown>)[MARK];
  expect(polluted, 'a run field aliased a shared prototype').toEqual([]);
}
const snapshotPrototypes = () => PROTOTYPES.map((p) => Object.getOwnPropertyNames(p).sort().join());

/** Where the shared server's request log and the diag log stood when a test began: each test judges only its own. */
function mark() {
  return { requests: stack.server.requests().length, diag: diagLines.lines.length };
}

/** Every request the strict server answered since `since`: the bridge may never make it refuse a run (409: a replay, fine). */
function expectServerAcceptedEverything(since: ReturnType<typeof mark>): void {
  const refused = stack.server.requests().slice(since.requests).filter((r) => r.path === '/runs' && r.status !== 200 && r.status !== 409);
  expect(refused.map((r) => `${r.status} ${r.detail}`)).toEqual([]);
}

/** No diag line since `since` says the bridge or the exporter hit an unexpected error. */
function expectNoUnexpectedErrors(since: ReturnType<typeof mark>): void {
  const lines = diagLines.lines.slice(since.diag).filter((l) => /unexpected error/.test(l.text));
  expect(lines.map((l) => l.text.slice(0, 300))).toEqual([]);
}

/** The bridge still works: a fresh valid span is delivered. */
async function expectStillDelivers(): Promise<void> {
  const id = spanId();
  const res = await rawRequest(stack.traces, {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(jsonRequest([jsonSpan({ spanId: id, name: 'still alive' })])),
  });
  expect(res.status).toBe(200);
  expect(stack.server.run(runIdOf(id))?.name).toBe('still alive');
}

/** A proper OTLP answer: the status is one the spec allows and the body decodes in the request's encoding. */
function expectProperAnswer(res: RawResponse, format: 'json' | 'protobuf', allowed: number[]): void {
  expect(allowed, `status ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`).toContain(res.status);
  if (format === 'json') {
    expect(res.headers['content-type']).toBe('application/json');
    const body = res.json() as Record<string, unknown>;
    if (res.status === 200) {
      const partial = body.partialSuccess as { rejectedSpans: string; errorMessage: string } | undefined;
      if (partial) expect(partial.rejectedSpans).toMatch(/^\d+$/);
      else expect(body).toEqual({});
    } else {
      expect(typeof body.message).toBe('string');
    }
  } else {
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    if (res.status === 200) ExportTraceServiceResponse.decode(res.body);
    else expect(typeof RpcStatus.toObject(RpcStatus.decode(res.body)).message).toBe('string');
  }
}

/* ------------------------------------------------------------------------------------------ */
/* OTLP/JSON: valid-ish structures with random values, wrong types, huge numbers, missing fields */
/* ------------------------------------------------------------------------------------------ */

const POISON = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];

/** Any JSON value, for where a sender puts the wrong type. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 32, 2 ** 64, '', 'x', [], {}, '__proto__', 'NaN', '1e999', 'SPAN_KIND_BOGUS'),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Half the time right, otherwise anything. */
const orJunk = <T>(good: fc.Arbitrary<T>, weight = 4): fc.Arbitrary<unknown> => fc.oneof({ weight, arbitrary: good }, { weight: 1, arbitrary: junk });

const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: length, maxLength: length });
const idValue = (bytes: number) =>
  fc.oneof(
    { weight: 6, arbitrary: hex(bytes * 2).map((h) => h.toLowerCase()) },
    { weight: 1, arbitrary: fc.constant('0'.repeat(bytes * 2)) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('base64')) },
    { weight: 1, arbitrary: fc.oneof(hex(bytes * 2 - 2), hex(bytes * 2 + 2), fc.string({ maxLength: 40 })) },
  );

/** Unix nanoseconds: mostly now-ish, sometimes at the ends of uint64, with odds 1 in `odds` not a valid uint64 at all. */
function nanosArb(odds: number) {
  return fc.oneof(
    { weight: odds, arbitrary: fc.bigInt({ min: 1_700_000_000_000_000_000n, max: 1_800_000_000_000_000_000n }).map(String) },
    { weight: 1 + Math.floor(odds / 10), arbitrary: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String), fc.constantFrom<unknown>('0', '18446744073709551615', ' 12 ', 2 ** 53 + 1)) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>('18446744073709551616', '-1', '1e18', 'abc', 1.7e18, 1e30, -5) },
  );
}

const LONE = ['\uD800', '\uDFFF', 'a\uD83D'];
const deepJsonString = fc
  .tuple(fc.integer({ min: 1, max: 20_000 }), fc.boolean())
  .map(([depth, object]) => (object ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) : '['.repeat(depth) + ']'.repeat(depth)));
const stringValue = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(...LONE, ...POISON, '{"__proto__":{"polluted":true}}', "{'a': True}") },
  { weight: 1, arbitrary: deepJsonString },
);

/** An OTLP AnyValue; with odds 1 in `odds` a part of it has the wrong type. */
function anyValueArb(odds: number): fc.Arbitrary<unknown> {
  const j = <T>(good: fc.Arbitrary<T>) => orJunk(good, odds);
  return fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 5, arbitrary: fc.record({ stringValue: j(stringValue) }) },
      { weight: 2, arbitrary: fc.record({ boolValue: j(fc.boolean()) }) },
      {
        weight: 2,
        arbitrary: fc.record({
          intValue: j(fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String), fc.integer(), fc.constantFrom('9223372036854775807', '-9223372036854775808'))),
        }),
      },
      { weight: 2, arbitrary: fc.record({ doubleValue: fc.oneof(fc.double().filter(Number.isFinite), fc.constantFrom<unknown>('NaN', 'Infinity', '-Infinity', '1.5', ...POISON)) }) },
      { weight: 1, arbitrary: fc.record({ bytesValue: j(fc.base64String({ maxLength: 12 })) }) },
      { weight: 1, arbitrary: fc.record({ arrayValue: fc.record({ values: fc.array(tie('value'), { maxLength: 4 }) }) }) },
      {
        weight: 1,
        arbitrary: fc.record({
          kvlistValue: fc.record({ values: fc.array(fc.record({ key: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom(...POISON)), value: tie('value') }), { maxLength: 4 }) }),
        }),
      },
      { weight: 1, arbitrary: fc.constantFrom<unknown>({}, { stringValue: null }, { unknownValue: 1 }) },
    ),
  })).value;
}

const KEYS = [
  'openinference.span.kind', 'input.value', 'output.value', 'llm.input_messages.0.message.content', 'llm.input_messages.0.message.role',
  'llm.input_messages.__proto__.message.role', 'gen_ai.operation.name', 'gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.usage.input_tokens',
  'ai.operationId', 'ai.prompt.messages', 'traceloop.entity.input', 'langsmith.span.kind', 'langsmith.metadata.__proto__', 'http.request.method',
  'url.full', 'http.url', 'server.address', 'service.name', 'langsmith.trace.session_name',
];
const KEY_VALUES: Record<string, fc.Arbitrary<unknown>> = {
  'openinference.span.kind': fc.constantFrom('LLM', 'CHAIN', 'TOOL', 'RETRIEVER').map((stringValue) => ({ stringValue })),
  'gen_ai.operation.name': fc.constantFrom('chat', 'execute_tool', ...POISON).map((stringValue) => ({ stringValue })),
  'ai.operationId': fc.constantFrom('ai.generateText.doGenerate', 'ai.toolCall').map((stringValue) => ({ stringValue })),
  'http.request.method': fc.constantFrom('GET', 'POST').map((stringValue) => ({ stringValue })),
};

/** A request body where each field is wrong with odds 1 in `odds` (most requests nearly valid, some riddled with junk). */
function jsonBodyArb(odds: number) {
  const j = <T>(good: fc.Arbitrary<T>) => orJunk(good, odds);
  const anyValue = anyValueArb(odds);
  const nanos = nanosArb(odds);
  const keyValue = fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 10 }), fc.constantFrom(...POISON)).chain((key) =>
    fc.record({ key: j(fc.constant(key)), value: j(fc.oneof(Object.hasOwn(KEY_VALUES, key) ? KEY_VALUES[key]! : anyValue, anyValue)) }, { requiredKeys: ['key'] }),
  );
  const attributes = j(fc.array(keyValue, { maxLength: 8 }));
  const span = fc.record(
    {
      traceId: j(fc.oneof({ weight: 8, arbitrary: fc.constant(TRACE_ID) }, { weight: 2, arbitrary: idValue(16) })),
      spanId: j(fc.oneof({ weight: 4, arbitrary: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString('hex')) }, { weight: 1, arbitrary: idValue(8) })),
      parentSpanId: j(fc.oneof(idValue(8), fc.constant(''))),
      name: j(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('GET', ...LONE))),
      kind: j(fc.oneof(fc.integer({ min: -1, max: 7 }), fc.constantFrom('SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', String(2 ** 40)))),
      startTimeUnixNano: nanos,
      endTimeUnixNano: nanos,
      attributes,
      droppedAttributesCount: j(fc.oneof(fc.nat(), fc.constantFrom(2 ** 32 - 1, '7'))),
      events: j(fc.array(fc.record({ timeUnixNano: nanos, name: j(fc.constantFrom('exception', 'gen_ai.user.message', 'gen_ai.choice', 'x', ...POISON)), attributes }, { requiredKeys: [] }), { maxLength: 3 })),
      links: j(fc.array(fc.record({ traceId: idValue(16), spanId: idValue(8), traceState: j(fc.constantFrom('a=b', 'bad state,,=', '')), attributes }, { requiredKeys: [] }), { maxLength: 2 })),
      status: j(fc.record({ code: j(fc.constantFrom<unknown>(0, 1, 2, 'STATUS_CODE_ERROR', 9)), message: j(fc.string({ maxLength: 10 })) }, { requiredKeys: [] })),
      flags: j(fc.oneof(fc.nat({ max: 0x3ff }), fc.constant(2 ** 32 - 1))),
      traceState: j(fc.constantFrom('a=b', 'not a trace state', '')),
    },
    { requiredKeys: ['spanId', 'traceId'] },
  );
  const scopeSpans = fc.record({ scope: j(fc.record({ name: j(fc.string()), version: j(fc.string()) }, { requiredKeys: [] })), spans: j(fc.array(j(span), { maxLength: 5 })) }, { requiredKeys: ['spans'] });
  const resourceSpans = fc.record({ resource: j(fc.record({ attributes }, { requiredKeys: [] })), scopeSpans: j(fc.array(j(scopeSpans), { maxLength: 2 })) }, { requiredKeys: ['scopeSpans'] });
  return fc.record({ resourceSpans: j(fc.array(j(resourceSpans), { maxLength: 2 })) }, { requiredKeys: ['resourceSpans'] });
}

/** Counters the bridge and its exporter keep, to see where the spans of one request went. */
function counts() {
  const stats = stack.bridge.stats();
  return {
    received: stats.spansReceived,
    rejected: stats.spansRejected,
    exporterReceived: stats.exporter.spansReceived,
    unmappable: stats.exporter.spansUnmappable,
    refusedByLangSmith: stats.exporter.runsRejected,
  };
}

/** After a 200: no run was refused by the (strict) server, and every span not reported invalid reached the exporter. */
function expectAllHandedOver(was: ReturnType<typeof counts>, res: RawResponse): void {
  const now = counts();
  expect(now.refusedByLangSmith - was.refusedByLangSmith, res.body.toString('utf8').slice(0, 500)).toBe(0);
  expect(now.exporterReceived - was.exporterReceived, 'spans handed to the exporter').toBe(now.received - was.received - (now.rejected - was.rejected));
  expect(now.unmappable).toBe(was.unmappable);
}

describe('fuzz: OTLP/JSON bodies', () => {
  it('always answers 200 or 400 in JSON, hands every span it accepts to the exporter, and never lets LangSmith see a bad run', async () => {
    const before = snapshotPrototypes();
    const since = mark();
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 6, arbitrary: jsonBodyArb(200) }, { weight: 3, arbitrary: jsonBodyArb(8) }, { weight: 1, arbitrary: junk }), fc.boolean(), async (payload, zipped) => {
        const text = JSON.stringify(payload);
        const was = counts();
        const res = await rawRequest(stack.traces, {
          headers: { 'content-type': 'application/json', ...(zipped ? { 'content-encoding': 'gzip' } : {}) },
          body: zipped ? gzipSync(text) : text,
        });
        expectProperAnswer(res, 'json', Buffer.byteLength(text) > MAX_BODY_BYTES && !zipped ? [413] : [200, 400, 413]);
        if (res.status === 200) expectAllHandedOver(was, res);
        expectNoPollution();
      }),
      { numRuns: Number(process.env.FUZZ_RUNS_BRIDGE ?? 250) },
    );
    await stack.bridge.exporter.forceFlush();
    await new Promise((resolve) => setTimeout(resolve, 300)); // held children go out as roots
    await stack.bridge.exporter.forceFlush();
    expectServerAcceptedEverything(since);
    expect(snapshotPrototypes()).toEqual(before);
    expectNoUnexpectedErrors(since);
    await expectStillDelivers();
  });
});

/* ------------------------------------------------------------------------------------------ */
/* Protobuf: random bytes, truncated and corrupted valid requests                              */
/* ------------------------------------------------------------------------------------------ */

const pbAnyValue: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{ value: Record<string, unknown> }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ stringValue: stringValue }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({ intValue: fc.integer() }),
    fc.record({ doubleValue: fc.double() }),
    fc.record({ bytesValue: fc.uint8Array({ maxLength: 8 }) }),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie('value'), { maxLength: 3 }) }) }),
    fc.record({ kvlistValue: fc.record({ values: fc.array(fc.record({ key: fc.oneof(fc.string({ maxLength: 5 }), fc.constantFrom(...POISON)), value: tie('value') }), { maxLength: 3 }) }) }),
  ),
})).value;

const pbSpan = fc.record({
  traceId: fc.oneof({ weight: 8, arbitrary: fc.constant(Buffer.from(TRACE_ID, 'hex')) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)) }),
  spanId: fc.oneof({ weight: 8, arbitrary: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b)) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 10 }).map((b) => Buffer.from(b)) }),
  parentSpanId: fc.oneof(fc.constant(Buffer.alloc(0)), fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b))),
  name: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom(...LONE)),
  kind: fc.integer({ min: 0, max: 7 }),
  startTimeUnixNano: fc.oneof(fc.integer({ min: 1_700_000_000, max: 1_800_000_000 }).map((s) => `${s}000000000`), fc.constantFrom('0', '18446744073709551615')),
  endTimeUnixNano: fc.oneof(fc.integer({ min: 1_700_000_000, max: 1_800_000_000 }).map((s) => `${s}000000000`), fc.constantFrom('0', '18446744073709551615')),
  attributes: fc.array(fc.record({ key: fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 })), value: pbAnyValue }), { maxLength: 6 }),
  events: fc.array(fc.record({ name: fc.constantFrom('exception', 'gen_ai.choice', 'x'), timeUnixNano: fc.constant('1714564800000000000'), attributes: fc.array(fc.record({ key: fc.string({ maxLength: 5 }), value: pbAnyValue }), { maxLength: 2 }) }), { maxLength: 2 }),
  status: fc.record({ code: fc.integer({ min: 0, max: 3 }), message: fc.string({ maxLength: 8 }) }),
  flags: fc.nat({ max: 0x3ff }),
});

const pbBody = fc.array(pbSpan, { minLength: 1, maxLength: 4 }).map((spans) =>
  Buffer.from(
    ExportTraceServiceRequest.encode(
      ExportTraceServiceRequest.fromObject({
        resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'pb-fuzz' } }] }, scopeSpans: [{ scope: { name: 'fuzz' }, spans }] }],
      }),
    ).finish(),
  ),
);

type Mutation = { kind: 'none' } | { kind: 'truncate'; at: number } | { kind: 'flip'; at: number; byte: number } | { kind: 'insert'; at: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.nat().map((at) => ({ kind: 'truncate' as const, at })),
  fc.tuple(fc.nat(), fc.nat({ max: 255 })).map(([at, byte]) => ({ kind: 'flip' as const, at, byte })),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, bytes]) => ({ kind: 'insert' as const, at, bytes })),
);

function mutate(body: Buffer, m: Mutation): Buffer {
  if (m.kind === 'none' || body.length === 0) return body;
  const at = m.at % body.length;
  if (m.kind === 'truncate') return body.subarray(0, at);
  if (m.kind === 'flip') {
    const copy = Buffer.from(body);
    copy[at] = m.byte;
    return copy;
  }
  return Buffer.concat([body.subarray(0, at), m.bytes, body.subarray(at)]);
}

describe('fuzz: protobuf bodies', () => {
  it('answers random bytes and truncated or corrupted requests with 200 or 400 in protobuf, never a crash', async () => {
    const before = snapshotPrototypes();
    const since = mark();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)) }, { weight: 4, arbitrary: fc.tuple(pbBody, mutation).map(([b, m]) => mutate(b, m)) }),
        fc.boolean(),
        async (body, zipped) => {
          const was = counts();
          const res = await rawRequest(stack.traces, {
            headers: { 'content-type': 'application/x-protobuf', ...(zipped ? { 'content-encoding': 'gzip' } : {}) },
            body: zipped ? gzipSync(body) : body,
          });
          // A mutation can grow a body past the wire limit (1 run in about 20 did): 413 is then the right answer.
          const oversize = body.length > MAX_BODY_BYTES;
          expectProperAnswer(res, 'protobuf', !oversize ? [200, 400] : zipped ? [200, 400, 413] : [413]);
          if (res.status === 200) expectAllHandedOver(was, res);
          expectNoPollution();
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS_BRIDGE ?? 150) },
    );
    await stack.bridge.exporter.forceFlush();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stack.bridge.exporter.forceFlush();
    expectServerAcceptedEverything(since);
    expect(snapshotPrototypes()).toEqual(before);
    expectNoUnexpectedErrors(since);
    await expectStillDelivers();
  });

  it('answers truncated gzip and gzip of garbage with 400', async () => {
    await fc.assert(
      fc.asyncProperty(pbBody, fc.nat(), fc.boolean(), async (body, cut, garbage) => {
        const zipped = garbage ? Buffer.from(body).reverse() : gzipSync(body);
        const truncated = zipped.subarray(0, Math.max(1, cut % Math.max(1, zipped.length - 8)));
        const res = await rawRequest(stack.traces, { headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }, body: truncated });
        expectProperAnswer(res, 'protobuf', [400]);
        expect(RpcStatus.toObject(RpcStatus.decode(res.body)).message).toMatch(/invalid gzip body|invalid protobuf/);
      }),
      { numRuns: 40 },
    );
    await expectStillDelivers();
  });
});

/* ------------------------------------------------------------------------------------------ */
/* Content types, encodings, sizes                                                             */
/* ------------------------------------------------------------------------------------------ */

describe('fuzz: headers and sizes', () => {
  it('answers 415 to every content type and encoding it cannot read, whatever the body', async () => {
    const contentType = fc.oneof(
      fc.string({ maxLength: 30 }).filter((t) => /^[\t\x20-\x7e]*$/.test(t)),
      fc.constantFrom('text/plain', 'application/xml', 'application/jsonx', 'application/x-protobufx', 'multipart/form-data; boundary=x', 'application/grpc'),
    );
    await fc.assert(
      fc.asyncProperty(contentType, fc.uint8Array({ maxLength: 64 }), async (type, body) => {
        const media = type.split(';')[0]!.trim().toLowerCase();
        fc.pre(!['application/json', 'application/x-protobuf', 'application/protobuf'].includes(media));
        const res = await rawRequest(stack.traces, { headers: type === '' ? {} : { 'content-type': type }, body: Buffer.from(body) });
        expectProperAnswer(res, 'json', [415]);
      }),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('br', 'deflate', 'compress', 'gzip, br', 'zstd', 'GZIP2', '*'), async (encoding) => {
        const res = await rawRequest(stack.traces, { headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body: '{}' });
        expectProperAnswer(res, 'json', [415]);
      }),
      { numRuns: 10 },
    );
  });

  it('answers 413 to bodies over the wire limit and to zip bombs, and keeps serving', async () => {
    const big = Buffer.alloc(MAX_BODY_BYTES + 1, 0x20);
    expectProperAnswer(await rawRequest(stack.traces, { headers: { 'content-type': 'application/json' }, body: big }), 'json', [413]);
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024)); // 64 MiB of zeros, ~64 KiB on the wire
    expect(bomb.length).toBeLessThan(MAX_BODY_BYTES);
    const started = Date.now();
    const res = await rawRequest(stack.traces, { headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }, body: bomb });
    expectProperAnswer(res, 'protobuf', [413]);
    expect(Date.now() - started).toBeLessThan(2000);
    await expectStillDelivers();
  });
});

/* ------------------------------------------------------------------------------------------ */
/* Resource exhaustion                                                                         */
/* ------------------------------------------------------------------------------------------ */

/** The http.Server startBridge creates, caught as it starts listening (the bridge does not expose it). */
async function bridgeWithServer(options: Parameters<typeof startStack>[0] = {}): Promise<{ stack: Stack; server: Server }> {
  const servers: Server[] = [];
  const original = Object.getOwnPropertyDescriptor(Server.prototype, 'listen');
  Object.defineProperty(Server.prototype, 'listen', {
    configurable: true,
    writable: true,
    value: function (this: Server, ...args: unknown[]) {
      servers.push(this);
      return (Object.getPrototypeOf(Server.prototype) as { listen: (...a: unknown[]) => unknown }).listen.apply(this, args);
    },
  });
  try {
    const started = await startStack(options);
    // The stack starts a local LangSmith server too: the bridge's is the one on the bridge's port.
    const server = servers.find((candidate) => (candidate.address() as { port?: number } | null)?.port === started.bridge.port);
    if (!server) throw new Error('the bridge server was not seen listening');
    return { stack: started, server };
  } finally {
    if (original) Object.defineProperty(Server.prototype, 'listen', original);
    else delete (Server.prototype as { listen?: unknown }).listen;
  }
}

/** A client sending its request one byte every `everyMillis`. */
function drip(port: number, text: string, everyMillis: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  let sent = 0;
  let received = '';
  const timer = setInterval(() => {
    if (sent < text.length && !socket.destroyed) socket.write(text[sent++]!);
  }, everyMillis);
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => {
    const opened = Date.now();
    socket.on('close', () => {
      clearInterval(timer);
      resolve(Date.now() - opened);
    });
  });
  return { socket, closed, received: () => received, stop: () => (clearInterval(timer), socket.destroy()) };
}

const SLOW_HEADERS = `POST /v1/traces HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nx-pad: ${'a'.repeat(10_000)}\r\n\r\n`;

describe('slowloris and amplification', () => {
  it('keeps answering well-behaved clients while slowloris clients drip headers and bodies; its timeouts bound them', async () => {
    const { stack: s, server } = await bridgeWithServer();
    try {
      // What bounds a slow client is Node's own HTTP server: headers within headersTimeout, the
      // whole request within requestTimeout, checked every connectionsCheckingInterval (30 s).
      expect(server.headersTimeout).toBeGreaterThan(0);
      expect(server.headersTimeout).toBeLessThanOrEqual(60_000);
      expect(server.requestTimeout).toBeGreaterThan(0);
      expect(server.requestTimeout).toBeLessThanOrEqual(300_000);
      const drips = [
        ...Array.from({ length: 20 }, () => drip(s.bridge.port, SLOW_HEADERS, 100)),
        ...Array.from({ length: 20 }, () => drip(s.bridge.port, `POST /v1/traces HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n${' '.repeat(1000)}`, 5)),
      ];
      await new Promise((resolve) => setTimeout(resolve, 1000));
      for (let i = 0; i < 3; i++) {
        const id = spanId();
        const started = Date.now();
        const res = await rawRequest(s.traces, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(jsonRequest([jsonSpan({ spanId: id, name: 'polite' })])) });
        expect(res.status).toBe(200);
        expect(Date.now() - started).toBeLessThan(2000);
      }
      expect(s.bridge.stats().activeRequests).toBeGreaterThanOrEqual(20); // the body drippers hold requests open
      for (const d of drips) d.stop();
    } finally {
      await s.close();
    }
  });

  // BUG: startBridge (src/bridge/start-bridge.ts) leaves Node's socket inactivity timeout off
  // (server.timeout 0) and sets no maxConnections. headersTimeout / requestTimeout only apply
  // once a request has begun, so a client that connects and never sends a byte is held forever
  // (measured: still open after 400 s), and any number of them can exhaust file descriptors.
  // Fix: server.timeout (e.g. 60 s, above exportTimeoutMillis) or socket.setTimeout on
  // 'connection', plus a maxConnections bound (and shorter headersTimeout/requestTimeout).
  it('gives every connection an inactivity deadline, so idle connections cannot pile up', async () => {
    const { stack: s, server } = await bridgeWithServer();
    try {
      const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
      const idle = connect(s.bridge.port, '127.0.0.1');
      idle.on('error', () => {});
      const serverSide = await accepted;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(serverSide.timeout ?? 0, 'inactivity timeout of a connection that sent nothing').toBeGreaterThan(0);
      expect(serverSide.timeout).toBeLessThanOrEqual(120_000);
      idle.destroy();
    } finally {
      await s.close();
    }
  });

  // Opt-in (about 95 s): how long a header slowloris is actually held. Measured on Node 20:
  // answered "408 Request Timeout" and closed after 90 s (headersTimeout 60 s, checked every
  // 30 s); a body dripped after complete headers was held 330 s (requestTimeout 300 s + 30 s).
  it.runIf(process.env.FUZZ_SLOW === '1')(
    'closes a client that drips its headers within headersTimeout plus one check interval',
    async () => {
      const { stack: s, server } = await bridgeWithServer();
      try {
        const client = drip(s.bridge.port, SLOW_HEADERS, 100);
        const heldMillis = await client.closed;
        expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
        expect(heldMillis).toBeLessThanOrEqual(server.headersTimeout + 30_000 + 5_000);
      } finally {
        await s.close();
      }
    },
    120_000,
  );

  it.runIf(process.env.FUZZ_SLOW === '1')(
    'closes a connection that never sends a byte within two minutes',
    async () => {
      const { stack: s } = await bridgeWithServer();
      try {
        const idle = connect(s.bridge.port, '127.0.0.1');
        idle.on('error', () => {});
        const closed = await Promise.race([
          new Promise<boolean>((resolve) => idle.once('close', () => resolve(true))),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 125_000)),
        ]);
        idle.destroy();
        expect(closed).toBe(true);
      } finally {
        await s.close();
      }
    },
    150_000,
  );

  it('refuses a small request that decodes into millions of spans quickly, without stalling the event loop (decode amplification)', async () => {
    // 4 MiB of `{},` is 1.4 million empty spans; gzipped it is a few KiB, within every limit.
    const { stack: s } = await bridgeWithServer();
    try {
      const spans = 1_400_000;
      const body = gzipSync(`{"resourceSpans":[{"scopeSpans":[{"spans":[${'{},'.repeat(spans - 1)}{}]}]}]}`);
      expect(body.length).toBeLessThan(64 * 1024);
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const started = Date.now();
      const res = await rawRequest(s.traces, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body });
      delay.disable();
      expect([400, 413]).toContain(res.status);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(delay.max / 1e6).toBeLessThan(250); // ms the event loop stood still
    } finally {
      await s.close();
    }
  });
});

describe('one hostile span never costs the other spans of its request', () => {
  // BUG (see the exporter's regression tests): a string attribute holding deeply nested JSON
  // makes LangSmithSpanExporter.accept throw (JSON.stringify overflows its stack) outside its
  // per-span guard; the rest of the 128-span slice is abandoned, those spans are never handed
  // on, and the bridge still answers 200 with no partial_success: the sender drops them for good.
  it('answers 200 only when every valid span of the request was handed on (deep JSON in an attribute)', async () => {
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const hostile = spanId();
    const bystander = spanId();
    const was = counts();
    const res = await rawRequest(stack.traces, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        jsonRequest([
          jsonSpan({ spanId: hostile, name: 'hostile', attributes: [{ key: 'openinference.span.kind', value: { stringValue: 'CHAIN' } }, { key: 'input.value', value: { stringValue: deep } }] }),
          jsonSpan({ spanId: bystander, name: 'bystander' }),
        ]),
      ),
    });
    expectProperAnswer(res, 'json', [200]);
    expectAllHandedOver(was, res);
    expect(stack.server.run(runIdOf(bystander))?.name).toBe('bystander');
    expect(stack.server.run(runIdOf(hostile))?.name).toBe('hostile');
  });
});

describe('every connection gets an answer', () => {
  it('answers garbage request lines and headers with 400 and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('GET / HTTP/9.9\r\n\r\n', 'POST /v1/traces HTTP/1.1\r\ncontent-length: -1\r\n\r\n', 'POST /v1/traces HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', '\r\n\r\n\r\n')), async (garbage) => {
        const socket = connect(stack.bridge.port, '127.0.0.1');
        socket.on('error', () => {});
        let received = '';
        socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
        socket.end(garbage);
        await new Promise((resolve) => socket.once('close', resolve));
        // Either an HTTP answer or, for bytes that never form a request, a closed connection.
        if (received) expect(received).toMatch(/^HTTP\/1\.1 \d{3} /);
      }),
      { numRuns: 40 },
    );
    await until(() => stack.bridge.stats().activeRequests === 0, 5000);
    await expectStillDelivers();
  });
});
