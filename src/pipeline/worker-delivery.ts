import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { FileSpool } from '../delivery/file-spool.js';
import type { CallHandle, Delivery } from './delivery.js';
import { LangSmithExportError } from './export-call.js';
import type { RunSubmission } from './run-pipeline.js';
import { SharedStats } from './shared-stats.js';
import type { ExporterStats } from './stats.js';
import type { CallResult, FromWorker, ToWorker, WorkerConfig, WorkItem } from './worker-protocol.js';
import type { ParentInfo } from '../ordering/parent-gate.js';
import type { SettlementListener } from './settlement.js';

type WorkerCall = CallHandle & { callId: number };

/** No worker thread could be started here (a restricted runtime); the exporter falls back to the main thread. */
export class WorkerUnavailableError extends Error {
  override name = 'WorkerUnavailableError';
}

/**
 * The worker's script: built beside this module; from the sources (the test suite), the build's
 * copy. Undefined when neither exists (the package was bundled into one file by an application's
 * bundler): the exporter then delivers on the application thread.
 */
export function deliveryWorkerScript(): string | undefined {
  for (const candidate of ['./delivery-worker.js', '../../dist/delivery-worker.js']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  return undefined;
}

/**
 * The pipeline in a worker thread: the application's event loop maps and serializes spans and
 * posts the bodies; ordering, HTTP, retries and the spool run on the worker's loop. Work items are
 * posted once per slice of mapping (not per run), results come back per export() call, and stats
 * live in shared memory so `stats()` stays synchronous.
 */
export class WorkerDelivery implements Delivery {
  private readonly shared = new SharedStats();
  private readonly worker: Worker;
  private items: WorkItem[] = [];
  private postScheduled = false;
  private nextId = 1;
  private readonly calls = new Map<number, (result: ExportResult) => void>();
  private readonly requests = new Map<number, () => void>();
  private dead: Error | undefined;
  private stopping = false;

  /** `onSettled`: told each run's final state, sent back by the worker (the bridge's journal). */
  constructor(
    config: ResolvedConfig,
    script: string,
    private readonly onSettled?: SettlementListener,
  ) {
    const { privacy: _privacy, spanFilter: _spanFilter, transformRun: _transformRun, ...workerConfig } = config;
    // The spool is opened in the worker; opening it here first makes a bad directory fail the
    // constructor, as it does with delivery on the application thread, instead of the worker.
    if (config.failedRunsDir) new FileSpool(config.failedRunsDir, config.maxFailedRunsBytes);
    // No inherited execArgv: a worker inherits the process's `--import`/`--require`, so with the
    // zero-code start (`--import otel-langsmith/register`) it would start tracing in the worker too,
    // with its own exporter and delivery worker, and so on.
    try {
      this.worker = new Worker(script, { name: 'otel-langsmith delivery', execArgv: [] });
    } catch (error) {
      throw new WorkerUnavailableError(String(error));
    }
    this.worker.on('message', (message: FromWorker) => this.onMessage(message));
    this.worker.on('error', (error) => this.onDeath(error));
    this.worker.on('exit', (code) => this.onDeath(new Error(`the delivery worker exited (code ${code})`)));
    this.post({ type: 'init', config: workerConfig satisfies WorkerConfig, stats: this.shared.buffer, reportSettled: onSettled !== undefined });
    // Referenced only while export() calls or flushes wait for it, so an idle exporter never keeps
    // the process alive. After the listeners: adding a 'message' listener references it again.
    this.updateRef();
  }

  get counters() {
    return this.shared.counters;
  }

  openCall(callback: (result: ExportResult) => void): CallHandle {
    const callId = this.nextId++;
    this.calls.set(callId, callback);
    this.updateRef();
    const handle: WorkerCall = { callId, seal: () => this.enqueue({ kind: 'seal', callId }) };
    return handle;
  }

  submit(run: RunSubmission, call: CallHandle): void {
    this.enqueue({ kind: 'submit', callId: (call as WorkerCall).callId, ...run });
  }

  drop(id: string, parentId: string | undefined, call: CallHandle): void {
    this.enqueue({ kind: 'drop', callId: (call as WorkerCall).callId, id, parentId });
  }

  assumeDelivered(id: string, parent: ParentInfo): void {
    this.enqueue({ kind: 'ack', id, parent });
  }

  flush(): Promise<void> {
    return this.request('flush');
  }

  async shutdown(keepHeld = false): Promise<void> {
    await this.request('shutdown', keepHeld);
    this.stopping = true;
    await this.worker.terminate();
  }

  stats(): ExporterStats {
    return this.shared.read();
  }

  private enqueue(item: WorkItem): void {
    if (this.dead) {
      if (item.kind === 'submit') this.shared.counters.runsFailed++;
      if (item.kind === 'seal') this.settle(item.callId, this.failure());
      return;
    }
    this.items.push(item);
    // One message per slice of mapping: the exporter submits synchronously, this runs after it.
    if (!this.postScheduled) {
      this.postScheduled = true;
      queueMicrotask(() => {
        this.postScheduled = false;
        const items = this.items;
        this.items = [];
        if (items.length) this.post({ type: 'items', items });
      });
    }
  }

  private request(type: 'flush' | 'shutdown', keepHeld = false): Promise<void> {
    if (this.dead) return Promise.resolve();
    const requestId = this.nextId++;
    return new Promise<void>((resolve) => {
      this.requests.set(requestId, resolve);
      this.updateRef();
      // Microtasks run in order: this goes after the post of the items already enqueued, so a
      // flush covers them.
      queueMicrotask(() => this.post(type === 'flush' ? { type, requestId } : { type, requestId, keepHeld }));
    });
  }

  private post(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  private onMessage(message: FromWorker): void {
    if (message.type === 'log') diag[message.level](message.message);
    else if (message.type === 'done') this.settle(message.callId, message.result);
    else if (message.type === 'settled') this.reportSettled(message.runs);
    else {
      this.requests.get(message.requestId)?.();
      this.requests.delete(message.requestId);
      this.updateRef();
    }
  }

  private reportSettled(runs: Parameters<SettlementListener>[0][]): void {
    for (const run of runs) {
      try {
        this.onSettled?.(run);
      } catch (error) {
        diag.error('otel-langsmith: the settlement listener threw', error);
      }
    }
  }

  private settle(callId: number, result: CallResult): void {
    const callback = this.calls.get(callId);
    if (!callback) return;
    this.calls.delete(callId);
    this.updateRef();
    const error = result.error ? new LangSmithExportError(result.error.message, result.error.counts, result.error.timedOut, result.error.pending) : undefined;
    try {
      callback(error ? { code: ExportResultCode.FAILED, error } : { code: result.code });
    } catch (thrown) {
      diag.error('otel-langsmith: the export() result callback threw', thrown);
    }
  }

  private failure(): CallResult {
    return { code: ExportResultCode.FAILED, error: { message: `LangSmith export failed: ${this.dead?.message}`, counts: { rejected: 0, failed: 0, spooled: 0 }, timedOut: false, pending: 0 } };
  }

  /** The worker is gone (a crash, or terminate() after shutdown): nothing it held can be delivered now. */
  private onDeath(error: Error): void {
    if (this.dead) return;
    this.dead = error;
    if (!this.stopping) {
      // What it held, queued or had in flight is gone with it: counted as failed, never silently.
      const { heldRuns, queuedRuns, inFlightRequests } = this.shared.read();
      const lost = heldRuns + queuedRuns + inFlightRequests;
      this.shared.counters.runsFailed += lost;
      this.shared.setGauges({ heldRuns: 0, heldBytes: 0, queuedRuns: 0, inFlightRequests: 0, demandRunsPerMinute: 0, acceptedRunsPerMinute: 0 });
      diag.error(`otel-langsmith: the delivery worker stopped; the ${lost} runs in it are lost`, error);
    }
    for (const callId of [...this.calls.keys()]) this.settle(callId, this.failure());
    for (const resolve of this.requests.values()) resolve();
    this.requests.clear();
  }

  private updateRef(): void {
    if (this.calls.size + this.requests.size > 0) this.worker.ref();
    else this.worker.unref();
  }
}
