import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { LangSmithExporterOptions } from '../config/options.js';
import { resolveConfig, type ResolvedConfig } from '../config/resolve-config.js';
import { deliverWithRetry, type DeliveryOutcome } from '../delivery/deliver-with-retry.js';
import { DeliveryQueue } from '../delivery/delivery-queue.js';
import { Throttle } from '../delivery/throttle.js';
import { SpanSelector } from '../filtering/span-filter.js';
import { clampStartToParent, detachFromParent, reparent, type OrphanReason } from '../mapping/adjust.js';
import { mapSpan } from '../mapping/map-span.js';
import { ParentGate, type GateEntry, type ReleaseContext } from '../ordering/parent-gate.js';
import type { RunCreate } from '../schema/run.js';
import { applyPrivacy } from '../shaping/privacy.js';
import { serializeWithinBudget } from '../shaping/size-budget.js';
import { HttpTransport, type Transport } from '../transport/http-transport.js';
import { ExportCall } from './export-call.js';
import { FailureLog } from './failure-log.js';
import { emptyCounters, type ExporterStats } from './stats.js';

/** A run on its way: serialized once, re-serialized only when ordering has to change it. */
interface PendingRun extends GateEntry {
  body: string;
  startMicros: number;
  /** When the run became sendable; its retry budget counts from here. */
  readyAt: number;
  /** The export() call the span came in; it waits for the run unless the run is held. */
  origin: ExportCall;
  /** Calls waiting for this run's delivery. */
  waiters: ExportCall[];
}

/** How many acknowledged run ids are remembered for children that end after their parent. */
const REMEMBERED_PARENTS = 100_000;

/**
 * An OpenTelemetry `SpanExporter` that sends each span to LangSmith as one run with one
 * `POST /runs`, a parent always acknowledged before any of its children is sent.
 */
export class LangSmithSpanExporter implements SpanExporter {
  private readonly config: ResolvedConfig;
  private readonly transport: Transport;
  private readonly gate: ParentGate<PendingRun>;
  private readonly queue: DeliveryQueue<PendingRun>;
  private readonly throttle = new Throttle();
  private readonly abort = new AbortController();
  private readonly log = new FailureLog();
  private readonly counters = emptyCounters();
  private readonly selector: SpanSelector;
  /** Calls waiting on the run whose acknowledgement is releasing children right now. */
  private releasingWaiters: readonly ExportCall[] = [];
  private shutdownPromise: Promise<void> | undefined;

