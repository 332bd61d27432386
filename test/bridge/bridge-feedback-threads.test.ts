// Through the OTLP bridge (which shares the exporter's pipeline): evaluation results become
// feedback, and the thread key set on one span reaches every run of the trace. A real tracer
// provider sends with the official OTLP/protobuf exporter.
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_GEN_AI_CONVERSATION_ID, ATTR_GEN_AI_EVALUATION_NAME, ATTR_GEN_AI_EVALUATION_SCORE_VALUE, EVENT_GEN_AI_EVALUATION_RESULT } from '@opentelemetry/semantic-conventions/incubating';
import { afterEach, expect, it } from 'vitest';
import { officialExporter, runIdOf, startStack, type Stack } from '../helpers/bridge-harness.js';
import { metadataOf } from '../helpers/runs.js';
import { childOf, tracerWith } from '../helpers/tracing.js';
import { until } from '../helpers/wait.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

it.each([{ deliveryThread: 'main' as const }, { deliveryThread: 'worker' as const }])(
  'delivers evaluation feedback after its run and carries the thread key to every run (deliveryThread $deliveryThread)',
  async (mode) => {
    stack = await startStack(mode);
    const { provider, tracer } = tracerWith([new BatchSpanProcessor(officialExporter('protobuf', stack.traces))]);
    const root = tracer.startSpan('POST /chat');
    const agent = childOf(tracer, root, 'invoke_agent');
    agent.setAttributes({ 'gen_ai.operation.name': 'invoke_agent', [ATTR_GEN_AI_CONVERSATION_ID]: 'conv-9' });
    const chat = childOf(tracer, agent, 'chat');
    chat.addEvent(EVENT_GEN_AI_EVALUATION_RESULT, { [ATTR_GEN_AI_EVALUATION_NAME]: 'Relevance', [ATTR_GEN_AI_EVALUATION_SCORE_VALUE]: 1 });
    for (const span of [chat, agent, root]) span.end();
    await provider.shutdown();

    const server = stack.server;
    await until(() => server.feedback().length === 1 && server.runs().length === 3, 10_000);
    expect(server.feedback()[0]).toMatchObject({ run_id: runIdOf(chat.spanContext().spanId), key: 'Relevance', score: 1 });
    for (const run of server.runs()) expect(metadataOf(run), run.name).toMatchObject({ thread_id: 'conv-9' });
  },
);
