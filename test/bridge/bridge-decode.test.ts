// Decoding OTLP requests (protobuf and JSON) and turning them into what the mapping reads.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { context, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { mapSpan } from 'otel-langsmith';
import { decodeJsonRequest } from '../../src/bridge/decode-json.js';
import { decodeProtobufRequest } from '../../src/bridge/decode-protobuf.js';
import { encodeErrorStatus, encodeExportResponse } from '../../src/bridge/encode-response.js';
import { toAttributeValue } from '../../src/bridge/otlp-attributes.js';
import { OtlpDecodeError, type OtlpAnyValue, type OtlpSpan, type OtlpTraceRequest } from '../../src/bridge/otlp-model.js';
import { ExportTraceServiceResponse, RpcStatus } from '../../src/bridge/otlp-schema.js';
import { toReadableSpans } from '../../src/bridge/to-readable-span.js';
import { captureOfficialRequest } from '../helpers/bridge-harness.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/otlp/${name}`, import.meta.url));

/** Spans from a real SDK, some with values the API types do not allow but the OTLP serializers encode. */
function sdkSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'decoder-test', 'process.pid': 4242 }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('decode-scope', '0.1.0');
  const remoteParent = trace.setSpanContext(context.active(), {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: 1,
    isRemote: true,
  });
  const root = tracer.startSpan('root', { kind: SpanKind.PRODUCER, attributes: { s: 'text', i: -42, big: 2 ** 53 + 2, d: 0.125, b: true, sa: ['x', 'y'], na: [1, 2.5], ba: [true, false] } });
  root.addEvent('event one', { 'e.k': 'v' }, [1714564800, 987654321]);
  root.addLink({ context: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '1111111111111111', traceFlags: 1, isRemote: true }, attributes: { why: 'batch' } });
  const child = tracer.startSpan('child of remote', { kind: SpanKind.CONSUMER, startTime: [1714564800, 123456789] }, remoteParent);
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'bad' });
  child.end([1714564801, 999999999]);
  const local = tracer.startSpan('child of local', {}, trace.setSpan(context.active(), root));
  local.end();
  root.end();
  const spans = memory.getFinishedSpans();
  // Values OTel attributes cannot hold but OTLP can: the serializers encode bytes and nested objects.
  const exotic = { bytes: new Uint8Array([0, 1, 2, 255]), kv: { inner: 'v', n: 3, list: [1, 'two'] }, mixed: ['a', 1] } as unknown as Attributes;
  return spans.map((span) => (span.name === 'child of local' ? (Object.create(span, { attributes: { value: { ...span.attributes, ...exotic } } }) as ReadableSpan) : span));
}

function spansOf(request: OtlpTraceRequest): OtlpSpan[] {
  return request.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)) as OtlpSpan[];
}

