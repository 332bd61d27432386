// Every run of a trace carries the trace's thread key (LangSmith's Threads view and per-thread
// totals read `session_id` / `thread_id` / `conversation_id` on every run), whichever span carried
// it, in both thread modes. Real tracer providers, real producers, the strict local server.
import { OITracer, setSession } from '@arizeai/openinference-core';
import { context, trace } from '@opentelemetry/api';
import { ATTR_GEN_AI_CONVERSATION_ID, ATTR_GEN_AI_OPERATION_NAME } from '@opentelemetry/semantic-conventions/incubating';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunCreate } from 'otel-langsmith';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { exportOnce, exportersShutAfterEach } from '../helpers/exporter.js';
import { metadataOf } from '../helpers/runs.js';
import { childOf, recordingTracer } from '../helpers/tracing.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(() => server.close());
const exporterOf = exportersShutAfterEach(() => server);

// The worker maps spans itself, or (with a function hook) takes runs mapped on the application thread.
const MODES = [
  { deliveryThread: 'main' as const },
  { deliveryThread: 'worker' as const },
  { deliveryThread: 'worker' as const, transformRun: (run: RunCreate) => run },
];

describe.each(MODES)('the trace thread key, deliveryThread $deliveryThread, transformRun $transformRun', (mode) => {
  it("OpenInference's setSession on the root span only reaches every run of the trace", async () => {
    const { tracer, spans } = recordingTracer();
    // The application's own span goes through OpenInference's tracer under a session context
    // (openinference-core puts `session.id` on the spans it starts); libraries below use a plain tracer.
    const oiTracer = new OITracer({ tracer });
    const root = oiTracer.startSpan('handle request', {}, setSession(context.active(), { sessionId: 'sess-7' }));
    const retrieve = childOf(tracer, root, 'retrieve');
    const embed = childOf(tracer, retrieve, 'embed');
    const answer = childOf(tracer, root, 'answer');
    for (const span of [embed, retrieve, answer, root]) span.end();
    expect(spans().filter((s) => s.attributes['session.id'] !== undefined).map((s) => s.name)).toEqual(['handle request']);

    const exporter = exporterOf(mode);
    await exportOnce(exporter, spans());
    const runs = server.runs();
    expect(runs).toHaveLength(4);
    for (const run of runs) expect(metadataOf(run), run.name).toMatchObject({ session_id: 'sess-7' });
    // Said where it came from on the runs that got it from their trace.
    expect(runs.filter((r) => metadataOf(r)['otel_langsmith.thread_key_from_trace'] === true).map((r) => r.name).sort()).toEqual(['answer', 'embed', 'retrieve']);
  });

  it('gen_ai.conversation.id on an agent span in the middle reaches its parent, siblings and children', async () => {
    const { tracer, spans } = recordingTracer();
    const root = tracer.startSpan('POST /chat');
    const agent = childOf(tracer, root, 'invoke_agent helper');
    agent.setAttributes({ [ATTR_GEN_AI_OPERATION_NAME]: 'invoke_agent', [ATTR_GEN_AI_CONVERSATION_ID]: 'conv-3' });
    const chat = childOf(tracer, agent, 'chat gpt-4o');
    chat.setAttribute(ATTR_GEN_AI_OPERATION_NAME, 'chat');
    const audit = childOf(tracer, root, 'audit');
    for (const span of [chat, agent, audit, root]) span.end();

    const exporter = exporterOf(mode);
    await exportOnce(exporter, spans());
    const runs = server.runs();
    expect(runs).toHaveLength(4);
    for (const run of runs) expect(metadataOf(run), run.name).toMatchObject({ thread_id: 'conv-3', conversation_id: 'conv-3' });
  });

  it("never overwrites a run's own key, and leaves other traces alone", async () => {
    const { tracer, spans } = recordingTracer();
    const root = tracer.startSpan('root', { attributes: { 'session.id': 'outer' } });
    const child = childOf(tracer, root, 'child');
    child.setAttribute('langsmith.metadata.thread_id', 'own');
    const other = tracer.startSpan('other trace', {}, trace.deleteSpan(context.active()));
    for (const span of [child, root, other]) span.end();

    const exporter = exporterOf(mode);
    await exportOnce(exporter, spans());
    const byName = new Map(server.runs().map((r) => [r.name, metadataOf(r)]));
    expect(byName.get('child')).toMatchObject({ thread_id: 'own' });
    expect(byName.get('child')).not.toHaveProperty('session_id');
    expect(byName.get('root')).toMatchObject({ session_id: 'outer' });
    expect(byName.get('other trace')).not.toHaveProperty('session_id');
  });
});

