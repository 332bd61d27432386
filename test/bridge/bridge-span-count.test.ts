import { gzipSync } from 'node:zlib';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge } from 'otel-langsmith/bridge';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { countJsonSpans, countProtobufSpans } from '../../src/bridge/span-count.js';
import { TEST_KEY } from '../helpers/exporter.js';
import { childOf, recordingTracer } from '../helpers/tracing.js';

function realSpans(n: number) {
  const { tracer, spans } = recordingTracer({ 'service.name': 'count', 'deployment.environment': 'test' });
  const root = tracer.startSpan('root', { attributes: { a: 1, b: 'x{y}[z]"q"' } });
  for (let i = 1; i < n; i++) childOf(tracer, root, `child ${i}`).end();
  root.end();
  return spans();
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

describe('span counts read from raw bytes', () => {
  it('count exactly the spans of requests the official serializers write', () => {
    const spans = realSpans(37);
    expect(countProtobufSpans(ProtobufTraceSerializer.serializeRequest(spans)!)).toBe(37);
    const json = JsonTraceSerializer.serializeRequest(spans)!;
    // Resource attribute values sit at the spans' depth: an upper bound, close for real requests.
    expect(countJsonSpans(json)).toBeGreaterThanOrEqual(37);
    expect(countJsonSpans(json)).toBeLessThanOrEqual(37 + 10);
  });

  it('stop quietly at malformed bytes (the decoder reports them)', () => {
    expect(countProtobufSpans(Uint8Array.from([0x0a, 0xff, 0xff]))).toBe(0);
    expect(countJsonSpans(Buffer.from('{"resourceSpans":[{'))).toBe(0);
  });
});

describe('the bridge refuses span amplification in protobuf too', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startLocalServer({ apiKey: TEST_KEY });
  });
  afterAll(() => server.close());

  it('answers 413 to a small gzipped body holding over a million empty spans, before decoding it', async () => {
    const n = 1_200_000;
    const spans = Buffer.alloc(2 * n);
    for (let i = 0; i < n; i++) spans[2 * i] = 0x12; // field 2 (Span), length 0
    const scope = Buffer.concat([Buffer.from([0x12, ...varint(spans.length)]), spans]);
    const resource = Buffer.concat([Buffer.from([0x0a, ...varint(scope.length)]), scope]);
    const body = gzipSync(resource);
    expect(body.length).toBeLessThan(64 * 1024);
    const bridge = await startBridge({ port: 0, endpoint: server.url, apiKey: TEST_KEY, env: {} });
    try {
      const started = Date.now();
      const response = await fetch(`${bridge.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }, body });
      expect(response.status).toBe(413);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(server.runs()).toHaveLength(0);
    } finally {
      await bridge.close();
    }
  });
});
