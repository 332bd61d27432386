// LangSmith's own attributes as its SDKs write them in OpenTelemetry mode (JS
// `langsmith/experimental/otel`, Python `LANGSMITH_OTEL_ENABLED`), read the way LangSmith's OTel
// ingest reads them. The spans are real SDK spans carrying the attributes the SDKs' translators set;
// test/parity/ runs the SDKs themselves.
import { context, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR_USER_ID } from '@opentelemetry/semantic-conventions/incubating';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapSpan, runIdFromSpanId } from 'otel-langsmith';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { exportOnce, exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { endedSpan, recordingTracer } from '../helpers/tracing.js';
import { metadataOf } from '../helpers/runs.js';

const map = (span: ReadableSpan) => mapSpan(span, { projectName: 'p' });
const runOf = (attributes: Attributes, name = 'span') => map(endedSpan(name, attributes)).run;

/** What the JS SDK's translator writes for a run (see langsmith/experimental/otel translator). */
function sdkSpanAttributes(runType: string, inputs: unknown, outputs: unknown, extra: Attributes = {}): Attributes {
  return {
    'langsmith.traceable': 'true',
    'langsmith.span.kind': runType,
    'gen_ai.operation.name': runType === 'llm' ? 'chat' : runType === 'tool' ? 'execute_tool' : runType === 'retriever' ? 'embeddings' : runType,
    'langsmith.trace.name': `my ${runType}`,
    'langsmith.trace.session_name': 'my-project',
    'gen_ai.system': 'langchain',
    'gen_ai.prompt': JSON.stringify(inputs),
    'gen_ai.completion': JSON.stringify(outputs),
    ...extra,
  };
}

describe("LangSmith's SDK spans: a run's whole inputs and outputs in gen_ai.prompt / gen_ai.completion", () => {
  it.each(['chain', 'tool', 'retriever', 'prompt'])('a %s run gets the objects as its inputs and outputs, and they leave metadata', (runType) => {
    const inputs = { question: 'why?', options: { k: 2 } };
    const outputs = { answer: 'because', documents: [{ page_content: 'x' }] };
    const run = runOf(sdkSpanAttributes(runType, inputs, outputs));
    expect(run.run_type).toBe(runType);
    expect(run.name).toBe(`my ${runType}`);
    expect(run.session_name).toBe('my-project');
    expect(run.inputs).toEqual(inputs);
    expect(run.outputs).toEqual(outputs);
    const metadata = metadataOf(run);
    for (const key of ['gen_ai.prompt', 'gen_ai.completion', 'langsmith.traceable', 'langsmith.span.kind', 'langsmith.trace.name']) expect(metadata).not.toHaveProperty(key);
  });

  it('an llm run keeps the request object (messages, model, tools) and the response as the SDK recorded them', () => {
    const inputs = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], tools: [{ type: 'function', function: { name: 'f' } }], temperature: 0.2 };
    const outputs = {
      id: 'chatcmpl-1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
      usage_metadata: { input_tokens: 5, output_tokens: 2, total_tokens: 7, input_token_details: { cache_read: 1 } },
    };
    const run = runOf(
      sdkSpanAttributes('llm', inputs, outputs, {
        'gen_ai.system': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.request.temperature': 0.2,
        'gen_ai.usage.input_tokens': 5,
        'gen_ai.usage.output_tokens': 2,
        'gen_ai.usage.total_tokens': 7,
        'langsmith.usage_metadata': JSON.stringify(outputs.usage_metadata),
        'langsmith.metadata.ls_temperature': '0.2',
        'langsmith.metadata.ls_max_tokens': '200',
      }),
    );
    expect(run.inputs).toEqual(inputs);
    // The producer's own usage_metadata stays as it wrote it.
    expect(run.outputs).toEqual(outputs);
    // LangSmith's own numeric keys, which the JS SDK stringified, come back numbers.
    expect(metadataOf(run)).toMatchObject({ ls_provider: 'openai', ls_model_name: 'gpt-4o-mini', ls_temperature: 0.2, ls_max_tokens: 200 });
  });

  it('a message list in gen_ai.prompt still becomes OpenAI-form messages on an llm run', () => {
    const run = runOf({ 'gen_ai.operation.name': 'chat', 'gen_ai.prompt': JSON.stringify([{ role: 'user', content: 'Hi' }]) });
    expect(run.inputs).toEqual({ messages: [{ role: 'user', content: 'Hi' }] });
  });

  it('metadata the SDK wrote as JSON objects or arrays comes back as such; stringified scalars stay strings', () => {
    const run = runOf(
      sdkSpanAttributes('chain', {}, {}, {
        'langsmith.metadata.filters': '{"lang":"en","k":[1,2]}',
        'langsmith.metadata.ids': '[1,2,3]',
        'langsmith.metadata.attempt': '2',
        'langsmith.metadata.note': '{not json',
        'langsmith.metadata.python_dict': "{'a': True}",
      }),
    );
    expect(metadataOf(run)).toMatchObject({ filters: { lang: 'en', k: [1, 2] }, ids: [1, 2, 3], attempt: '2', note: '{not json', python_dict: { a: true } });
    expect(metadataOf(run)).not.toHaveProperty('langsmith.metadata.filters');
  });

  it('does not invent ls_provider for a chain, tool or retriever from the default gen_ai.system', () => {
    for (const runType of ['chain', 'tool', 'retriever']) {
      expect(metadataOf(runOf(sdkSpanAttributes(runType, {}, {})))).not.toHaveProperty('ls_provider');
    }
    expect(metadataOf(runOf(sdkSpanAttributes('llm', {}, {}, { 'gen_ai.system': 'anthropic' })))).toMatchObject({ ls_provider: 'anthropic' });
  });

  it("an exception event on a span the SDK had set OK is an error run, with the SDK's error text", () => {
    const { tracer, spans } = recordingTracer();
    const span = tracer.startSpan('failing_step', { attributes: sdkSpanAttributes('chain', { x: 1 }, {}) });
    span.setStatus({ code: SpanStatusCode.OK });
    // What the translator does on the run's update: status ERROR is ignored after OK.
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.recordException(new Error('Error: tool exploded'));
    span.end();
    const { run } = map(spans()[0]!);
    expect(run.error).toBe('Error: tool exploded');
    // The event only repeated the error with the SDK's own stack; the native run has no such event.
    expect(run.events?.map((event) => event.name)).not.toContain('exception');
  });

  it("the Python SDK's record of a run that failed before it was sent: status ERROR, an Exception never raised", () => {
    const { tracer, spans } = recordingTracer();
    const error = "RuntimeError('down')\n\nTraceback (most recent call last):\n  File \"app.py\", line 3\nRuntimeError: down\n";
    const span = tracer.startSpan('send', { attributes: { 'langsmith.span.kind': 'tool' } });
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.addEvent('exception', { 'exception.type': 'Exception', 'exception.message': error, 'exception.stacktrace': `Exception: ${error}\n` });
    span.end();
    expect(map(spans()[0]!).run.error).toBe(error);
  });

  it('a span that only borrows langsmith.span.kind and records its own exception keeps its type and stack', () => {
    const { tracer, spans } = recordingTracer();
    const span = tracer.startSpan('lookup', { attributes: { 'langsmith.span.kind': 'tool' } });
    span.recordException(new TypeError('forecast down'));
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    const { run } = map(spans()[0]!);
    expect(run.error).toMatch(/^TypeError: forecast down\n\s+at /);
    expect(run.events?.map((event) => event.name)).toEqual(['exception']);
  });

  it("the run's serialized name, signature and doc", () => {
    const run = runOf(sdkSpanAttributes('llm', {}, {}, { 'gen_ai.serialized.name': 'ChatOpenAI', 'gen_ai.serialized.doc': 'A chat model.' }));
    expect(run.serialized).toEqual({ name: 'ChatOpenAI', doc: 'A chat model.' });
    expect(metadataOf(run)).not.toHaveProperty('gen_ai.serialized.name');
  });

  it('a project named by id is sent as session_id', () => {
    const id = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
    const { session_id, session_name } = runOf({ 'langsmith.span.kind': 'chain', 'langsmith.trace.session_id': id });
    expect({ session_id, session_name }).toEqual({ session_id: id, session_name: undefined });
    // With a name as well, the name wins (the id may belong to another workspace's project).
    expect(runOf({ 'langsmith.trace.session_id': id, 'langsmith.trace.session_name': 'named' }).session_name).toBe('named');
  });

  it('reads cache and reasoning details from the Python SDK repr and the JS SDK JSON', () => {
    const python = runOf({
      'gen_ai.operation.name': 'chat',
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.output_tokens': 4,
      'gen_ai.usage.input_token_details': "{'cache_read': 3, 'audio': 0}",
      'gen_ai.usage.output_token_details': "{'reasoning': 2}",
    });
    expect(python.outputs?.usage_metadata).toEqual({
      input_tokens: 10,
      output_tokens: 4,
      total_tokens: 14,
      input_token_details: { cache_read: 3, audio: 0 },
      output_token_details: { reasoning: 2 },
    });
    expect(metadataOf(python)).not.toHaveProperty('gen_ai.usage.input_token_details');
  });
});

