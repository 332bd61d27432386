// `node bench/log-join.mjs`: what joining GenAI log records costs the application thread (not part
// of `npm run bench`; ~20 s). Per record: sdk-logs' Logger.emit with the exporter's processor
// against a processor that does nothing (the difference is onEmit); per span with 3 records (a
// system and a user message, a choice with a tool call, as @opentelemetry/instrumentation-openai
// emits them): the join at export, then what the thread that maps does with them (reduction to
// events, on the application thread with deliveryThread 'main'), or, with the worker, the snapshot
// and its structured clone (the worker reduces). Also the cost the join adds to spans with no
// records. Prints µs per operation, best of 7 rounds.
import { context, trace } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { loadBundled } from './build-internals.mjs';

const { LogJoin, LangSmithLogRecordProcessor, SnapshotWriter } = await loadBundled('./log-join-internals.ts', 'log-join-internals');

const ROUNDS = 7;
const SPANS = 20_000;
const counters = () => ({ logRecordsJoined: 0, logRecordsUnjoined: 0, logRecordsAfterExport: 0 });
const limits = { maxPendingSpans: SPANS * 2, maxPendingRecords: SPANS * 8 };

// Real ended spans, each with its context for emitting in it.
const finished = [];
const provider = new BasicTracerProvider({ spanProcessors: [{ onStart() {}, onEnd: (span) => finished.push(span), forceFlush: async () => {}, shutdown: async () => {} }] });
const tracer = provider.getTracer('bench');
const contexts = [];
for (let i = 0; i < SPANS; i++) {
  const span = tracer.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.system': 'openai' } });
  contexts.push(trace.setSpan(context.active(), span));
  span.end();
}

const system = 'You are a helpful assistant that answers questions about the weather in European capitals.';
const user = 'What is the weather like in Paris today, and should I take an umbrella when I go out this afternoon?';
const choice = { finish_reason: 'tool_calls', index: 0, message: { tool_calls: [{ id: 'call_weather_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } }] } };
const records = (ctx) => [
  { context: ctx, attributes: { 'event.name': 'gen_ai.system.message', 'gen_ai.system': 'openai' }, body: { content: system } },
  { context: ctx, attributes: { 'event.name': 'gen_ai.user.message', 'gen_ai.system': 'openai' }, body: { content: user } },
  { context: ctx, attributes: { 'event.name': 'gen_ai.choice', 'gen_ai.system': 'openai' }, body: choice },
];

function best(label, perRound, count) {
  const times = [];
  for (let round = 0; round < ROUNDS; round++) {
    const prepared = perRound.prepare?.();
    const start = performance.now();
    perRound.run(prepared);
    times.push(((performance.now() - start) * 1000) / count);
  }
  const min = Math.min(...times);
  console.log(`| ${label} | ${min.toFixed(2)} µs |`);
  return min;
}

const noop = { onEmit() {}, forceFlush: async () => {}, shutdown: async () => {} };
function emitAll(processor) {
  const logger = new LoggerProvider({ processors: [processor] }).getLogger('@opentelemetry/instrumentation-openai');
  return () => {
    for (const ctx of contexts) for (const record of records(ctx)) logger.emit(record);
  };
}

/** As the exporter posts to the worker: a message (one writer, one clone) per slice of 128 spans. */
function snapshotInSlices(take) {
  for (let from = 0; from < finished.length; from += 128) {
    const writer = new SnapshotWriter();
    const batch = [];
    for (const span of finished.slice(from, from + 128)) batch.push(writer.snapshot(take(span)));
    structuredClone(batch);
  }
}

console.log('| operation | cost |\n| --- | --- |');
const loggerWith = (processor) => new LoggerProvider({ processors: [processor] }).getLogger('@opentelemetry/instrumentation-openai');
const freshJoin = () => new LogJoin(counters(), limits, () => {});

// Steady state, as in an application: a span's records are emitted, then the span is exported
// (a handful of spans waiting at a time, not thousands).
const noopLogger = loggerWith(noop);
const baseline = best('Logger.emit × 3, a processor doing nothing (per span)', {
  run: () => {
    for (const ctx of contexts) for (const record of records(ctx)) noopLogger.emit(record);
  },
}, SPANS);
const emitAndAttach = best("Logger.emit × 3 with the exporter's processor, then the join at export (per span)", {
  prepare: () => {
    const join = freshJoin();
    return { join, logger: loggerWith(new LangSmithLogRecordProcessor(join)) };
  },
  run: ({ join, logger }) => {
    for (let i = 0; i < SPANS; i++) {
      for (const record of records(contexts[i])) logger.emit(record);
      join.attach(finished[i]);
    }
  },
}, SPANS);
console.log(`| the processor's onEmit × 3 and the join (difference, per span) | ${(emitAndAttach - baseline).toFixed(2)} µs |`);

/** A join holding 3 records for every span, as onEmit left it. */
function filledJoin() {
  const join = freshJoin();
  const logger = loggerWith(new LangSmithLogRecordProcessor(join));
  for (const ctx of contexts) for (const record of records(ctx)) logger.emit(record);
  return join;
}
const attach = best('the join at export alone (per span with 3 records)', { prepare: filledJoin, run: (join) => { for (const span of finished) join.attach(span); } }, SPANS);
const reduce = best("deliveryThread 'main': the join + the 3 records to events (per span)", {
  prepare: filledJoin,
  run: (join) => {
    for (const span of finished) join.attach(span).events;
  },
}, SPANS);
console.log(`| the records to events alone, on the thread that maps (difference, per span) | ${(reduce - attach).toFixed(2)} µs |`);
const cloneJoined = best("deliveryThread 'worker': the join + snapshot + structured clone (per span, 3 records)", {
  prepare: filledJoin,
  run: (join) => snapshotInSlices((span) => join.attach(span)),
}, SPANS);
const clonePlain = best("deliveryThread 'worker', no records: snapshot + structured clone (per span)", { run: () => snapshotInSlices((span) => span) }, SPANS);
console.log(`| the records in the worker's message (difference, per span) | ${(cloneJoined - clonePlain - attach).toFixed(2)} µs |`);
best('join on, a span without records: the join at export (per span)', { prepare: freshJoin, run: (join) => { for (const span of finished) join.attach(span); } }, SPANS);
