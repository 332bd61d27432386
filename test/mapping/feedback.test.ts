import { SpanKind } from '@opentelemetry/api';
import { EVENT_GEN_AI_EVALUATION_RESULT } from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import { feedbackFromEvents } from '../../src/mapping/feedback.js';
import { logRecordToSpanEvent } from '../../src/mapping/log-record-event.js';
import { mapSpan } from '../../src/mapping/map-span.js';
import { validateFeedbackCreate } from '../../src/schema/validate-feedback.js';
import { endedSpan } from '../helpers/tracing.js';

const SPAN_ID = '0102030405060708';
const RUN_ID = '00000000-0000-0000-0102-030405060708';
const at = (seconds: number) => [seconds, 0] as [number, number];

describe('gen_ai.evaluation.result events become LangSmith feedback', () => {
  it('maps name, score, label and explanation to key, score, value and comment, on the span run', () => {
    const span = endedSpan('chat', { 'gen_ai.operation.name': 'chat' }, {
      events: [
        { name: 'gen_ai.user.message', attributes: { content: 'hi' } },
        {
          name: EVENT_GEN_AI_EVALUATION_RESULT,
          attributes: {
            'gen_ai.evaluation.name': 'Relevance',
            'gen_ai.evaluation.score.value': 0.75,
            'gen_ai.evaluation.score.label': 'relevant',
            'gen_ai.evaluation.explanation': 'on topic',
            'gen_ai.response.id': 'chatcmpl-1',
          },
        },
      ],
    });
    const mapped = mapSpan(span, { projectName: 'p' });
    expect(mapped.feedback).toEqual([
      {
        id: expect.stringMatching(new RegExp(`^${span.spanContext().spanId.slice(0, 8)}-`)),
        run_id: mapped.run.id,
        key: 'Relevance',
        score: 0.75,
        value: 'relevant',
        comment: 'on topic',
        feedback_source: { type: 'api', metadata: { event: 'gen_ai.evaluation.result', 'gen_ai.response.id': 'chatcmpl-1' } },
      },
    ]);
    // LangSmith's schema accepts it as is; the event stays among the run's events.
    expect(validateFeedbackCreate(mapped.feedback![0]).ok).toBe(true);
    expect(mapped.run.events!.map((e) => e.name)).toContain(EVENT_GEN_AI_EVALUATION_RESULT);
    expect(mapSpan(endedSpan('plain', {}, { kind: SpanKind.SERVER }), { projectName: 'p' }).feedback).toBeUndefined();
  });

  it('gives each event its own id, the same every time the span is mapped', () => {
    const events = [0, 1].map((i) => ({ name: EVENT_GEN_AI_EVALUATION_RESULT, time: at(1), attributes: { 'gen_ai.evaluation.name': 'Same' } }));
    const first = feedbackFromEvents(events, SPAN_ID, RUN_ID)!;
    expect(first.map((f) => f.id)).toEqual(feedbackFromEvents(events, SPAN_ID, RUN_ID)!.map((f) => f.id));
    expect(new Set(first.map((f) => f.id)).size).toBe(2);
    expect(first[0]!.id).toMatch(/^01020304-0506-0708-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('skips an evaluation without a name (LangSmith needs a key), reads a textual score, and says when the evaluation failed', () => {
    const feedback = feedbackFromEvents(
      [
        { name: EVENT_GEN_AI_EVALUATION_RESULT, time: at(1), attributes: { 'gen_ai.evaluation.score.value': 1 } },
        { name: EVENT_GEN_AI_EVALUATION_RESULT, time: at(2), attributes: { 'gen_ai.evaluation.name': 'Groundedness', 'gen_ai.evaluation.score.value': 'NaN', 'error.type': 'timeout' } },
      ],
      SPAN_ID,
      RUN_ID,
    );
    expect(feedback).toEqual([expect.objectContaining({ key: 'Groundedness', comment: 'evaluation failed: timeout' })]);
    expect(feedback![0]).not.toHaveProperty('score');
  });

  it('reads the evaluation from a log record joined to its span (the body may carry the fields)', () => {
    const event = logRecordToSpanEvent({
      traceId: 'a'.repeat(32),
      spanId: SPAN_ID,
      eventName: EVENT_GEN_AI_EVALUATION_RESULT,
      time: at(3),
      attributes: { 'gen_ai.evaluation.name': 'Coherence' },
      body: { 'gen_ai.evaluation.score.value': '4', 'gen_ai.evaluation.explanation': 'flows well' },
    });
    expect(feedbackFromEvents([event], SPAN_ID, RUN_ID)).toEqual([expect.objectContaining({ key: 'Coherence', score: 4, comment: 'flows well', run_id: RUN_ID })]);
  });
});