describe('the parent LangSmith decided', () => {
  it("follows langsmith.span.parent_id (LangSmith's span processor: the nearest traced ancestor) and langsmith.is_root", () => {
    const { tracer, spans } = recordingTracer();
    const root = tracer.startSpan('root', { attributes: { 'langsmith.traceable': 'true', 'langsmith.is_root': true } });
    const hidden = tracer.startSpan('GET', {}, trace.setSpan(context.active(), root));
    const rootRunId = runIdFromSpanId(root.spanContext().spanId);
    const child = tracer.startSpan('child', { attributes: { 'langsmith.traceable': 'true', 'langsmith.span.parent_id': rootRunId } }, trace.setSpan(context.active(), hidden));
    for (const span of [child, hidden, root]) span.end();
    const [mappedChild, , mappedRoot] = spans().map(map);
    expect(mappedChild!.parentSpanId).toBe(root.spanContext().spanId);
    expect(mappedChild!.run.parent_run_id).toBe(rootRunId);
    // The span's own parent stays visible.
    expect(metadataOf(mappedChild!.run)['otel.parent_span_id']).toBe(hidden.spanContext().spanId);
    expect(metadataOf(mappedChild!.run)).not.toHaveProperty('langsmith.span.parent_id');
    expect(mappedRoot!.parentSpanId).toBeUndefined();
    // A run id not made from a span id (a native run's UUID) says nothing about this trace's spans: kept, not followed.
    const native = map(endedSpan('n', { 'langsmith.traceable': 'true', 'langsmith.span.parent_id': '6ba7b810-9dad-11d1-80b4-00c04fd430c8' }));
    expect(native.parentSpanId).toBeUndefined();
    expect(metadataOf(native.run)['langsmith.span.parent_id']).toBe('6ba7b810-9dad-11d1-80b4-00c04fd430c8');
  });

  it("a Python SDK root, started under its stand-in parent (the first half of the trace id), is a root", () => {
    const { tracer, spans } = recordingTracer();
    const traceId = '0123456789abcdef0123456789abcdef';
    const standIn = trace.setSpanContext(context.active(), { traceId, spanId: traceId.slice(0, 16), traceFlags: 1 });
    tracer.startSpan('python root', { attributes: { 'langsmith.span.kind': 'chain' } }, standIn).end();
    tracer.startSpan('other producer', {}, standIn).end();
    const [sdkRoot, other] = spans().map(map);
    expect(sdkRoot!.parentSpanId).toBeUndefined();
    // Only LangSmith's SDK spans: another span under such a parent keeps it.
    expect(other!.parentSpanId).toBe(traceId.slice(0, 16));
  });

  describe('through the exporter', () => {
    let server: LocalServer;
    beforeAll(async () => {
      server = await startLocalServer({ apiKey: TEST_KEY });
    });
    afterAll(() => server.close());

    it('delivers a traced child under its traced ancestor when the span between was never exported', async () => {
      const { tracer, spans } = recordingTracer();
      const root = tracer.startSpan('agent', { attributes: { 'langsmith.traceable': 'true', 'langsmith.span.kind': 'chain', 'langsmith.is_root': true } });
      const dropped = tracer.startSpan('POST', {}, trace.setSpan(context.active(), root));
      const rootRunId = runIdFromSpanId(root.spanContext().spanId);
      const child = tracer.startSpan('llm', { attributes: { 'langsmith.traceable': 'true', 'langsmith.span.kind': 'llm', 'langsmith.span.parent_id': rootRunId } }, trace.setSpan(context.active(), dropped));
      child.end();
      dropped.end();
      root.end();
      const exporter = exporterFor(server, { orphanTimeoutMillis: 600_000 });
      const [childSpan, , rootSpan] = spans();
      // The child comes first and alone; the span between never reaches the exporter.
      await exportOnce(exporter, [childSpan!]);
      await exportOnce(exporter, [rootSpan!]);
      await exporter.forceFlush();
      const stored = server.runs().find((run) => run.name === 'llm');
      expect(stored?.parent_run_id).toBe(rootRunId);
      expect(stored?.extra?.metadata).not.toHaveProperty('otel_langsmith.orphan_reason');
      await exporter.shutdown();
    });
  });
});

describe("a user's own attributes keep their own names", () => {
  it('user.id on a plain span stays user.id; on an OpenInference span it is the user_id thread key', () => {
    const plain = runOf({ [ATTR_USER_ID]: 'u-1', 'session.id': 's-1' });
    expect(metadataOf(plain)).toMatchObject({ 'user.id': 'u-1', 'session.id': 's-1' });
    expect(metadataOf(plain)).not.toHaveProperty('user_id');
    const openInference = runOf({ 'openinference.span.kind': 'CHAIN', [ATTR_USER_ID]: 'u-1' });
    expect(metadataOf(openInference)).toMatchObject({ user_id: 'u-1' });
  });
});