describe('decoding what the official exporters send', () => {
  it('reads the protobuf encoding with the field numbers the official exporter uses', async () => {
    const spans = sdkSpans();
    const { body, headers } = await captureOfficialRequest('protobuf', spans);
    expect(headers['content-type']).toBe('application/x-protobuf');
    const request = decodeProtobufRequest(body);
    expect(request.resourceSpans).toHaveLength(1);
    const resource = request.resourceSpans[0]!;
    expect(resource.resource.attributes).toContainEqual({ key: 'service.name', value: { kind: 'string', value: 'decoder-test' } });
    expect(resource.resource.attributes).toContainEqual({ key: 'process.pid', value: { kind: 'int', value: 4242n } });
    expect(resource.scopeSpans[0]!.scope).toEqual({ name: 'decode-scope', version: '0.1.0' });

    const decoded = spansOf(request);
    const byName = (name: string) => decoded.find((s) => s.name === name)!;
    const original = (name: string) => spans.find((s) => s.name === name)!;
    const root = byName('root');
    expect(root.traceId).toBe(original('root').spanContext().traceId);
    expect(root.spanId).toBe(original('root').spanContext().spanId);
    expect(root.parentSpanId).toBe('');
    expect(root.kind).toBe(SpanKind.PRODUCER + 1);
    expect(root.attributes).toEqual([
      { key: 's', value: { kind: 'string', value: 'text' } },
      { key: 'i', value: { kind: 'int', value: -42n } },
      { key: 'big', value: { kind: 'int', value: 9007199254740994n } },
      { key: 'd', value: { kind: 'double', value: 0.125 } },
      { key: 'b', value: { kind: 'bool', value: true } },
      { key: 'sa', value: { kind: 'array', values: [{ kind: 'string', value: 'x' }, { kind: 'string', value: 'y' }] } },
      { key: 'na', value: { kind: 'array', values: [{ kind: 'int', value: 1n }, { kind: 'double', value: 2.5 }] } },
      { key: 'ba', value: { kind: 'array', values: [{ kind: 'bool', value: true }, { kind: 'bool', value: false }] } },
    ]);
    expect(root.events).toEqual([
      { timeUnixNano: 1714564800987654321n, name: 'event one', attributes: [{ key: 'e.k', value: { kind: 'string', value: 'v' } }], droppedAttributesCount: 0 },
    ]);
    expect(root.links).toEqual([
      {
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '1111111111111111',
        traceState: '',
        attributes: [{ key: 'why', value: { kind: 'string', value: 'batch' } }],
        droppedAttributesCount: 0,
        flags: 0x301,
      },
    ]);
    expect(root.flags).toBe(0x101); // sampled, parent remoteness known (no parent)

    const remoteChild = byName('child of remote');
    expect(remoteChild.parentSpanId).toBe('00f067aa0ba902b7');
    expect(remoteChild.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(remoteChild.flags).toBe(0x301); // sampled, parent remote
    expect(remoteChild.startTimeUnixNano).toBe(1714564800123456789n);
    expect(remoteChild.endTimeUnixNano).toBe(1714564801999999999n);
    expect(remoteChild.status).toEqual({ code: SpanStatusCode.ERROR, message: 'bad' });
    expect(remoteChild.kind).toBe(SpanKind.CONSUMER + 1);

    const local = byName('child of local');
    expect(local.parentSpanId).toBe(original('root').spanContext().spanId);
    expect(local.flags).toBe(0x101);
    expect(local.attributes).toContainEqual({ key: 'bytes', value: { kind: 'bytes', value: new Uint8Array([0, 1, 2, 255]) } });
    expect(local.attributes).toContainEqual({
      key: 'kv',
      value: {
        kind: 'kvlist',
        values: [
          { key: 'inner', value: { kind: 'string', value: 'v' } },
          { key: 'n', value: { kind: 'int', value: 3n } },
          { key: 'list', value: { kind: 'array', values: [{ kind: 'int', value: 1n }, { kind: 'string', value: 'two' }] } },
        ],
      },
    });
  });

  it('reads the JSON encoding into exactly what the protobuf encoding gives', async () => {
    const spans = sdkSpans();
    const proto = decodeProtobufRequest((await captureOfficialRequest('protobuf', spans)).body);
    const captured = await captureOfficialRequest('json', spans, 'gzip');
    expect(captured.headers['content-encoding']).toBe('gzip');
    expect(decodeJsonRequest(gunzipSync(captured.body))).toEqual(proto);
  });

  it('rebuilds spans that map to the same runs as the originals', async () => {
    const spans = sdkSpans();
    for (const format of ['protobuf', 'json'] as const) {
      const { body } = await captureOfficialRequest(format, spans);
      const converted = toReadableSpans(format === 'json' ? decodeJsonRequest(body) : decodeProtobufRequest(body));
      expect(converted.rejected).toBe(0);
      for (const original of spans) {
        const rebuilt = converted.spans.find((s) => s.spanContext().spanId === original.spanContext().spanId)!;
        expect(rebuilt.startTime).toEqual(original.startTime);
        expect(rebuilt.endTime).toEqual(original.endTime);
        expect(rebuilt.duration).toEqual(original.duration);
        expect(rebuilt.parentSpanContext?.spanId).toBe(original.parentSpanContext?.spanId);
        expect(rebuilt.parentSpanContext?.isRemote).toBe(original.parentSpanContext ? Boolean(original.parentSpanContext.isRemote) : undefined);
        const expected = mapSpan(original, { projectName: 'p' });
        const actual = mapSpan(rebuilt, { projectName: 'p' });
        if (original.name === 'child of local') {
          // The exotic values become what OTel attributes can hold: base64 and JSON strings.
          expect(actual.run.extra?.metadata).toMatchObject({ bytes: 'AAEC/w==', kv: '{"inner":"v","n":3,"list":[1,"two"]}', mixed: '["a",1]' });
          continue;
        }
        expect(actual).toEqual(expected);
      }
    }
  });
});

describe('OTLP/JSON as senders vary it', () => {
  const request = decodeJsonRequest(fixture('json-edge-cases.json'));
  const converted = toReadableSpans(request);
  const span = (name: string) => converted.spans.find((s) => s.name === name)!;

  it('takes hex and base64 ids, 64-bit ints as strings or numbers, enums as numbers or names, snake_case names', () => {
    expect(converted.rejected).toBe(0);
    const root = span('root with every value kind');
    expect(root.spanContext()).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' });
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.kind).toBe(SpanKind.SERVER);
    expect(root.startTime).toEqual([1714564800, 123456789]); // no precision lost
    expect(root.endTime).toEqual([1714564801, 0]); // given as a JSON number
    expect(root.resource.attributes).toEqual({ 'service.name': 'edge-service', 'host.cores': 8 });
    expect(root.instrumentationScope).toEqual({ name: 'edge-scope', version: '1.0.0' });

    const snake = span('snake_case names, enum names');
    expect(snake.kind).toBe(SpanKind.CLIENT);
    expect(snake.parentSpanContext).toEqual({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true });
    expect(snake.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(snake.events).toEqual([{ name: 'retry', time: [1714564800, 250000001], attributes: { attempt: 2 }, droppedAttributesCount: 0 }]);

    const base64 = span('base64 ids, zero parent');
    expect(base64.spanContext()).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '0001020304050607' });
    expect(base64.parentSpanContext).toBeUndefined(); // all-zero parent id: a root
  });

  it('turns every AnyValue kind into an OTel attribute value', () => {
    expect({ ...span('root with every value kind').attributes }).toEqual({
      'a.string': 'hello',
      'a.bool': true,
      'a.int.string': 42,
      'a.int.number': 7,
      'a.int.huge': '9223372036854775807', // beyond 2^53: kept exact as a string
      'a.double': 2.5,
      'a.double.nan': NaN,
      'a.bytes': 'AAEC/w==',
      'a.array.strings': ['x', 'y'],
      'a.array.numbers': [1, 1.5],
      'a.array.empty': [],
      'a.array.mixed': '["x",1,false]',
      'a.array.nested': '[[1]]',
      'a.kvlist': '{"inner":"v","n":3,"deep":{"ok":true},"nothing":null}',
      // a.empty and a.unknown.kind carry no value OTel can hold: left out
    });
  });

  it('treats a span without flags as possibly having a remote parent', () => {
    const converted = toReadableSpans(
      decodeJsonRequest(Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '1111111111111111', parentSpanId: '2222222222222222', name: 'x' }] }] }] }))),
    );
    expect(converted.spans[0]!.parentSpanContext?.isRemote).toBe(true);
    expect(converted.spans[0]!.resource.attributes).toEqual({});
  });

  it('rejects spans with invalid ids or undecodable fields alone, with reasons', () => {
    const spans = [
      { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '1111111111111111', name: 'fine' },
      { traceId: '00000000000000000000000000000000', spanId: '2222222222222222', name: 'zero trace' },
      { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '0000000000000000', name: 'zero span' },
      { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '33333333', name: 'short span id' },
      { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '4444444444444444', parentSpanId: '12', name: 'short parent' },
      { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'not hex!', name: 'garbage id' },
      { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '5555555555555555', name: 5 },
      { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '6666666666666666', name: 'bad time', startTimeUnixNano: 'soon' },
    ];
    const converted = toReadableSpans(decodeJsonRequest(Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }))));
    expect(converted.spans.map((s) => s.name)).toEqual(['fine']);
    expect(converted.rejected).toBe(7);
    expect(converted.reasons).toEqual([
      'span "zero trace": invalid trace id "00000000000000000000000000000000"',
      'span "zero span": invalid span id "0000000000000000"',
      'span "short span id": invalid span id "33333333"',
    ]);
  });

  it.each([
    ['not JSON', '{"resourceSpans": ['],
    ['not an object', '[1, 2]'],
    ['resourceSpans not an array', '{"resourceSpans": {"a": 1}}'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
    ['a resource attribute of the wrong type', '{"resourceSpans": [{"resource": {"attributes": [{"key": "k", "value": {"boolValue": "yes"}}]}}]}'],
  ])('refuses a body that is not a request: %s', (_what, body) => {
    expect(() => decodeJsonRequest(Buffer.from(body))).toThrow(OtlpDecodeError);
  });

  it('refuses values nested deeper than the limit', () => {
    let value: unknown = { stringValue: 'bottom' };
    for (let i = 0; i < 40; i++) value = { arrayValue: { values: [value] } };
    const body = { resourceSpans: [{ resource: { attributes: [{ key: 'deep', value }] } }] };
    expect(() => decodeJsonRequest(Buffer.from(JSON.stringify(body)))).toThrow(/nest deeper/);
  });
});

