import { context, SpanKind, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SpanFilters } from 'otel-langsmith';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { captureDiag, exportOnce, exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { recordingTracer } from '../helpers/tracing.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
});
afterEach(() => server.reset());
afterAll(() => server.close());

/** http server span → app span → llm span → (http client span), plus a sibling noise span. */
function appTrace() {
  const { tracer, spans } = recordingTracer();
  const server_ = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/ask' } });
  const app = tracer.startSpan('answer', {}, trace.setSpan(context.active(), server_));
  const noise = tracer.startSpan('cache lookup', {}, trace.setSpan(context.active(), app));
  noise.end();
  const llm = tracer.startSpan('chat', { attributes: { 'langsmith.span.kind': 'llm', 'input.value': 'secret prompt', 'user.note': 'keep me' } }, trace.setSpan(context.active(), app));
  const client = tracer.startSpan('POST', { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'POST', 'url.full': 'http://127.0.0.1/v1/chat' } }, trace.setSpan(context.active(), llm));
  client.end();
  llm.end();
  app.end();
  server_.end();
  return spans();
}

describe('filtering with re-parenting', () => {
  it('drops HTTP spans and attaches their children to the nearest kept ancestor', async () => {
    const exporter = exporterFor(server, { spanFilter: SpanFilters.withoutHttp });
    const result = await exportOnce(exporter, appTrace());
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    const runs = server.runs();
    expect(runs.map((r) => r.name).sort()).toEqual(['answer', 'cache lookup', 'chat']);
    const answer = runs.find((r) => r.name === 'answer')!;
    expect(answer.parent_run_id).toBeUndefined(); // its parent (the server span) was dropped: a root now
    expect(answer.extra?.metadata?.['otel_langsmith.reparented_from']).toMatch(/^00000000-0000-0000-/);
    expect(answer.extra?.metadata).not.toHaveProperty('otel_langsmith.orphan_reason');
    expect(runs.find((r) => r.name === 'chat')!.parent_run_id).toBe(answer.id);
    expect(exporter.stats()).toMatchObject({ spansFiltered: 2, runsOrphaned: 0 });
    await exporter.shutdown();
  });

  it('keeps LLM spans and what contains them with the llmAndAncestors preset', async () => {
    const exporter = exporterFor(server, { spanFilter: SpanFilters.llmAndAncestors });
    await exportOnce(exporter, appTrace());
    const runs = server.runs();
    expect(runs.map((r) => r.name)).toEqual(['GET /ask', 'answer', 'chat']);
    expect(runs[1]!.parent_run_id).toBe(runs[0]!.id);
    expect(runs[2]!.parent_run_id).toBe(runs[1]!.id);
    await exporter.shutdown();
  });

  it('re-parents children that were held before their parent was dropped, across export() calls', async () => {
    const exporter = exporterFor(server, { spanFilter: (run) => run.name !== 'answer' });
    const spans = appTrace(); // end order: noise, client, llm, app, server
    await exportOnce(exporter, spans.slice(0, 3)); // children held, their parent not seen yet
    expect(server.runs()).toHaveLength(0);
    await exportOnce(exporter, spans.slice(3)); // 'answer' dropped, then the server span
    const runs = server.runs();
    const root = runs.find((r) => r.name === 'GET /ask')!;
    expect(runs.filter((r) => r.name === 'cache lookup' || r.name === 'chat').map((r) => r.parent_run_id)).toEqual([root.id, root.id]);
    await exporter.shutdown();
  });

  it('keeps spans when the filter throws, and says so once', async () => {
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server, {
        spanFilter: () => {
          throw new Error('filter bug');
        },
      });
      await exportOnce(exporter, appTrace());
      expect(server.runs()).toHaveLength(5);
      expect(diagLines.lines.filter((l) => l.level === 'error' && /spanFilter threw/.test(l.text))).toHaveLength(1);
      await exporter.shutdown();
    } finally {
      diagLines.restore();
    }
  });
});

