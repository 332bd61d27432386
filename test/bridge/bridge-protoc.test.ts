// An independent check of the bridge's wire format with Debian's protoc:
// - `protoc --decode_raw` (no .proto files) agrees with our field numbers;
// - requests encoded by protoc from text fixtures (test/fixtures/otlp/*.textproto) with the
//   official opentelemetry-proto .proto files: every AnyValue kind, empty and all-zero parent ids,
//   nested kvlists, a bad span id; and fields unknown to today's schema at every level;
// - malformed bodies sent with `curl --data-binary`, and the HTTP status the bridge answers.
// The .proto files are not committed: .ci/setup-polyglot.sh fetches them (Maven Central artifact
// io.opentelemetry.proto:opentelemetry-proto) into its cache. Skips with the reason when protoc or
// the .proto files are absent.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { context, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtobufRequest } from '../../src/bridge/decode-protobuf.js';
import { encodeErrorStatus, encodeExportResponse } from '../../src/bridge/encode-response.js';
import { captureOfficialRequest, rawRequest, runIdOf, startStack, type Stack } from '../helpers/bridge-harness.js';
import { flatten, shape } from '../helpers/polyglot-harness.js';
import { findOtlpProtoDir, findProtoc, requireTools } from '../helpers/polyglot-tools.js';

const protocTools = requireTools('bridge-protoc.test.ts', { protoc: findProtoc() });
const protoTools = protocTools && requireTools('bridge-protoc.test.ts (fixtures)', { protoDir: findOtlpProtoDir() });

const FIXTURES = new URL('../fixtures/otlp/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');

const decodeRaw = (bytes: Buffer): string => execFileSync('protoc', ['--decode_raw'], { input: bytes, encoding: 'utf8' });

const REQUEST = 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest';
const RESPONSE = 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse';
const TRACE_SERVICE = 'opentelemetry/proto/collector/trace/v1/trace_service.proto';

/** protoc --encode of a text fixture with the official .proto files. */
function encodeOfficial(textproto: string): Buffer {
  return execFileSync('protoc', [`--encode=${REQUEST}`, '-I', protoTools!.protoDir, TRACE_SERVICE], { input: textproto, maxBuffer: 64 << 20 });
}

/** protoc --decode with the official .proto files (unknown fields print as numbers). */
function decodeOfficial(type: string, bytes: Buffer): string {
  return execFileSync('protoc', [`--decode=${type}`, '-I', protoTools!.protoDir, TRACE_SERVICE], { input: bytes, encoding: 'utf8' });
}

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const postProtobuf = (s: Stack, body: Buffer, headers: Record<string, string> = {}) =>
  rawRequest(s.traces, { headers: { 'content-type': 'application/x-protobuf', ...headers }, body });

