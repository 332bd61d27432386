import { context, trace, TraceFlags } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AlwaysOffSampler, BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_EVENT_NAME,
  ATTR_GEN_AI_EVALUATION_EXPLANATION,
  ATTR_GEN_AI_EVALUATION_NAME,
  ATTR_GEN_AI_EVALUATION_SCORE_LABEL,
  ATTR_GEN_AI_EVALUATION_SCORE_VALUE,
  EVENT_GEN_AI_CHOICE,
  EVENT_GEN_AI_EVALUATION_RESULT,
  EVENT_GEN_AI_USER_MESSAGE,
} from '@opentelemetry/semantic-conventions/incubating';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LangSmithLogRecordProcessor, runIdFromSpanId, type LangSmithSpanExporter } from 'otel-langsmith';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { captureDiag, exportersShutAfterEach, TEST_KEY } from '../helpers/exporter.js';
import { tracerWith } from '../helpers/tracing.js';

// The exporter's log record processor in a real sdk-logs LoggerProvider, with real tracer
// providers and the strict local server: which records join, which are ignored, what is counted.
let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
});
afterAll(() => server.close());
const makeExporter = exportersShutAfterEach(() => server);

const providers: Array<{ shutdown(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((provider) => provider.shutdown()));
});

/** A tracer exporting at span end (the strictest order: no batch delay) and a logger with the processor. */
function pipeline(exporter: LangSmithSpanExporter) {
  const { provider, tracer } = tracerWith([new SimpleSpanProcessor(exporter)]);
  const loggerProvider = new LoggerProvider({ processors: [exporter.logRecordProcessor()] });
  providers.push(provider, loggerProvider);
  return { tracer, logger: loggerProvider.getLogger('genai-producer') };
}

const userMessage = (content: string) => ({ attributes: { [ATTR_EVENT_NAME]: EVENT_GEN_AI_USER_MESSAGE, 'gen_ai.system': 'openai' }, body: { content } });