describe('privacy', () => {
  it('hides inputs and outputs everywhere, keeping usage and model names', async () => {
    const exporter = exporterFor(server, { hideInputs: true, hideOutputs: true });
    const { tracer, spans } = recordingTracer();
    const span = tracer.startSpan('chat', {
      attributes: {
        'langsmith.span.kind': 'llm',
        'langsmith.metadata.ls_model_name': 'gpt-test',
        'langsmith.usage_metadata': JSON.stringify({ input_tokens: 3, output_tokens: 2, total_tokens: 5 }),
        'input.value': 'my secret question',
        'output.value': 'my secret answer',
        'user.region': 'eu',
      },
    });
    span.addEvent('new_token', { token: 'secret token' });
    span.end();
    await exportOnce(exporter, spans());
    const run = server.runs()[0]!;
    expect(JSON.stringify(run)).not.toMatch(/secret/);
    expect(run.inputs).toEqual({});
    expect(run.outputs).toEqual({ usage_metadata: { input_tokens: 3, output_tokens: 2, total_tokens: 5 } });
    expect(run.extra?.metadata).toMatchObject({ ls_model_name: 'gpt-test', 'user.region': 'eu' });
    expect(run.events).toEqual([{ name: 'new_token', time: expect.any(String), kwargs: {} }]);
    await exporter.shutdown();
  });

  it("hides the content attributes of Pydantic AI, Logfire and OpenInference templates left in metadata (e.g. when they did not parse)", async () => {
    const exporter = exporterFor(server, { hideInputs: true, hideOutputs: true });
    const { tracer, spans } = recordingTracer();
    tracer
      .startSpan('agent run', {
        attributes: {
          'logfire.msg': 'agent run',
          'pydantic_ai.all_messages': '[{secret conversation',
          final_result: 'secret result',
          tool_arguments: 'secret args',
          tool_response: 'secret response',
          all_messages_events: 'secret events',
          prompt: 'secret prompt',
          events: 'secret event list',
          'llm.prompt_template.variables': 'secret variables',
          'user.region': 'eu',
        },
      })
      .end();
    await exportOnce(exporter, spans());
    const run = server.runs().at(-1)!;
    expect(JSON.stringify(run)).not.toMatch(/secret/);
    expect(run.extra?.metadata).toMatchObject({ 'user.region': 'eu' });
    await exporter.shutdown();
  });

  it('reads LANGSMITH_HIDE_* from the environment and hides metadata but model names', async () => {
    const exporter = exporterFor(server, { env: { LANGSMITH_HIDE_METADATA: 'true', LANGSMITH_HIDE_INPUTS: 'TRUE' } });
    const { tracer, spans } = recordingTracer();
    tracer.startSpan('s', { attributes: { 'langsmith.metadata.ls_provider': 'openai', 'customer.email': 'a@b.test', 'langsmith.metadata.note': 'x' } }).end();
    await exportOnce(exporter, spans());
    const metadata = server.runs()[0]!.extra!.metadata!;
    expect(metadata.ls_provider).toBe('openai');
    expect(metadata).not.toHaveProperty('customer.email');
    expect(metadata).not.toHaveProperty('note');
    expect(metadata['otel.span_id']).toMatch(/^[0-9a-f]{16}$/);
    await exporter.shutdown();
  });

  it('applies a redaction function and a transformRun hook; a throwing hook leaves the run out', async () => {
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server, {
        hideInputs: (inputs) => ({ ...inputs, redacted: true }),
        transformRun: (run) => {
          if (run.name === 'boom') throw new Error('hook bug');
          if (run.name === 'skip') return null;
          return { ...run, tags: [...(run.tags ?? []), 'reviewed'] };
        },
      });
      const { tracer, spans } = recordingTracer();
      for (const name of ['keep', 'skip', 'boom']) tracer.startSpan(name).end();
      await exportOnce(exporter, spans());
      expect(server.runs().map((r) => [r.name, r.tags, r.inputs])).toEqual([['keep', ['reviewed'], { redacted: true }]]);
      expect(exporter.stats().spansFiltered).toBe(2);
      expect(diagLines.text()).toMatch(/transformRun threw.*hook bug/);
      await exporter.shutdown();
    } finally {
      diagLines.restore();
    }
  });
});

describe('size budget', () => {
  it('delivers an oversized run within budget: data URLs become placeholders, long strings are cut', async () => {
    const exporter = exporterFor(server, { maxRunBytes: 64 * 1024 });
    const { tracer, spans } = recordingTracer();
    const image = `data:image/png;base64,${'A'.repeat(200_000)}`;
    tracer.startSpan('vision', { attributes: { 'langsmith.metadata.image': image, 'long.text': `${'x'.repeat(99_999)}😀${'y'.repeat(50_000)}` } }).end();
    tracer.startSpan('small').end();
    const result = await exportOnce(exporter, spans());
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    const big = server.runs().find((r) => r.name === 'vision')!;
    expect(Buffer.byteLength(JSON.stringify(big))).toBeLessThan(70 * 1024);
    expect(big.extra?.metadata?.image).toBe('[base64 image/png omitted: 200022 chars]');
    expect(String(big.extra?.metadata?.['long.text'])).toMatch(/…\[truncated \d+ chars\]$/);
    expect(big.extra?.metadata?.['otel_langsmith.truncated']).toBe('data_urls,strings');
    expect(server.runs().map((r) => r.name).sort()).toEqual(['small', 'vision']);
    expect(exporter.stats().runsTruncated).toBe(1);
    await exporter.shutdown();
  });
});
