import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapSpan, runIdFromSpanId } from 'otel-langsmith';
import { clampStartToParent, detachFromParent } from '../../src/mapping/adjust.js';
import { attributesToRecord, redacted, toJsonValue } from '../../src/mapping/attribute-values.js';
import { parseJsonTolerant } from '../../src/mapping/llm/json.js';
import { isValidSpanId, isValidTraceId } from '../../src/mapping/run-id.js';
import { hrTimeToMicros, microsToIso } from '../../src/mapping/time.js';
import { childOf, recordingTracer } from '../helpers/tracing.js';

// First in this file: the id checks remember the last valid id, and must not start out
// remembering the empty string (each test file runs in a fresh module graph).
describe('ids before any valid one was seen', () => {
  it('an empty trace id is invalid, and an empty parent span id means no parent', () => {
    expect(isValidTraceId('')).toBe(false);
    const { tracer, spans } = recordingTracer();
    tracer.startSpan('root').end();
    const span = spans()[0]!;
    const withEmptyParent = Object.assign(Object.create(span) as typeof span, { parentSpanContext: { ...span.spanContext(), spanId: '' } });
    const mapped = mapSpan(withEmptyParent, { projectName: 'p' });
    expect(mapped.parentSpanId).toBeUndefined();
    expect(mapped.run.parent_run_id).toBeUndefined();
  });
});

describe('runIdFromSpanId', () => {
  it("follows LangSmith's rule: eight zero bytes, then the span id", () => {
    expect(runIdFromSpanId('0102030405060708')).toBe('00000000-0000-0000-0102-030405060708');
    expect(runIdFromSpanId('ABCDEF0123456789')).toBe('00000000-0000-0000-abcd-ef0123456789');
  });

  it('refuses what is not a span id', () => {
    expect(() => runIdFromSpanId('0000000000000000')).toThrow(/not a valid OTel span id/);
    expect(() => runIdFromSpanId('0102')).toThrow(TypeError);
    expect(() => runIdFromSpanId('zz02030405060708')).toThrow(TypeError);
  });
});