describe.each(['main', 'worker'] as const)('the log record processor, deliveryThread %s', (deliveryThread) => {
  it('GenAI records (event.name attribute or EventName) join their span; other records and other spans do not', async () => {
    const exporter = makeExporter({ deliveryThread });
    const { tracer, logger } = pipeline(exporter);
    logger.emit(userMessage('outside any span'));
    const span = tracer.startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm' } });
    const inSpan = trace.setSpan(context.active(), span);
    logger.emit({ context: inSpan, ...userMessage('Hello?') });
    logger.emit({ context: inSpan, severityNumber: SeverityNumber.INFO, body: 'an application log line in the span' });
    logger.emit({
      context: inSpan,
      eventName: EVENT_GEN_AI_CHOICE,
      body: { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hi.' } },
    });
    span.end();
    await exporter.forceFlush();
    await server.waitForRuns(1);
    const [run] = server.runs();
    expect(run!.inputs?.messages).toEqual([{ role: 'user', content: 'Hello?' }]);
    expect(run!.outputs?.choices).toEqual([{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hi.' } }]);
    expect(JSON.stringify(run)).not.toContain('application log line');
    expect(exporter.stats()).toMatchObject({ logRecordsJoined: 2, logRecordsUnjoined: 0, logRecordsAfterExport: 0 });
  });

  it('a body structured clone cannot copy still joins (mapped here instead)', async () => {
    const exporter = makeExporter({ deliveryThread });
    const { tracer, logger } = pipeline(exporter);
    const span = tracer.startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat' } });
    logger.emit({ context: trace.setSpan(context.active(), span), attributes: { [ATTR_EVENT_NAME]: EVENT_GEN_AI_USER_MESSAGE }, body: { content: 'Hello?', extra: { fn: () => 1 } as never } });
    span.end();
    await exporter.forceFlush();
    await server.waitForRuns(1);
    expect(server.runs()[0]!.inputs?.messages).toEqual([expect.objectContaining({ role: 'user', content: 'Hello?' })]);
  });

  it('an evaluation result emitted as a log record becomes feedback on the run of its span, after the run', async () => {
    const exporter = makeExporter({ deliveryThread });
    const { tracer, logger } = pipeline(exporter);
    const span = tracer.startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat' } });
    logger.emit({
      context: trace.setSpan(context.active(), span),
      eventName: EVENT_GEN_AI_EVALUATION_RESULT,
      attributes: {
        [ATTR_GEN_AI_EVALUATION_NAME]: 'Relevance',
        [ATTR_GEN_AI_EVALUATION_SCORE_VALUE]: 0.8,
        [ATTR_GEN_AI_EVALUATION_SCORE_LABEL]: 'relevant',
        [ATTR_GEN_AI_EVALUATION_EXPLANATION]: 'on topic',
      },
    });
    span.end();
    await exporter.forceFlush(); // waits for feedback too
    const runId = runIdFromSpanId(span.spanContext().spanId);
    expect(server.feedback().map(({ run_id, key, score, value, comment }) => ({ run_id, key, score, value, comment }))).toEqual([
      { run_id: runId, key: 'Relevance', score: 0.8, value: 'relevant', comment: 'on topic' },
    ]);
    const requests = server.requests();
    expect(requests.findIndex((r) => r.path === '/feedback')).toBeGreaterThan(requests.findIndex((r) => r.path === '/runs' && r.runId === runId));
    expect(exporter.stats()).toMatchObject({ logRecordsJoined: 1, feedbackDelivered: 1, feedbackFailed: 0 });
  });

  it('a record after its span was exported: counted, said once, the run already sent as it was', async () => {
    const diagLines = captureDiag();
    try {
      const exporter = makeExporter({ deliveryThread });
      const { tracer, logger } = pipeline(exporter);
      const span = tracer.startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat' } });
      span.end();
      logger.emit({ context: trace.setSpan(context.active(), span), ...userMessage('too late') });
      logger.emit({ context: trace.setSpan(context.active(), span), ...userMessage('too late again') });
      await exporter.forceFlush();
      await server.waitForRuns(1);
      expect(server.runs()[0]!.inputs).toEqual({});
      expect(exporter.stats()).toMatchObject({ logRecordsJoined: 0, logRecordsAfterExport: 2 });
      expect(diagLines.lines.filter((line) => line.text.includes('after its span was exported'))).toHaveLength(1);
    } finally {
      diagLines.restore();
    }
  });
});

describe('the log record processor', () => {
  it('records of unsampled spans are ignored; sdk-logs is told not to build records outside sampled spans', async () => {
    const exporter = makeExporter({ deliveryThread: 'main' });
    const processor = exporter.logRecordProcessor();
    const unsampled = new BasicTracerProvider({ sampler: new AlwaysOffSampler(), spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const loggerProvider = new LoggerProvider({ processors: [processor] });
    providers.push(unsampled, loggerProvider);
    const logger = loggerProvider.getLogger('genai-producer');
    const span = unsampled.getTracer('t').startSpan('chat');
    const inSpan = trace.setSpan(context.active(), span);
    expect(span.spanContext().traceFlags & TraceFlags.SAMPLED).toBe(0);
    expect(logger.enabled({ context: inSpan })).toBe(false);
    expect(logger.enabled({ context: context.active() })).toBe(false);
    logger.emit({ context: inSpan, ...userMessage('not traced') });
    span.end();

    const { tracer } = tracerWith([]);
    const sampled = trace.setSpan(context.active(), tracer.startSpan('chat'));
    expect(logger.enabled({ context: sampled })).toBe(true);
    expect(logger.enabled({ context: sampled, eventName: EVENT_GEN_AI_CHOICE })).toBe(true);
    expect(logger.enabled({ context: sampled, eventName: 'app.request' })).toBe(false);
    expect(exporter.stats()).toMatchObject({ logRecordsJoined: 0, logRecordsUnjoined: 0, logRecordsAfterExport: 0 });
  });

  it("beside the application's own logs pipeline: every record still reaches it, unchanged", async () => {
    const exporter = makeExporter({ deliveryThread: 'main' });
    const memory = new InMemoryLogRecordExporter();
    const { provider, tracer } = tracerWith([new SimpleSpanProcessor(exporter)]);
    const loggerProvider = new LoggerProvider({ processors: [exporter.logRecordProcessor(), new SimpleLogRecordProcessor({ exporter: memory })] });
    providers.push(provider, loggerProvider);
    const logger = loggerProvider.getLogger('genai-producer');
    const span = tracer.startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat' } });
    const inSpan = trace.setSpan(context.active(), span);
    logger.emit({ context: inSpan, ...userMessage('Hello?') });
    logger.emit({ context: inSpan, body: 'an application log line' });
    logger.emit({ body: 'a line outside any span' });
    span.end();
    await exporter.forceFlush();
    await server.waitForRuns(1);
    expect(server.runs()[0]!.inputs?.messages).toEqual([{ role: 'user', content: 'Hello?' }]);
    expect(memory.getFinishedLogRecords().map((record) => [record.body, record.attributes])).toEqual([
      [{ content: 'Hello?' }, { [ATTR_EVENT_NAME]: EVENT_GEN_AI_USER_MESSAGE, 'gen_ai.system': 'openai' }],
      ['an application log line', {}],
      ['a line outside any span', {}],
    ]);
  });

  it('is the same processor on every call, exported from the package entry; forceFlush and shutdown resolve', async () => {
    const exporter = makeExporter();
    const processor = exporter.logRecordProcessor();
    expect(processor).toBeInstanceOf(LangSmithLogRecordProcessor);
    expect(exporter.logRecordProcessor()).toBe(processor);
    await expect(processor.forceFlush()).resolves.toBeUndefined();
    await expect(processor.shutdown()).resolves.toBeUndefined();
  });

  it('never throws into the application: a record it cannot read is logged through diag', () => {
    const diagLines = captureDiag();
    try {
      const processor = makeExporter().logRecordProcessor();
      const hostile = {
        hrTime: [0, 0],
        hrTimeObserved: [0, 0],
        spanContext: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 },
        get attributes(): Record<string, unknown> {
          throw new Error('boom');
        },
      } as const;
      expect(() => processor.onEmit(hostile as never)).not.toThrow();
      expect(diagLines.text()).toContain('a log record could not be joined');
    } finally {
      diagLines.restore();
    }
  });

  it("records still waiting at the exporter's shutdown are counted as unjoined", async () => {
    const exporter = makeExporter({ deliveryThread: 'main' });
    const { tracer, logger } = pipeline(exporter);
    const span = tracer.startSpan('never ends');
    logger.emit({ context: trace.setSpan(context.active(), span), ...userMessage('waiting') });
    await exporter.shutdown();
    expect(exporter.stats()).toMatchObject({ logRecordsJoined: 0, logRecordsUnjoined: 1 });
  });
});
