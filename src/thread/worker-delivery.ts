import { diag } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { FileSpool } from '../delivery/file-spool.js';
import type { FailureLog } from '../diagnostics/failure-log.js';
import type { ParentInfo } from '../ordering/parent-gate.js';
import type { Delivery, DeliveryMode, ExportHandle } from '../pipeline/delivery.js';
import type { RunSettlement, SettlementListener } from '../pipeline/settlement.js';
import { SpanIntake, type IntakeConfig, type RunSink } from '../pipeline/span-intake.js';
import { emptyCounters, type CounterName, type ExporterStats } from '../pipeline/stats.js';
import { failedCall, fromCallResult, type CallResult } from './call-result.js';
import type { FromWorker, ToWorker, WorkerConfig, WorkItem } from './protocol.js';
import { SharedStats } from './shared-stats.js';
import { SnapshotReader, SnapshotWriter } from './span-snapshot.js';

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
 * The application thread's side of the delivery worker. Spans are copied into plain data (or,
 * with function hooks, mapped here) and posted once per slice of an export() call, not per span;
 * ordering, HTTP, retries and the spool run on the worker's loop; results come back per call, and
 * stats live in shared memory so `stats()` stays synchronous.
 */
export class WorkerDelivery implements Delivery {
  private readonly shared = new SharedStats();
  private readonly worker: Worker;
  private items: WorkItem[] = [];
  /** Copies the spans of the message being gathered (shared objects copied once per message). */
  private writer: SnapshotWriter | undefined;
  private postScheduled = false;
  private nextId = 1;
  private readonly calls = new Map<number, (result: ExportResult) => void>();
  private readonly requests = new Map<number, () => void>();
  private dead: Error | undefined;
  private stopping = false;
  /** Mapping on this thread, with function hooks set. */
  private readonly intake: SpanIntake | undefined;
  /** Mapping on this thread while the worker maps: only for spans that cannot be copied. */
  private fallback: SpanIntake | undefined;
  /** Span counts of this thread's mapping while the worker maps: sent to it, the counters' one writer. */
  private readonly localCounts = emptyCounters();

  /** `onSettled`: told each run's final state, sent back by the worker (the bridge's journal). */
  /** What this thread's mapping needs: never the whole configuration, which holds the API key. */
  private readonly intakeConfig: IntakeConfig;

  constructor(
    config: ResolvedConfig,
    script: string,
    private readonly log: FailureLog,
    private readonly onSettled: SettlementListener | undefined,
    readonly mode: DeliveryMode,
    /** Spans of this process's own application: the worker yields the CPU to it. */
    yieldToApplication = true,
  ) {
    const { privacy, spanFilter: _spanFilter, transformRun: _transformRun, ...deliveryConfig } = config;
    const mapSpans = mode.mapping === 'worker';
    this.intakeConfig = { projectName: config.projectName, remoteParents: config.remoteParents, privacy, spanFilter: config.spanFilter, transformRun: config.transformRun, maxRunBytes: config.maxRunBytes };
    const workerConfig: WorkerConfig = { ...deliveryConfig, privacy: mapSpans ? (privacy as WorkerConfig['privacy']) : {} };
    this.intake = mapSpans ? undefined : new SpanIntake(config, log, this.shared.counters, onSettled);
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
    this.post({ type: 'init', config: workerConfig, stats: this.shared.buffer, reportSettled: onSettled !== undefined, mapSpans, yieldToApplication });
    // Referenced only while export() calls or flushes wait for it, so an idle exporter never keeps
    // the process alive. After the listeners: adding a 'message' listener references it again.
    this.updateRef();
  }

  get counters(): Record<CounterName, number> {
    return this.shared.counters;
  }

  openCall(callback: (result: ExportResult) => void): ExportHandle {
    const callId = this.nextId++;
    this.calls.set(callId, callback);
    this.updateRef();
    const sink: RunSink = {
      submit: (run) => this.enqueue({ kind: 'submit', callId, run }),
      drop: (id, parentId) => this.enqueue({ kind: 'drop', callId, id, parentId }),
    };
    const intake = this.intake;
    return {
      take: intake ? (span, heldSince) => intake.take(span, sink, heldSince) : (span, heldSince) => this.copy(span, callId, sink, heldSince),
      seal: () => this.enqueue({ kind: 'seal', callId }),
    };
  }

  assumeDelivered(id: string, parent: ParentInfo): void {
    this.enqueue({ kind: 'ack', id, parent });
  }

  flush(): Promise<void> {
    return this.request('flush');
  }

  handedOver(): Promise<void> {
    return this.request('sync');
  }

  async shutdown(keepHeld = false): Promise<void> {
    await this.request('shutdown', keepHeld);
    this.stopping = true;
    await this.worker.terminate();
  }