  /** @throws ConfigError when an option is invalid. */
  constructor(options: LangSmithExporterOptions = {}) {
    this.config = resolveConfig(options, options.env ?? process.env);
    if (!this.config.apiKey) {
      this.log.errorOnce(
        'missing-key',
        `otel-langsmith: no LangSmith API key. Set LANGSMITH_API_KEY or pass { apiKey }; ${this.config.endpoint} will reject runs with 401.`,
      );
    }
    const headers: Record<string, string> = { ...this.config.headers };
    if (this.config.apiKey) headers['x-api-key'] = this.config.apiKey;
    if (this.config.workspaceId) headers['x-tenant-id'] = this.config.workspaceId;
    this.transport = new HttpTransport({
      endpoint: this.config.endpoint,
      headers,
      connections: this.config.maxConcurrentRequests,
      requestTimeoutMillis: this.config.requestTimeoutMillis,
    });
    this.gate = new ParentGate<PendingRun>({
      maxHeldRuns: this.config.maxHeldRuns,
      maxHeldBytes: this.config.maxHeldBytes,
      orphanTimeoutMillis: this.config.orphanTimeoutMillis,
      maxRememberedParents: REMEMBERED_PARENTS,
      release: (run, context) => this.onRelease(run, context),
    });
    this.selector = new SpanSelector(this.config.spanFilter, REMEMBERED_PARENTS, (error) =>
      this.log.errorOnce('span-filter', `otel-langsmith: spanFilter threw; spans are kept while it does: ${String(error)}`),
    );
    this.queue = new DeliveryQueue(this.config.maxConcurrentRequests, this.config.maxQueuedRuns, (run) => this.deliver(run));
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.shutdownPromise) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('LangSmithSpanExporter is shut down') });
      return;
    }
    const call = new ExportCall(resultCallback, this.config.exportTimeoutMillis);
    try {
      for (const span of spans) this.accept(span, call);
    } catch (error) {
      // Only a bug can land here; the application must never see it.
      diag.error('otel-langsmith: unexpected error in export()', error);
    }
    call.seal();
  }

  /** Resolves when every run that can be sent now has been delivered or has failed. Held runs stay held. */
  forceFlush(): Promise<void> {
    return this.queue.idle();
  }

  /**
   * Releases held runs as orphans, delivers what it can within `shutdownTimeoutMillis`, then
   * closes connections. Idempotent; `export()` fails fast afterwards.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.drainAndClose();
    return this.shutdownPromise;
  }

  /** Counters and current buffer sizes. */
  stats(): ExporterStats {
    return {
      ...this.counters,
      heldRuns: this.gate.heldCount,
      heldBytes: this.gate.heldBytes,
      queuedRuns: this.queue.queued,
      inFlightRequests: this.queue.inFlight,
    };
  }

  private accept(span: ReadableSpan, call: ExportCall): void {
    this.counters.spansReceived++;
    let mapped;
    try {
      mapped = mapSpan(span, { projectName: this.config.projectName });
    } catch (error) {
      this.counters.spansUnmappable++;
      this.log.warn('unmappable', `otel-langsmith: span dropped, it cannot become a run: ${(error as Error).message}`);
      return;
    }
    let { run } = mapped;
    if (mapped.parentIsRemote && this.config.remoteParents === 'root') detachFromParent(run, 'remote_parent');
    if (!this.selector.keeps(run, span)) {
      this.leaveOut(run);
      return;
    }
    applyPrivacy(run, this.config.privacy);
    if (this.config.transformRun) {
      const transformed = this.transform(run, span);
      if (!transformed) {
        this.leaveOut(run);
        return;
      }
      run = transformed;
    }
    const { body, cuts } = serializeWithinBudget(run, this.config.maxRunBytes);
    if (cuts.length) this.counters.runsTruncated++;
    const pending: PendingRun = {
      id: run.id,
      parentId: run.parent_run_id,
      bytes: body.length,
      body,
      startMicros: mapped.startMicros,
      readyAt: 0,
      origin: call,
      waiters: [],
    };
    this.gate.submit(pending);
  }

  /** A filtered-out span: never sent, its children attach to its nearest kept ancestor. */
  private leaveOut(run: RunCreate): void {
    this.counters.spansFiltered++;
    this.gate.drop(run.id, run.parent_run_id);
  }

  private transform(run: RunCreate, span: ReadableSpan): RunCreate | undefined {
    try {
      const result = this.config.transformRun!(run, span);
      if (result === null) return undefined;
      return result ?? run;
    } catch (error) {
      this.log.warn('transform', `otel-langsmith: transformRun threw, run ${run.id} left out: ${String(error)}`);
      return undefined;
    }
  }

  /** The gate lets a run go: adjust it for its parent, then queue it for delivery. */
  private onRelease(pending: PendingRun, context: ReleaseContext): void {
    if (context.reparentedTo !== undefined) {
      const to = context.reparentedTo;
      this.rewrite(pending, (run) => reparent(run, to ?? undefined));
    }
    if (context.orphan) {
      this.rewrite(pending, (run) => detachFromParent(run, context.orphan as OrphanReason));
      this.counters.runsOrphaned++;
    } else if (context.parent && pending.startMicros < context.parent.startMicros) {
      const parentStart = context.parent.startMicros;
      this.rewrite(pending, (run) => clampStartToParent(run, pending.startMicros, parentStart));
      pending.startMicros = parentStart;
      this.counters.runsClamped++;
    }
    pending.readyAt = Date.now();
    this.gate.markSending(pending.id);
    if (pending.origin.open) this.addWaiter(pending, pending.origin);
    for (const call of this.releasingWaiters) if (call.open) this.addWaiter(pending, call);
    if (!this.queue.push(pending)) {
      this.finish(pending, { kind: 'failed', reason: `send queue full (${this.config.maxQueuedRuns} runs)`, attempts: 0 });
    }
  }

  private addWaiter(pending: PendingRun, call: ExportCall): void {
    if (pending.waiters.includes(call)) return;
    call.add();
    pending.waiters.push(call);
  }

  private rewrite(pending: PendingRun, change: (run: RunCreate) => void): void {
    const run = JSON.parse(pending.body) as RunCreate;
    change(run);
    pending.body = JSON.stringify(run);
  }

  private async deliver(pending: PendingRun): Promise<void> {
    const outcome = await deliverWithRetry('/runs', pending.body, pending.readyAt, {
      transport: this.transport,
      policy: this.config.retry,
      throttle: this.throttle,
      signal: this.abort.signal,
      onRetry: () => this.counters.retries++,
    });
    this.finish(pending, outcome);
  }

  private finish(pending: PendingRun, outcome: DeliveryOutcome): void {
    let failure: string | undefined;
    if (outcome.kind === 'delivered') {
      this.counters.runsDelivered++;
      this.counters.bytesDelivered += pending.bytes;
    } else {
      failure = this.reportFailure(pending, outcome);
    }
    const waiters = pending.waiters;
    pending.waiters = [];
    // Children released now are delivered on behalf of the calls that waited for their parent.
    this.releasingWaiters = waiters;
    try {
      if (outcome.kind === 'delivered') this.gate.acknowledged(pending.id, { startMicros: pending.startMicros });
      else this.gate.failed(pending.id);
    } finally {
      this.releasingWaiters = [];
    }
    for (const call of waiters) call.settle(failure);
  }

  private reportFailure(pending: PendingRun, outcome: Exclude<DeliveryOutcome, { kind: 'delivered' }>): string {
    if (outcome.kind === 'rejected') {
      this.counters.runsRejected++;
      if (outcome.status === 401 || outcome.status === 403) {
        this.log.errorOnce(
          'auth',
          `otel-langsmith: LangSmith refused the API key (HTTP ${outcome.status}) at ${this.config.endpoint}. ` +
            `Check the key from ${this.config.sources.apiKey}` +
            (this.config.workspaceId ? ' and that it may write to workspace LANGSMITH_WORKSPACE_ID.' : '.'),
        );
      } else {
        this.log.warn(
          `rejected:${outcome.status}`,
          `otel-langsmith: LangSmith rejected run ${pending.id} with HTTP ${outcome.status}: ${outcome.detail}`,
        );
      }
      return `run ${pending.id} rejected with HTTP ${outcome.status}`;
    }
    this.counters.runsFailed++;
    this.log.warn('failed', `otel-langsmith: run ${pending.id} not delivered: ${outcome.reason}`);
    return `run ${pending.id} not delivered: ${outcome.reason}`;
  }

  private async drainAndClose(): Promise<void> {
    this.gate.releaseAll('shutdown');
    this.gate.stop();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), this.config.shutdownTimeoutMillis);
    });
    const drained = await Promise.race([this.queue.idle().then(() => 'drained' as const), deadline]);
    clearTimeout(timer);
    if (drained === 'deadline') {
      this.abort.abort(); // waits and requests end now; their runs are reported as failed
      await this.queue.idle();
      await this.transport.destroy();
    } else {
      await this.transport.close();
    }
  }
}
