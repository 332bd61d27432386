// The delivery worker: maps spans (when no hook is a function) and runs the parent gate, send
// queue, retries and spool of a LangSmithSpanExporter whose deliveryThread is the worker, so the
// application's event loop only copies spans. Entry point of its own (dist/delivery-worker.js),
// started by WorkerDelivery.
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { inspect } from 'node:util';
import { parentPort } from 'node:worker_threads';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { FailureLog } from '../diagnostics/failure-log.js';
import { assemblePipeline } from '../pipeline/assemble.js';
import { ExportCall } from '../pipeline/export-call.js';
import type { RunPipeline, SettledHook } from '../pipeline/run-pipeline.js';
import { toSettlement, type RunSettlement } from '../pipeline/settlement.js';
import { SpanIntake, type RunSink } from '../pipeline/span-intake.js';
import type { CounterName } from '../pipeline/stats.js';
import { toCallResult } from './call-result.js';
import type { FromWorker, ToWorker, WorkItem } from './protocol.js';
import { SharedStats } from './shared-stats.js';
import { SnapshotReader } from './span-snapshot.js';
import { lowerThreadPriority } from './thread-priority.js';

const port = parentPort;
if (!port) throw new Error('otel-langsmith: delivery-worker runs only as a worker thread');
const send = (message: FromWorker) => port.postMessage(message);

// diag here is this thread's own; what the pipeline logs goes to the application's diag logger.
const text = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? (a.stack ?? a.message) : inspect(a))).join(' ');
const forward = (level: Extract<FromWorker, { type: 'log' }>['level']) => (message: string, ...args: unknown[]) =>
  send({ type: 'log', level, message: text([message, ...args]) });
const logger: DiagLogger = { error: forward('error'), warn: forward('warn'), info: forward('info'), debug: forward('debug'), verbose: forward('verbose') };
diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });

/** What the worker runs, once `init` arrived. */
interface Worker {
  pipeline: RunPipeline;
  stats: SharedStats;
  intake: SpanIntake | undefined;
  exportTimeoutMillis: number;
}

let worker: Worker | undefined;
/** Each open export() call, with where its runs go. */
const calls = new Map<number, { call: ExportCall; sink: RunSink }>();
const reader = new SnapshotReader();

function callFor(callId: number): { call: ExportCall; sink: RunSink } {
  let open = calls.get(callId);
  if (!open) {
    const { pipeline, exportTimeoutMillis } = worker!;
    const call = new ExportCall((result) => {
      calls.delete(callId);
      const clone = toCallResult(result);
      // After this turn's bookkeeping (a request's slot is freed once its promise settles), so the
      // stats the application reads when its callback runs are current.
      setImmediate(() => {
        publishGauges();
        send({ type: 'done', callId, result: clone });
      });
    }, exportTimeoutMillis);
    const sink: RunSink = { submit: (run) => pipeline.submit(run, call), drop: (id, parentId) => pipeline.drop(id, parentId, call) };
    calls.set(callId, (open = { call, sink }));
  }
  return open;
}

function publishGauges(): void {
  if (worker) worker.stats.setGauges(worker.pipeline.gauges());
}

let gaugesScheduled = false;

/**
 * The gauges once this turn's work is done, not once per run settled: computing them reads the
 * rate window, a few µs that thousands of runs a second would pay each. Results and answers publish
 * them right before they are sent, so a caller reading stats() in its callback sees them current.
 */
function publishGaugesSoon(): void {
  if (gaugesScheduled) return;
  gaugesScheduled = true;
  setImmediate(() => {
    gaugesScheduled = false;
    publishGauges();
  });
}

function answer(requestId: number): void {
  setImmediate(() => {
    publishGauges();
    send({ type: 'answered', requestId });
  });
}

/** Final states of runs not sent back yet: one 'settled' message per turn, only when asked for. */
let settled: RunSettlement[] = [];

function report(settlement: RunSettlement): void {
  if (settled.push(settlement) > 1) return;
  setImmediate(() => {
    const runs = settled;
    settled = [];
    send({ type: 'settled', runs });
  });
}

function onSettled(...[id, outcome, parent]: Parameters<SettledHook>): void {
  publishGaugesSoon();
  report(toSettlement(id, outcome, parent));
}

function take(items: WorkItem[]): void {
  for (const item of items) {
    try {
      takeOne(item);
    } catch (error) {
      // Only a bug can land here: the item is lost, counted, and the others still go.
      if (item.kind === 'span') worker!.stats.counters.spansUnmappable++;
      if (item.kind === 'submit') worker!.stats.counters.runsFailed++;
      diag.error(`otel-langsmith: the delivery worker could not take a ${item.kind} item`, error);
    }
  }
}

function takeOne(item: WorkItem): void {
  const { pipeline, intake, stats } = worker!;
  switch (item.kind) {
    case 'span':
      intake!.take(reader.read(item.span), callFor(item.callId).sink, item.heldSince);
      break;
    case 'submit':
      pipeline.submit(item.run, callFor(item.callId).call);
      break;
    case 'drop':
      pipeline.drop(item.id, item.parentId, callFor(item.callId).call);
      break;
    case 'seal':
      callFor(item.callId).call.seal();
      break;
    case 'ack':
      pipeline.assumeDelivered(item.id, item.parent.startMicros, item.parent);
      break;
    case 'count':
      for (const [name, value] of Object.entries(item.counts) as [CounterName, number][]) stats.counters[name] += value;
      break;
  }
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'init': {
      const { config, reportSettled, mapSpans } = message;
      if (message.yieldToApplication) lowerThreadPriority();
      const stats = new SharedStats(message.stats);
      const log = new FailureLog();
      const pipeline = assemblePipeline(config, { log, counters: stats.counters, onSettled: reportSettled ? onSettled : publishGaugesSoon });
      // The configuration came without function hooks: only data crosses threads.
      const intake = mapSpans ? new SpanIntake({ ...config, spanFilter: undefined, transformRun: undefined } as ResolvedConfig, log, stats.counters, reportSettled ? report : undefined) : undefined;
      worker = { pipeline, stats, intake, exportTimeoutMillis: config.exportTimeoutMillis };
      break;
    }
    case 'items':
      take(message.items);
      publishGaugesSoon();
      break;
    case 'sync':
      answer(message.requestId);
      break;
    case 'flush':
      void worker!.pipeline.flush().then(() => answer(message.requestId));
      break;
    case 'shutdown':
      void worker!.pipeline.shutdown(message.keepHeld).then(() => answer(message.requestId));
      break;
  }
});