  stats(): ExporterStats {
    return this.shared.read();
  }

  /** The span as plain data for the worker to map; one that cannot be copied is mapped here. */
  private copy(span: ReadableSpan, callId: number, sink: RunSink, heldSince: number | undefined): void {
    let snapshot;
    try {
      snapshot = (this.writer ??= new SnapshotWriter()).snapshot(span);
    } catch {
      this.mapHere(span, sink, heldSince);
      return;
    }
    this.enqueue({ kind: 'span', callId, span: snapshot, heldSince });
  }

  /** Mapping on this thread while the worker maps: what it counts goes to the worker with the runs. */
  private mapHere(span: ReadableSpan, sink: RunSink, heldSince: number | undefined): void {
    this.fallbackIntake().take(span, sink, heldSince);
    this.enqueue(this.takeLocalCounts());
  }

  private fallbackIntake(): SpanIntake {
    return (this.fallback ??= new SpanIntake(this.intakeConfig, this.log, this.localCounts, this.onSettled));
  }

  /** What this thread's fallback mapping counted since last asked, for the worker to add. */
  private takeLocalCounts(): WorkItem {
    const counts: Partial<Record<CounterName, number>> = {};
    for (const name of Object.keys(this.localCounts) as CounterName[]) {
      if (this.localCounts[name]) counts[name] = this.localCounts[name];
      this.localCounts[name] = 0;
    }
    return { kind: 'count', counts };
  }

  private enqueue(item: WorkItem): void {
    if (this.dead) {
      if (item.kind === 'span' || item.kind === 'submit') this.shared.counters.runsFailed++;
      if (item.kind === 'seal') this.settle(item.callId, this.failure());
      return;
    }
    this.items.push(item);
    // One message per slice of mapping: the exporter takes spans synchronously, this runs after it.
    if (!this.postScheduled) {
      this.postScheduled = true;
      queueMicrotask(() => this.postItems());
    }
  }

  private postItems(): void {
    this.postScheduled = false;
    const items = this.items;
    this.items = [];
    this.writer = undefined;
    if (items.length === 0) return;
    try {
      this.post({ type: 'items', items });
      return;
    } catch (error) {
      // A span holding something structured clone cannot copy (a function, a symbol): the whole
      // message was refused. Its spans are mapped here instead, and the message goes again.
      diag.debug(`otel-langsmith: spans could not be copied to the delivery worker (${String(error)}); mapping them on the application thread`);
    }
    const mapped = this.mappedHere(items);
    try {
      this.post({ type: 'items', items: mapped });
    } catch (error) {
      // Only strings and numbers are left: this cannot happen, but the application must never see it.
      this.lose(mapped, error);
    }
  }

  /** Items that could not reach the worker: their runs counted as failed, their calls answered. */
  private lose(items: WorkItem[], error: unknown): void {
    diag.error('otel-langsmith: work could not be sent to the delivery worker; its runs are lost', error);
    for (const item of items) {
      if (item.kind === 'submit') this.shared.counters.runsFailed++;
      if (item.kind === 'seal') this.settle(item.callId, failedCall(`LangSmith export failed: ${String(error)}`));
    }
  }

  /** The same items, with each span replaced by the run (or drop) mapping it here makes. */
  private mappedHere(items: WorkItem[]): WorkItem[] {
    const reader = new SnapshotReader();
    const out: WorkItem[] = [];
    const sinkFor = (callId: number): RunSink => ({
      submit: (run) => out.push({ kind: 'submit', callId, run }),
      drop: (id, parentId) => out.push({ kind: 'drop', callId, id, parentId }),
    });
    const intake = this.fallbackIntake();
    for (const item of items) {
      if (item.kind === 'span') intake.take(reader.read(item.span), sinkFor(item.callId), item.heldSince);
      else out.push(item);
    }
    out.push(this.takeLocalCounts());
    return out;
  }

  private request(type: 'flush' | 'sync' | 'shutdown', keepHeld = false): Promise<void> {
    if (this.dead) return Promise.resolve();
    const requestId = this.nextId++;
    return new Promise<void>((resolve) => {
      this.requests.set(requestId, resolve);
      this.updateRef();
      // Microtasks run in order: this goes after the post of the items already enqueued, so a
      // flush covers them.
      queueMicrotask(() => this.post(type === 'shutdown' ? { type, requestId, keepHeld } : { type, requestId }));
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

  private reportSettled(runs: RunSettlement[]): void {
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
    try {
      callback(fromCallResult(result));
    } catch (thrown) {
      diag.error('otel-langsmith: the export() result callback threw', thrown);
    }
  }

  private failure(): CallResult {
    return failedCall(`LangSmith export failed: ${this.dead?.message}`);
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