describe.runIf(protocTools)('protoc --decode_raw agrees with our field numbers', () => {
  it('reads our ExportTraceServiceResponse and google.rpc.Status as OTLP defines them', () => {
    expect(decodeRaw(encodeExportResponse('protobuf', { rejectedSpans: 2, errorMessage: 'two bad' }).body)).toBe('1 {\n  1: 2\n  2: "two bad"\n}\n');
    expect(decodeRaw(encodeErrorStatus('protobuf', 'nope').body)).toBe('2: "nope"\n');
  });

  it('sees the fields we read where the official exporter wrote them', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'protoc-check' }), spanProcessors: [new SimpleSpanProcessor(memory)] });
    const tracer = provider.getTracer('protoc-scope', '9.9.9');
    const root = tracer.startSpan('protoc root', { attributes: { answer: 42 } });
    tracer.startSpan('protoc child', {}, trace.setSpan(context.active(), root)).end();
    root.end();
    const { body } = await captureOfficialRequest('protobuf', memory.getFinishedSpans());
    const raw = decodeRaw(body);
    const ours = decodeProtobufRequest(body);
    // ResourceSpans(1) > Resource(1) > KeyValue(1) > key(1) / value(2) > string_value(1)
    expect(raw).toMatch(/^1 \{\n {2}1 \{\n {4}1 \{\n {6}1: "service.name"\n {6}2 \{\n {8}1: "protoc-check"/);
    // ScopeSpans(2) > InstrumentationScope(1) > name(1), version(2)
    expect(raw).toMatch(/\n {2}2 \{\n {4}1 \{\n {6}1: "protoc-scope"\n {6}2: "9.9.9"/);
    // Span(2) > name(5); attributes(9) > int_value(3)
    expect(raw).toMatch(/\n {6}5: "protoc root"\n/);
    expect(raw).toMatch(/\n {6}9 \{\n {8}1: "answer"\n {8}2 \{\n {10}3: 42\n/);
    const spans = ours.resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(spans.map((s) => ('name' in s ? s.name : ''))).toEqual(['protoc child', 'protoc root']);
  });
});

describe.runIf(protoTools)('requests encoded by protoc with the official opentelemetry-proto files', () => {
  it('answers partial success in a response the official schema decodes', () => {
    const response = encodeExportResponse('protobuf', { rejectedSpans: 2, errorMessage: 'two bad' }).body;
    expect(decodeOfficial(RESPONSE, response)).toBe('partial_success {\n  rejected_spans: 2\n  error_message: "two bad"\n}\n');
    expect(decodeOfficial(RESPONSE, encodeExportResponse('protobuf').body)).toBe('');
  });

  it('every AnyValue kind, empty and all-zero parent ids, nested kvlists, a bad span id (plain and gzip)', async () => {
    const body = encodeOfficial(fixture('protoc-edge-values.textproto'));
    for (const encoding of ['identity', 'gzip'] as const) {
      stack = await startStack();
      const response = await postProtobuf(stack, encoding === 'gzip' ? gzipSync(body) : body, encoding === 'gzip' ? { 'content-encoding': 'gzip' } : {});
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/x-protobuf');
      // One span (the seven-byte id) rejected alone, said in an answer the official schema reads.
      expect(decodeOfficial(RESPONSE, response.body)).toMatch(/^partial_success \{\n {2}rejected_spans: 1\n {2}error_message: ".*seven-byte span id.*invalid span id.*"\n\}\n$/);
      await stack.server.waitForRuns(4);
      const runs = stack.server.runs();
      expect(runs).toHaveLength(4);

      const trees = stack.server.traces();
      expect(trees.map(shape)).toEqual([
        {
          name: 'root with every value kind',
          children: [{ name: 'child with events, links and an error', children: [{ name: 'grandchild, sent before its parent', children: [] }] }],
        },
        { name: 'zero parent id', children: [] },
      ]);
      const root = stack.server.run(runIdOf('a000000000000001'))!;
      const child = stack.server.run(runIdOf('a000000000000002'))!;
      const grandchild = stack.server.run(runIdOf('a000000000000003'))!;
      const zeroParent = stack.server.run(runIdOf('a000000000000004'))!;
      expect(root.parent_run_id).toBeUndefined();
      expect(zeroParent.parent_run_id).toBeUndefined();
      expect(child.parent_run_id).toBe(root.id);
      expect(grandchild.parent_run_id).toBe(child.id);
      for (const tree of trees) for (const run of flatten(tree)) expect(run.trace_id).toBe(tree.run.id);

      expect(root.start_time).toBe('2024-05-01T12:00:00.123456Z');
      expect(root.end_time).toBe('2024-05-01T12:00:01.000000Z');
      expect(zeroParent.start_time).toBe(zeroParent.end_time);
      expect(root.extra?.runtime).toEqual({
        'service.name': 'protoc-edge',
        'host.cores': 8,
        'telemetry.sdk.language': 'protoc',
        'otel.scope.name': 'protoc-scope',
        'otel.scope.version': '0.0.1',
      });
      expect(zeroParent.extra?.runtime).toEqual({ 'service.name': 'protoc-edge', 'host.cores': 8, 'telemetry.sdk.language': 'protoc' });

      const metadata = root.extra?.metadata ?? {};
      expect(metadata).toMatchObject({
        'a.string': 'héllo "quoted" \n newline',
        'a.string.empty': '',
        'a.bool.false': false,
        'a.int': 42,
        'a.int.zero': 0,
        'a.int.negative': -7,
        // Past 2^53 an int stays exact, as its decimal string.
        'a.int.max': '9223372036854775807',
        // -2^63 is a power of two, so a double holds it exactly: a number (the documented rule).
        'a.int.min': -(2 ** 63),
        'a.int.safe.max': 9007199254740991,
        'a.int.unsafe': '9007199254740993',
        'a.double': 2.5,
        'a.double.negzero': 0,
        'a.double.nan': 'NaN',
        'a.double.inf': '-Infinity',
        'a.double.tiny': 5e-324,
        // bytes: base64
        'a.bytes': 'AAEC/w==',
        'a.bytes.empty': '',
        // Homogeneous arrays stay arrays (ints and doubles are numbers; an empty value is null).
        'a.array.ints': [1, 2, 2.5],
        'a.array.bools': [true, null, false],
        'a.array.empty': [],
        'otel.span_kind': 'SERVER',
        'otel.status_code': 'UNSET',
        'otel.trace_id': '4bf92f3577b34da6a3ce929d0e0e4736',
        'otel.span_id': 'a000000000000001',
      });
      // Mixed arrays and kvlists, however deep: JSON, with the same rules inside.
      expect(parsed(metadata['a.array.mixed'])).toEqual(['x', 1]);
      expect(parsed(metadata['a.kvlist.nested'])).toEqual({
        level1: { level2: { bytes: '3q0=', big: '9223372036854775807', list: [{ k: 'v' }] }, nan: 'NaN' },
        empty: null,
      });
      // An AnyValue with no value set is no attribute at all.
      expect(metadata).not.toHaveProperty(['a.empty']);
      expect(metadata).not.toHaveProperty(['a.no.value']);
      expect(metadata).not.toHaveProperty(['otel.parent_span_id']);

      expect(child.error).toBe('upstream said no');
      expect(child.outputs).toBeUndefined();
      expect(child.events).toEqual([{ name: 'retry', time: '2024-05-01T12:00:00.250000Z', kwargs: { attempt: 2 } }]);
      expect(child.extra?.metadata).toMatchObject({
        'app.retry.policy': 'exponential',
        'otel.span_kind': 'CLIENT',
        'otel.status_code': 'ERROR',
        'otel.status_description': 'upstream said no',
        'otel.parent_span_id': 'a000000000000001',
        'otel.dropped_attributes_count': 3,
        'otel.dropped_events_count': 1,
        'otel.links': [{ trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', attributes: { 'link.kind': 'follows' } }],
      });
      expect(stack.bridge.stats()).toMatchObject({ requests: 1, spansReceived: 5, spansRejected: 1, refused: 0 });
      await stack.close();
      stack = undefined;
    }
  });

  it('skips fields unknown to today’s schema at every level, of every wire type', async () => {
    const body = execFileSync('protoc', ['--encode=otel_langsmith.test.future.ExportTraceServiceRequest', '-I', '.', 'future-otlp.proto'], {
      cwd: new URL('.', FIXTURES),
      input: fixture('protoc-unknown-fields.textproto'),
    });
    // The official schema sees them as unknown fields (printed by number), next to the known ones.
    const official = decodeOfficial(REQUEST, body);
    expect(official).toMatch(/^2: "unknown top-level field"$/m);
    expect(official).toMatch(/^ {2}77 \{$/m);
    expect(official).toMatch(/^ {4}50: \d+$/m);
    expect(official).toMatch(/^ {6}10: 0xffffffff$/m);
    expect(official).toMatch(/^ {6}17: "ignored"$/m);
    expect(official).toMatch(/^ {6}536870911: "\\001\\002"$/m);
    expect(official).toMatch(/^ {6}3: 5$/m); // a KeyValue's unknown field
    expect(official).toMatch(/^ {6}name: "root from the future"$/m);

    stack = await startStack();
    const response = await postProtobuf(stack, body);
    expect(response.status).toBe(200);
    expect(response.body.length).toBe(0); // an ExportTraceServiceResponse with nothing to say
    await stack.server.waitForRuns(2);
    const [tree] = stack.server.traces();
    expect(stack.server.traces()).toHaveLength(1);
    expect(shape(tree!)).toEqual({ name: 'root from the future', children: [{ name: 'child from the future', children: [] }] });
    const root = stack.server.run(runIdOf('c000000000000001'))!;
    const child = stack.server.run(runIdOf('c000000000000002'))!;
    expect(child.parent_run_id).toBe(root.id);
    expect(root.extra?.runtime).toEqual({ 'service.name': 'future-service', 'otel.scope.name': 'future-scope', 'otel.scope.version': '2.0.0' });
    expect(root.extra?.metadata).toMatchObject({ known: 'kept', 'after.future': 99, 'otel.span_kind': 'SERVER', 'otel.status_code': 'OK' });
    // A value of a kind of the future reads as no value: no attribute.
    expect(root.extra?.metadata).not.toHaveProperty(['future.kind']);
    expect(child.events).toEqual([{ name: 'tick', time: '2024-05-01T12:00:00.150000Z', kwargs: { n: 1 } }]);
    expect(child.extra?.metadata).toMatchObject({ 'otel.span_kind': 'CLIENT', 'otel.parent_span_id': 'c000000000000001' });
    expect(stack.bridge.stats()).toMatchObject({ spansReceived: 2, spansRejected: 0, refused: 0 });
  });
});

/** A JSON-string attribute as data (the mapping may also have parsed it already). */
function parsed(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/* ---------- malformed bodies ---------- */

const curl = spawnSync('curl', ['--version'], { encoding: 'utf8' }).status === 0;
if (protoTools && !curl) console.warn('bridge-protoc.test.ts: `curl` is not installed; malformed bodies go through node:http instead');

const execFileAsync = promisify(execFile);

interface Sent {
  status: number;
  body: Buffer;
}

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'bridge-protoc-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let sendCount = 0;
/** POSTs the bytes as they are: `curl --data-binary @file` where curl is installed. */
async function send(url: string, body: Buffer, headers: Record<string, string>, method = 'POST'): Promise<Sent> {
  if (!curl) {
    const response = await rawRequest(url, { method, headers, body: method === 'GET' ? undefined : body });
    return { status: response.status, body: response.body };
  }
  const input = join(scratch, `body-${++sendCount}.bin`);
  const output = `${input}.answer`;
  writeFileSync(input, body);
  const args = ['--silent', '--show-error', '--max-time', '20', '--noproxy', '*', '--output', output, '--write-out', '%{http_code}', '-X', method];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  if (method !== 'GET') args.push('--data-binary', `@${input}`);
  args.push(url);
  // Asynchronously: the bridge answering it runs in this very process.
  const { stdout } = await execFileAsync('curl', args, { encoding: 'utf8' });
  return { status: Number(stdout), body: readFileSync(output) };
}

describe.runIf(protoTools)('malformed bodies (curl --data-binary) and the HTTP status the bridge answers', () => {
  it('answers 400/413/415/405 as OTLP/HTTP says, with a google.rpc.Status, and stores nothing', async () => {
    const valid = encodeOfficial(fixture('protoc-edge-values.textproto'));
    stack = await startStack({ maxBodyBytes: 4096 });
    const proto = { 'content-type': 'application/x-protobuf' };
    const cases: Array<[string, Buffer, Record<string, string>, number, RegExp?]> = [
      ['truncated protobuf', valid.subarray(0, valid.length - 9), proto, 400, /invalid protobuf/],
      ['a length prefix past the end', Buffer.from([0x0a, 0xff, 0x01, 0x0a]), proto, 400, /invalid protobuf/],
      ['wire type 7 (does not exist)', Buffer.from([0x0f, 0x00]), proto, 400, /invalid protobuf/],
      ['a varint that never ends', Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), proto, 400, /invalid protobuf/],
      ['protobuf labelled as JSON', valid, { 'content-type': 'application/json' }, 400],
      ['gzip announced, body not gzip', valid, { ...proto, 'content-encoding': 'gzip' }, 400],
      ['gzip cut short', gzipSync(valid).subarray(0, 40), { ...proto, 'content-encoding': 'gzip' }, 400],
      ['an unsupported content type', valid, { 'content-type': 'text/plain' }, 415],
      ['an unsupported content encoding', valid, { ...proto, 'content-encoding': 'br' }, 415],
      ['over --max-body-bytes (4096)', Buffer.concat([valid, valid, valid]), proto, 413],
    ];
    for (const [what, body, headers, status, message] of cases) {
      const answer = await send(stack.traces, body, headers);
      expect(answer.status, what).toBe(status);
      if (message) expect(decodeRaw(answer.body), what).toMatch(new RegExp(`^2: "${message.source}`));
    }
    expect((await send(stack.traces, Buffer.alloc(0), {}, 'GET')).status).toBe(405);

    // An empty body is a valid, empty ExportTraceServiceRequest.
    const empty = await send(stack.traces, Buffer.alloc(0), proto);
    expect(empty.status).toBe(200);
    expect(empty.body.length).toBe(0);

    expect(stack.server.runs()).toHaveLength(0);
    expect(stack.server.requests()).toHaveLength(0);
    expect(stack.bridge.stats()).toMatchObject({ refused: cases.length, spansReceived: 0 });

    // And the bridge still takes a good request afterwards.
    const good = await send(stack.traces, valid, proto);
    expect(good.status).toBe(200);
    await stack.server.waitForRuns(4);
  });
});