describe('attribute values', () => {
  const v = (value: OtlpAnyValue) => toAttributeValue(value);
  it('keeps arrays of one primitive type, empty slots as null', () => {
    expect(v({ kind: 'array', values: [{ kind: 'bool', value: true }, { kind: 'empty' }] })).toEqual([true, null]);
    expect(v({ kind: 'array', values: [{ kind: 'int', value: 1n }, { kind: 'double', value: 0.5 }] })).toEqual([1, 0.5]);
  });
  it('turns kvlists and mixed or nested arrays into JSON, keys like __proto__ included', () => {
    expect(v({ kind: 'kvlist', values: [{ key: '__proto__', value: { kind: 'string', value: 'x' } }] })).toBe('{"__proto__":"x"}');
    expect(v({ kind: 'array', values: [{ kind: 'double', value: Infinity }, { kind: 'bytes', value: new Uint8Array([1]) }] })).toBe('["Infinity","AQ=="]');
  });
});

describe('protobuf decoding', () => {
  it.each([
    ['a length past the end', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])],
    ['a truncated varint', Buffer.from([0x0a, 0x02, 0x0a])],
    ['an invalid wire type', Buffer.from([0x0f, 0x01])],
  ])('refuses %s', (_what, body) => {
    expect(() => decodeProtobufRequest(body)).toThrow(OtlpDecodeError);
  });

  it('skips fields it does not know', () => {
    // ExportTraceServiceRequest { field 99 (varint) = 1, resource_spans { field 42 (bytes) = "x" } }
    const body = Buffer.from([0x98, 0x06, 0x01, 0x0a, 0x03, 0xd2, 0x02, 0x01, 0x78].slice(0, 3).concat([0x0a, 0x04, 0xd2, 0x02, 0x01, 0x78]));
    expect(decodeProtobufRequest(body)).toEqual({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [] }] });
  });
});

