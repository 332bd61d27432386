// An independent check of the wire format with Debian's protoc (`protoc --decode_raw` needs no
// .proto files). Skipped where protoc is not installed; the lead adds protoc fixtures later.
import { execFileSync, spawnSync } from 'node:child_process';
import { context, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { decodeProtobufRequest } from '../src/bridge/decode-protobuf.js';
import { encodeErrorStatus, encodeExportResponse } from '../src/bridge/encode-response.js';
import { captureOfficialRequest } from './fixtures/otlp/bridge-harness.js';

const protoc = spawnSync('protoc', ['--version'], { encoding: 'utf8' });
const available = protoc.status === 0;
if (!available) console.warn('bridge-protoc.test.ts: skipped, `protoc` is not installed (Debian: protobuf-compiler)');

const decodeRaw = (bytes: Buffer): string => execFileSync('protoc', ['--decode_raw'], { input: bytes, encoding: 'utf8' });

describe.runIf(available)('protoc --decode_raw agrees with our field numbers', () => {
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
