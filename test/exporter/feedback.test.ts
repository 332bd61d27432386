// Evaluation results (`gen_ai.evaluation.result`, OTel GenAI events) become LangSmith feedback on
// the evaluated run: `POST /feedback` after the run is stored, with the runs' retry guarantees,
// counted in stats(), in both thread modes. Real tracer providers and the strict local server.
import { ExportResultCode } from '@opentelemetry/core';
import {
  ATTR_GEN_AI_EVALUATION_EXPLANATION,
  ATTR_GEN_AI_EVALUATION_NAME,
  ATTR_GEN_AI_EVALUATION_SCORE_LABEL,
  ATTR_GEN_AI_EVALUATION_SCORE_VALUE,
  ATTR_GEN_AI_OPERATION_NAME,
  EVENT_GEN_AI_EVALUATION_RESULT,
} from '@opentelemetry/semantic-conventions/incubating';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIdFromSpanId } from 'otel-langsmith';
import type { RunCreate } from 'otel-langsmith';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { captureDiag, exportOnce, exportersShutAfterEach } from '../helpers/exporter.js';
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
const isFeedback = (req: { path: string }) => req.path === '/feedback';

/** An agent span and its chat child, the chat call evaluated twice (relevance scored, toxicity labelled). */
function evaluatedTrace() {
  const { tracer, spans } = recordingTracer();
  const root = tracer.startSpan('invoke_agent', { attributes: { [ATTR_GEN_AI_OPERATION_NAME]: 'invoke_agent' } });
  const chat = childOf(tracer, root, 'chat gpt-4o');
  chat.setAttribute(ATTR_GEN_AI_OPERATION_NAME, 'chat');
  chat.addEvent(EVENT_GEN_AI_EVALUATION_RESULT, {
    [ATTR_GEN_AI_EVALUATION_NAME]: 'Relevance',
    [ATTR_GEN_AI_EVALUATION_SCORE_VALUE]: 4,
    [ATTR_GEN_AI_EVALUATION_SCORE_LABEL]: 'relevant',
    [ATTR_GEN_AI_EVALUATION_EXPLANATION]: 'answers the question',
  });
  chat.addEvent(EVENT_GEN_AI_EVALUATION_RESULT, { [ATTR_GEN_AI_EVALUATION_NAME]: 'Toxicity', [ATTR_GEN_AI_EVALUATION_SCORE_LABEL]: 'pass' });
  chat.end();
  root.end();
  return { spans: spans(), chatRunId: runIdFromSpanId(chat.spanContext().spanId) };
}

describe.each(MODES)('evaluation results as feedback, deliveryThread $deliveryThread, transformRun $transformRun', (mode) => {
  it('stores each evaluation as feedback on the evaluated run, after the run', async () => {
    const { spans, chatRunId } = evaluatedTrace();
    const exporter = exporterOf(mode);
    expect((await exportOnce(exporter, spans)).code).toBe(ExportResultCode.SUCCESS);
    await exporter.forceFlush(); // waits for feedback too

    const feedback = server.feedback();
    expect(feedback.map(({ received_at: _, id: __, ...rest }) => rest)).toEqual([
      { run_id: chatRunId, key: 'Relevance', score: 4, value: 'relevant', comment: 'answers the question', feedback_source: { type: 'api', metadata: { event: 'gen_ai.evaluation.result' } } },
      { run_id: chatRunId, key: 'Toxicity', value: 'pass', feedback_source: { type: 'api', metadata: { event: 'gen_ai.evaluation.result' } } },
    ]);
    // The events stay on the run too.
    expect(server.run(chatRunId)!.events!.filter((e) => e.name === EVENT_GEN_AI_EVALUATION_RESULT)).toHaveLength(2);
    // Each POST /feedback came after its run's POST /runs was answered.
    const requests = server.requests();
    const runAnswered = requests.findIndex((r) => r.path === '/runs' && r.runId === chatRunId);
    expect(requests.findIndex(isFeedback)).toBeGreaterThan(runAnswered);
    expect(exporter.stats()).toMatchObject({ feedbackDelivered: 2, feedbackFailed: 0 });
  });

  it('is idempotent: the same span exported again stores its feedback once (deterministic ids, 409 is delivered)', async () => {
    const { spans } = evaluatedTrace();
    const exporter = exporterOf(mode);
    await exportOnce(exporter, spans);
    await exportOnce(exporter, spans);
    await exporter.forceFlush();
    expect(server.feedback()).toHaveLength(2);
    expect(server.requests().filter((r) => isFeedback(r) && r.status === 409)).toHaveLength(2);
    expect(exporter.stats()).toMatchObject({ feedbackDelivered: 4, feedbackFailed: 0 });
  });

  it('retries 404 (LangSmith has not stored the run yet) and 503 like runs', async () => {
    server.faults.inject({ match: isFeedback, status: 404, times: 2 });
    server.faults.inject({ match: isFeedback, status: 503, times: 1 });
    const { spans } = evaluatedTrace();
    const exporter = exporterOf(mode);
    await exportOnce(exporter, spans);
    await exporter.forceFlush();
    expect(server.feedback()).toHaveLength(2);
    expect(exporter.stats()).toMatchObject({ feedbackDelivered: 2, feedbackFailed: 0 });
  });

  it('counts and logs feedback that is refused, and feedback whose run was not delivered', async () => {
    const diagLines = captureDiag();
    try {
      server.faults.inject({ match: isFeedback, status: 400, times: Infinity });
      server.faults.inject({ match: (r) => r.path === '/runs' && (r.body as { name?: string }).name === 'judged alone', status: 422, times: Infinity });
      const { tracer, spans } = recordingTracer();
      const judged = tracer.startSpan('judged alone');
      judged.addEvent(EVENT_GEN_AI_EVALUATION_RESULT, { [ATTR_GEN_AI_EVALUATION_NAME]: 'Faithfulness', [ATTR_GEN_AI_EVALUATION_SCORE_VALUE]: 0.2 });
      judged.end();
      const exporter = exporterOf(mode);
      await exportOnce(exporter, [...evaluatedTrace().spans, ...spans()]);
      await exporter.forceFlush();
      expect(server.feedback()).toHaveLength(0);
      // Two refused with HTTP 400, one whose run was rejected (never sent).
      expect(exporter.stats()).toMatchObject({ feedbackDelivered: 0, feedbackFailed: 3 });
      expect(server.requests().filter(isFeedback)).toHaveLength(2);
      expect(diagLines.text()).toMatch(/feedback [0-9a-f-]{36} not delivered: HTTP 400/);
      expect(diagLines.text()).toMatch(/1 feedback of run [0-9a-f-]{36} not delivered/);
    } finally {
      diagLines.restore();
    }
  });
});

it('counts feedback cut short by the shutdown deadline as failed, never losing it silently', async () => {
  server.faults.inject({ match: isFeedback, hang: true, times: Infinity });
  const { spans } = evaluatedTrace();
  const exporter = exporterOf({ deliveryThread: 'main', shutdownTimeoutMillis: 300 });
  const diagLines = captureDiag();
  try {
    expect((await exportOnce(exporter, spans)).code).toBe(ExportResultCode.SUCCESS);
    await exporter.shutdown();
    expect(server.runs()).toHaveLength(2);
    expect(exporter.stats()).toMatchObject({ feedbackDelivered: 0, feedbackFailed: 2 });
    // Shutdown waited for the feedback and cut it at its deadline (not at the request timeout).
    expect(diagLines.text()).toMatch(/feedback [0-9a-f-]{36} not delivered: shutdown deadline passed/);
  } finally {
    diagLines.restore();
  }
});