describe('responses', () => {
  it('encodes partial success in both encodings', () => {
    const proto = encodeExportResponse('protobuf', { rejectedSpans: 2, errorMessage: 'two bad' });
    expect(proto.contentType).toBe('application/x-protobuf');
    expect(ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(proto.body), { longs: Number })).toEqual({
      partialSuccess: { rejectedSpans: 2, errorMessage: 'two bad' },
    });
    // field 1 (partial_success) { field 1 (rejected_spans) = 2, field 2 (error_message) = "two bad" }
    expect([...proto.body]).toEqual([0x0a, 0x0b, 0x08, 0x02, 0x12, 0x07, ...Buffer.from('two bad')]);
    expect(JSON.parse(encodeExportResponse('json', { rejectedSpans: 2, errorMessage: 'two bad' }).body.toString())).toEqual({
      partialSuccess: { rejectedSpans: '2', errorMessage: 'two bad' },
    });
    expect(encodeExportResponse('protobuf').body.length).toBe(0);
    expect(encodeExportResponse('json').body.toString()).toBe('{}');
  });

  it('encodes errors as google.rpc.Status', () => {
    const status = encodeErrorStatus('protobuf', 'nope');
    expect(RpcStatus.toObject(RpcStatus.decode(status.body))).toEqual({ message: 'nope' });
    expect([...status.body]).toEqual([0x12, 0x04, ...Buffer.from('nope')]); // field 2: message
    expect(JSON.parse(encodeErrorStatus('json', 'nope').body.toString())).toEqual({ message: 'nope' });
  });
});