describe('span and trace id checks', () => {
  it('accept lowercase hex of the exact length, not all zero', () => {
    expect(isValidSpanId('00f067aa0ba902b7')).toBe(true);
    expect(isValidTraceId('4bf92f3577b34da6a3ce929d0e0e4736')).toBe(true);
    for (const bad of ['00F067AA0BA902B7', '00f067aa0ba902b', '00f067aa0ba902b70', '00f067aa0ba902g7', '0000000000000000', '00f067aa0ba9 2b7']) {
      expect(isValidSpanId(bad), bad).toBe(false);
    }
    for (const bad of ['4BF92F3577B34DA6A3CE929D0E0E4736', '0'.repeat(32), '4bf92f3577b34da6a3ce929d0e0e473', `${'a'.repeat(31)}/`]) {
      expect(isValidTraceId(bad), bad).toBe(false);
    }
    expect(isValidSpanId(undefined as unknown as string)).toBe(false);
  });

  // The checks walk a lookup table instead of matching a regular expression (faster): they must
  // still accept exactly what the expressions describe.
  it('accept exactly what /^[0-9a-f]{16}$/ and /^[0-9a-f]{32}$/ accept, minus all zeros', () => {
    const idChar = fc.oneof(fc.constantFrom(...'0123456789abcdefABCDEFgz/:@`G \u0000\u0130\u0161\u0666\uff10'.split('')), fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)));
    const hex = (length: number) => fc.array(fc.constantFrom(...'0123456789abcdef'.split('')), { minLength: length, maxLength: length }).map((c) => c.join(''));
    const candidate = (length: number) =>
      fc.oneof(
        fc.array(idChar, { minLength: length - 1, maxLength: length + 1 }).map((c) => c.join('')),
        hex(length),
        // a valid id with one character swapped for any other
        fc.tuple(hex(length), fc.nat({ max: length - 1 }), idChar).map(([id, at, c]) => id.slice(0, at) + c + id.slice(at + 1)),
      );
    fc.assert(
      fc.property(candidate(16), candidate(32), (span, trace) => {
        expect(isValidSpanId(span)).toBe(/^[0-9a-f]{16}$/.test(span) && span !== '0'.repeat(16));
        expect(isValidTraceId(trace)).toBe(/^[0-9a-f]{32}$/.test(trace) && trace !== '0'.repeat(32));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('attribute values in metadata', () => {
  // attributesToRecord writes toJsonValue and redacted out inline for speed: this keeps the copy
  // equal to composing them.
  it('are toJsonValue of each value, URLs redacted, arrays element by element', () => {
    const scalar = fc.oneof(
      fc.string(),
      fc.constantFrom('https://alice:secret@example.com/a?token=t&x=1', 'http://example.com/', 'not a url://', 's3://bucket/key?X-Amz-Signature=abc'),
      fc.double(),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0),
      fc.boolean(),
    );
    const value = fc.oneof(scalar, fc.array(fc.oneof(scalar, fc.constantFrom(null, undefined)), { maxLength: 4 }));
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 6 }), (attributes) => {
        const record = attributesToRecord(attributes as never);
        for (const key of Object.keys(attributes)) {
          const json = toJsonValue(attributes[key] as never);
          expect(record[key]).toEqual(Array.isArray(json) ? json.map(redacted) : redacted(json));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('JSON-looking attribute values', () => {
  it('parse up to 64 levels of arrays and objects; deeper ones stay the string they were', () => {
    const arrays = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
    const objects = (levels: number) => '{"a":'.repeat(levels) + '"leaf"' + '}'.repeat(levels);
    expect(Array.isArray(parseJsonTolerant(arrays(64)))).toBe(true);
    expect(parseJsonTolerant(arrays(65))).toBe(arrays(65));
    expect(parseJsonTolerant(objects(64))).toEqual(JSON.parse(objects(64)));
    expect(parseJsonTolerant(objects(65))).toBe(objects(65));
    const wide = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'x'.repeat(1000) }] }, 'text', 3, null]);
    expect(parseJsonTolerant(wide)).toEqual(JSON.parse(wide));
  });
});

describe('time', () => {
  it('keeps microseconds from the high-resolution time', () => {
    expect(microsToIso(hrTimeToMicros([1_700_000_000, 123_456_789]))).toBe('2023-11-14T22:13:20.123456Z');
    expect(microsToIso(hrTimeToMicros([1_700_000_000, 999]))).toBe('2023-11-14T22:13:20.000000Z');
  });
});

describe('mapSpan', () => {
  it('maps a real span field by field', () => {
    const { tracer, spans } = recordingTracer({ 'service.name': 'checkout', 'deployment.environment': 'test' });
    const root = tracer.startSpan('handle order', { kind: SpanKind.SERVER, attributes: { 'order.id': 42, 'flags': ['a', 'b'] } });
    const child = childOf(tracer, root, 'charge card');
    child.addEvent('card checked', { 'card.brand': 'visa' });
    child.end();
    root.end();
    const [childSpan, rootSpan] = spans();
    const mappedRoot = mapSpan(rootSpan!, { projectName: 'proj' });
    const mappedChild = mapSpan(childSpan!, { projectName: 'proj' });

    const rootCtx = rootSpan!.spanContext();
    expect(mappedRoot.run).toMatchObject({
      id: runIdFromSpanId(rootCtx.spanId),
      name: 'handle order',
      run_type: 'chain',
      inputs: {},
      outputs: {},
      tags: [],
      events: [],
      session_name: 'proj',
    });
    expect(mappedRoot.run.parent_run_id).toBeUndefined();
    expect(mappedRoot.run).not.toHaveProperty('trace_id');
    expect(mappedRoot.run).not.toHaveProperty('dotted_order');
    expect(mappedRoot.run.start_time).toBe(microsToIso(hrTimeToMicros(rootSpan!.startTime)));
    expect(mappedRoot.run.end_time).toBe(microsToIso(hrTimeToMicros(rootSpan!.endTime)));
    expect(mappedRoot.run.start_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(mappedRoot.run.extra?.metadata).toEqual({
      'order.id': 42,
      flags: ['a', 'b'],
      'otel.span_kind': 'SERVER',
      'otel.status_code': 'UNSET',
      'otel.trace_id': rootCtx.traceId,
      'otel.span_id': rootCtx.spanId,
    });
    expect(mappedRoot.run.extra?.runtime).toMatchObject({
      'service.name': 'checkout',
      'deployment.environment': 'test',
      'otel.scope.name': 'test-scope',
      'otel.scope.version': '1.2.3',
    });

    expect(mappedChild.run.parent_run_id).toBe(mappedRoot.run.id);
    expect(mappedChild.parentSpanId).toBe(rootCtx.spanId);
    expect(mappedChild.parentIsRemote).toBe(false);
    expect(mappedChild.run.extra?.metadata?.['otel.parent_span_id']).toBe(rootCtx.spanId);
    expect(mappedChild.run.events).toEqual([
      { name: 'card checked', time: expect.stringMatching(/\.\d{6}Z$/), kwargs: { 'card.brand': 'visa' } },
    ]);
  });

  it('turns status ERROR and the exception event into the run error, keeping the event', () => {
    const { tracer, spans } = recordingTracer();
    const span = tracer.startSpan('fails');
    const error = new TypeError('bad input');
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'bad input' });
    span.end();
    const { run } = mapSpan(spans()[0]!, { projectName: 'p' });
    expect(run.error).toBe(error.stack);
    expect(run.error).toMatch(/^TypeError: bad input\n\s+at /);
    expect(run).not.toHaveProperty('outputs');
    expect(run.events?.[0]?.name).toBe('exception');
    expect(run.extra?.metadata?.['otel.status_code']).toBe('ERROR');
    expect(run.extra?.metadata?.['otel.status_description']).toBe('bad input');
  });

  it('uses the status message when there is no exception event, and type+message+stack when the stack lacks them', () => {
    const { tracer, spans } = recordingTracer();
    const a = tracer.startSpan('a');
    a.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timed out' });
    a.end();
    const b = tracer.startSpan('b');
    b.addEvent('exception', { 'exception.type': 'ValueError', 'exception.message': 'nope', 'exception.stacktrace': 'Traceback (most recent call last):\n  File "x.py"' });
    b.setStatus({ code: SpanStatusCode.ERROR });
    b.end();
    const [ra, rb] = spans().map((s) => mapSpan(s, { projectName: 'p' }).run);
    expect(ra!.error).toBe('upstream timed out');
    expect(rb!.error).toBe('ValueError: nope\n\nTraceback (most recent call last):\n  File "x.py"');
  });

  it('makes a span that recorded an exception an error run whatever its status, as LangSmith does, and keeps the event', () => {
    const { tracer, spans } = recordingTracer();
    const span = tracer.startSpan('recovers');
    span.setStatus({ code: SpanStatusCode.OK });
    span.recordException(new Error('retrying'));
    span.end();
    const { run } = mapSpan(spans()[0]!, { projectName: 'p' });
    expect(run.error).toMatch(/^Error: retrying\n/);
    expect(run.outputs).toBeUndefined();
    expect(run.events?.[0]?.kwargs?.['exception.message']).toBe('retrying');
  });

  it("reads LangSmith's own attributes and does not copy them into metadata", () => {
    const { tracer, spans } = recordingTracer({ 'langsmith.trace.session_name': 'from-resource' });
    const span = tracer.startSpan('raw name', {
      attributes: {
        'langsmith.trace.name': 'Nice Name',
        'langsmith.span.kind': 'LLM',
        'langsmith.span.tags': 'alpha, beta',
        'langsmith.metadata.user_id': 'u-1',
        other: 'kept',
      },
    });
    span.end();
    const { run } = mapSpan(spans()[0]!, { projectName: 'option-project' });
    expect(run.name).toBe('Nice Name');
    expect(run.run_type).toBe('llm');
    expect(run.tags).toEqual(['alpha', 'beta']);
    expect(run.session_name).toBe('from-resource');
    expect(run.extra?.metadata).toMatchObject({ user_id: 'u-1', other: 'kept' });
    expect(Object.keys(run.extra?.metadata ?? {}).filter((k) => k.startsWith('langsmith.'))).toEqual([]);
  });

  it('prefers the span session name over the resource one, and keeps an unknown span kind as metadata', () => {
    const { tracer, spans } = recordingTracer({ 'langsmith.trace.session_name': 'from-resource' });
    const span = tracer.startSpan('s', {
      attributes: { 'langsmith.trace.session_name': 'from-span', 'langsmith.span.kind': 'banana', 'langsmith.span.tags': ['x', 'y'] },
    });
    span.end();
    const { run } = mapSpan(spans()[0]!, { projectName: 'p' });
    expect(run.session_name).toBe('from-span');
    expect(run.run_type).toBe('chain');
    expect(run.extra?.metadata?.['langsmith.span.kind']).toBe('banana');
    expect(run.tags).toEqual(['x', 'y']);
  });

  it('records a remote parent and keeps non-finite numbers visible', () => {
    const { tracer, spans } = recordingTracer();
    const remote = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true };
    const span = tracer.startSpan('server', { attributes: { ratio: Number.NaN, big: [1, Number.POSITIVE_INFINITY] } }, trace.setSpanContext(context.active(), remote));
    span.end();
    const mapped = mapSpan(spans()[0]!, { projectName: 'p' });
    expect(mapped.parentIsRemote).toBe(true);
    expect(mapped.parentSpanId).toBe('b7ad6b7169203331');
    expect(mapped.run.parent_run_id).toBe('00000000-0000-0000-b7ad-6b7169203331');
    expect(mapped.run.extra?.metadata).toMatchObject({ ratio: 'NaN', big: [1, 'Infinity'] });
  });
});

describe('adjust', () => {
  it('detaches an orphan and says why', () => {
    const run = { id: 'x', name: 'n', run_type: 'chain' as const, inputs: {}, start_time: 't', parent_run_id: 'p', extra: { metadata: {} } };
    detachFromParent(run, 'parent_timeout');
    expect(run.parent_run_id).toBeUndefined();
    expect(run.extra.metadata).toEqual({ 'otel_langsmith.orphan_reason': 'parent_timeout' });
  });

  it("clamps a child that starts before its parent to the parent's start", () => {
    const start = microsToIso(1_000_000);
    const run = { id: 'x', name: 'n', run_type: 'chain' as const, inputs: {}, start_time: start, end_time: microsToIso(1_000_500) };
    clampStartToParent(run, 1_000_000, 1_002_000);
    expect(run.start_time).toBe(microsToIso(1_002_000));
    expect(run.end_time).toBe(microsToIso(1_002_000));
    expect((run as { extra?: { metadata?: object } }).extra?.metadata).toEqual({ 'otel_langsmith.original_start_time': start });
  });
});

describe('microsToIso', () => {
  it('formats across second boundaries and before the epoch', () => {
    expect(microsToIso(999_999)).toBe('1970-01-01T00:00:00.999999Z');
    expect(microsToIso(1_000_000)).toBe('1970-01-01T00:00:01.000000Z');
    expect(microsToIso(999_999)).toBe('1970-01-01T00:00:00.999999Z');
    expect(microsToIso(-1)).toBe('1969-12-31T23:59:59.999999Z');
    expect(microsToIso(1_700_000_000_123_456)).toBe('2023-11-14T22:13:20.123456Z');
  });
});
