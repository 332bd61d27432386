// The delivery worker: runs the parent gate, send queue, retries and spool of a
// LangSmithSpanExporter created with `deliveryThread: 'worker'`, so the application's event loop
// only maps spans. Entry point of its own (dist/delivery-worker.js), started by WorkerDelivery.
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { inspect } from 'node:util';
import { parentPort } from 'node:worker_threads';
import { FailureLog } from '../diagnostics/failure-log.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { ExportCall, LangSmithExportError } from './export-call.js';
import { createRunPipeline } from './delivery.js';
import type { RunPipeline, SettledHook } from './run-pipeline.js';
import { toSettlement, type RunSettlement } from './settlement.js';
import { SharedStats } from './shared-stats.js';
import type { CallResult, FromWorker, ToWorker, WorkItem } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('otel-langsmith: delivery-worker runs only as a worker thread');
const send = (message: FromWorker) => port.postMessage(message);

// diag here is this thread's own; what the pipeline logs goes to the application's diag logger.
const text = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? (a.stack ?? a.message) : inspect(a))).join(' ');
const forward = (level: Extract<FromWorker, { type: 'log' }>['level']) => (message: string, ...args: unknown[]) =>
  send({ type: 'log', level, message: text([message, ...args]) });
const logger: DiagLogger = { error: forward('error'), warn: forward('warn'), info: forward('info'), debug: forward('debug'), verbose: forward('verbose') };
diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });

let pipeline: RunPipeline | undefined;
let stats: SharedStats | undefined;
let exportTimeoutMillis = 30_000;
const calls = new Map<number, ExportCall>();

function callFor(callId: number): ExportCall {
  let call = calls.get(callId);
  if (!call) {
    call = new ExportCall((result) => {
      calls.delete(callId);
      const error = result.error instanceof LangSmithExportError ? result.error : undefined;
      const clone: CallResult = { code: result.code };
      if (error) clone.error = { message: error.message, counts: { ...error.counts }, timedOut: error.timedOut, pending: error.pending };
      else if (result.error) clone.error = { message: String(result.error.message), counts: { rejected: 0, failed: 0, spooled: 0 }, timedOut: false, pending: 0 };
      // After this turn's bookkeeping (a request's slot is freed once its promise settles), so the
      // stats the application reads when its callback runs are current.
      setImmediate(() => {
        publishGauges();
        send({ type: 'done', callId, result: clone });
      });
    }, exportTimeoutMillis);
    calls.set(callId, call);
  }
  return call;
}

function publishGauges(): void {
  if (!pipeline || !stats) return;
  stats.setGauges(pipeline.gauges());
}

function answer(requestId: number): void {
  setImmediate(() => {
    publishGauges();
    send({ type: 'answered', requestId });
  });
}

/** Final states of runs not sent back yet: one 'settled' message per turn, only when asked for. */
let settled: RunSettlement[] = [];

function onSettled(...[id, outcome, parent]: Parameters<SettledHook>): void {
  publishGauges();
  if (settled.push(toSettlement(id, outcome, parent)) > 1) return;
  setImmediate(() => {
    const runs = settled;
    settled = [];
    send({ type: 'settled', runs });
  });
}

function take(items: WorkItem[]): void {
  for (const item of items) {
    if (item.kind === 'submit') pipeline!.submit({ id: item.id, parentId: item.parentId, body: item.body, startMicros: item.startMicros, heldSince: item.heldSince }, callFor(item.callId));
    else if (item.kind === 'ack') pipeline!.assumeDelivered(item.id, item.parent.startMicros, item.parent);
    else if (item.kind === 'drop') pipeline!.drop(item.id, item.parentId, callFor(item.callId));
    else callFor(item.callId).seal();
  }
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'init': {
      const config = message.config as ResolvedConfig;
      exportTimeoutMillis = config.exportTimeoutMillis;
      stats = new SharedStats(message.stats);
      pipeline = createRunPipeline(config, new FailureLog(), stats.counters, message.reportSettled ? onSettled : publishGauges);
      break;
    }
    case 'items':
      take(message.items);
      publishGauges();
      break;
    case 'flush':
      void pipeline!.flush().then(() => answer(message.requestId));
      break;
    case 'shutdown':
      void pipeline!.shutdown(message.keepHeld).then(() => answer(message.requestId));
      break;
  }
});
