import { diag } from '@opentelemetry/api';
import { setMaxListeners } from 'node:events';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { deliverWithRetry, type DeliveryOutcome, type RetryContext } from '../delivery/deliver-with-retry.js';
import { DeliveryQueue } from '../delivery/delivery-queue.js';
import { isReplayable, type FailureSink } from '../delivery/failure-sink.js';
import { RateLimitReport } from '../delivery/rate-limit-report.js';
import { RateLimiter } from '../delivery/rate-limiter.js';
import { RatePacer } from '../delivery/rate-pacer.js';
import { RateWindow } from '../delivery/rate-window.js';
import { Throttle } from '../delivery/throttle.js';
import type { FailureLog } from '../diagnostics/failure-log.js';
import { clampStartToParent, detachFromParent, reparent, type OrphanReason } from '../mapping/adjust.js';
import { dottedSegment } from '../ordering/dotted-order.js';
import { ParentGate, type GateEntry, type ParentInfo, type ReleaseContext } from '../ordering/parent-gate.js';
import { RecentMap } from '../ordering/recent-map.js';
import type { RunCreate } from '../schema/run.js';
import type { Transport } from '../transport/http-transport.js';
import { authFailureHint, type ExportCall, type RunFailureKind } from './export-call.js';
import type { CounterName, ExporterStats, GaugeName } from './stats.js';

/** A serialized run entering the pipeline. */
export interface RunSubmission {
  id: string;
  parentId: string | undefined;
  body: string;
  startMicros: number;
  /**
   * When the run first arrived (epoch ms), when that was before now: the OTLP bridge replaying its
   * journal after a restart, so a held run keeps its original parent-wait deadline. Unset: now.
   */
  heldSince?: number;
}

/** A run on its way: serialized once, re-serialized only when ordering has to change it. */
interface PendingRun extends GateEntry {
  body: string;
  startMicros: number;
  /** When the run became sendable; its retry budget counts from here. */
  readyAt: number;
  /** The call the run came in; it waits for the run unless the run is held. */
  origin: ExportCall | undefined;
  /** Calls waiting for this run's delivery. */
  waiters: ExportCall[];
  /** Batch mode: where the run sits in its trace, computed from its acknowledged parent. */
  dottedOrder: string | undefined;
  traceId: string | undefined;
}

/** Batch sizes to use until the server's `GET /info` says otherwise. */
const DEFAULT_BATCH_LIMITS = { maxItems: 100, maxBytes: 10 * 1024 * 1024 };

/** How many acknowledged run ids are remembered for children that end after their parent. */
export const REMEMBERED_PARENTS = 100_000;

/**
 * Told once per run this pipeline was given when the run reaches a final state (see settlement.ts):
 * its delivery outcome, spooled, or lost (the spool full); `parent` only for a delivered run.
 */
export type SettledHook = (id: string, outcome: DeliveryOutcome | { kind: 'spooled' } | { kind: 'lost' }, parent?: ParentInfo) => void;

export type PipelineConfig = Pick<
  ResolvedConfig,
  | 'maxHeldRuns'
  | 'maxHeldBytes'
  | 'orphanTimeoutMillis'
  | 'maxConcurrentRequests'
  | 'maxQueuedRuns'
  | 'retry'
  | 'shutdownTimeoutMillis'
  | 'endpoint'
  | 'workspaceId'
  | 'sources'
  | 'maxRequestsPerMinute'
  | 'transport'
  | 'remoteParents'
  | 'rateLimitWindowSeconds'
  | 'exportTimeoutMillis'
>;

/**
 * Rate limiting lasting this long (or the export deadline, when shorter) is more than a burst: a
 * BatchSpanProcessor with default settings has about 17 s of room at 120 spans a second.
 */
const SUSTAINED_LIMIT_MILLIS = 10_000;
/** How often the rate limit figures are looked at (report, automatic transport). */
const RATE_CHECK_MILLIS = 1000;
/** `transport: 'auto'` batches once requests have been rate limited with a backlog for this many checks in a row... */
const AUTO_BATCH_AFTER_PRESSED_CHECKS = 3;

/**
 * Serialized runs in, acknowledged runs out: the parent gate (ordering), the send queue and the
 * retrying delivery, with the bookkeeping that lets each call know when its runs are settled.
 * Used by the span exporter after mapping, and by replay for spooled runs.
 */
export class RunPipeline {
  private readonly gate: ParentGate<PendingRun>;
  private readonly queue: DeliveryQueue<PendingRun>;
  private readonly throttle = new Throttle();
  private readonly rateLimiter: RateLimiter | undefined;
  private readonly abort = new AbortController();
  /**
   * The calls on whose behalf the gate is releasing runs right now: those waiting on a run whose
   * outcome releases its children, or the call whose dropped span re-parents its descendants.
   */
  private releasingFor: readonly ExportCall[] = [];
  /** Spooled runs whose children must follow them into the spool, not go out as roots. */
  private readonly spooledParents = new RecentMap<string, true>(REMEMBERED_PARENTS);
  private batchLimits: Promise<void> | undefined;
  /** True while a new run enters: only new runs are refused by a full queue (backpressure). */
  private admitting = false;
  private readonly currentLimits = { ...DEFAULT_BATCH_LIMITS };
  /** The same for every request: built once, not per run. */
  private readonly retryContext: RetryContext;
  /** What was asked of the server and what it accepted, second by second (429s included). */
  private readonly rates: RateWindow;
  private readonly pacer: RatePacer;
  private readonly rateReport: RateLimitReport;
  private readonly rateTimer: NodeJS.Timeout;
  /** Whether chunks go to `/runs/batch` now: always with 'batch', while rate limited with 'auto'. */
  private batching: boolean;
  /** The server answered 404/405 on `/runs/batch` (a proxy, an older LangSmith): single requests only. */
  private batchUnsupported = false;
  /** Consecutive checks that found requests rate limited with a backlog. */
  private pressedChecks = 0;
  /** The queued runs' calls were answered when rate limiting began; again after it ends. */
  private queueAccepted = false;

  constructor(
    private readonly config: PipelineConfig,
    private readonly transport: Transport,
    private readonly log: FailureLog,
    private readonly counters: Record<CounterName, number>,
    private readonly hooks: { sink?: FailureSink; onSettled?: SettledHook } = {},
  ) {
    // Every request and backoff listens to this one signal; Node's leak warning would misfire.
    setMaxListeners(0, this.abort.signal);
    this.gate = new ParentGate<PendingRun>({
      maxHeldRuns: config.maxHeldRuns,
      maxHeldBytes: config.maxHeldBytes,
      orphanTimeoutMillis: config.orphanTimeoutMillis,
      maxRememberedParents: REMEMBERED_PARENTS,
      release: (run, context) => this.onRelease(run, context),
    });
    this.rateLimiter = config.maxRequestsPerMinute ? new RateLimiter(config.maxRequestsPerMinute) : undefined;
    this.rates = new RateWindow(Math.max(config.rateLimitWindowSeconds, 60));
    this.pacer = new RatePacer(this.rates);
    this.retryContext = {
      transport,
      policy: config.retry,
      throttle: this.throttle,
      rateLimiter: this.rateLimiter,
      rates: { window: this.rates, pacer: this.pacer },
      signal: this.abort.signal,
      onRetry: (reason) => {
        this.counters.retries++;
        if (reason === 'HTTP 429') this.counters.rateLimitedResponses++;
      },
    };
    this.batching = config.transport === 'batch';
    this.queue =
      config.transport === 'runs'
        ? new DeliveryQueue(config.maxConcurrentRequests, config.maxQueuedRuns, ([run]) => this.deliver(run!))
        : new DeliveryQueue(config.maxConcurrentRequests, config.maxQueuedRuns, (runs) => this.deliverBatch(runs), this.queueLimits());
    this.rateReport = new RateLimitReport(this.rates, config, (message) => this.log.errorOnce(`rate-limit:${message}`, message));
    this.rateTimer = setInterval(() => this.checkRates(), RATE_CHECK_MILLIS).unref();
  }

  /** What the pipeline holds now, and the runs a minute asked of the server and taken by it. */
  gauges(): Pick<ExporterStats, GaugeName> {
    const rates = this.rates.total(this.config.rateLimitWindowSeconds);
    const perMinute = 60 / this.config.rateLimitWindowSeconds;
    return {
      heldRuns: this.gate.heldCount,
      heldBytes: this.gate.heldBytes,
      queuedRuns: this.queue.queued,
      inFlightRequests: this.queue.inFlight,
      demandRunsPerMinute: Math.round(rates.demand * perMinute),
      acceptedRunsPerMinute: Math.round(rates.accepted * perMinute),
    };
  }

  /** Chunks of the batch limits while batching; one run each otherwise, so every sender stays busy. */
  private queueLimits() {
    const limits = this.batching && !this.batchUnsupported ? this.currentLimits : { maxItems: 1, maxBytes: Infinity };
    return { ...limits, sizeOf: (run: PendingRun) => run.body.length };
  }

  /**
   * The rate-limit report, and `transport: 'auto'` switching between single requests and batches.
   * "Rate limited" is the pacer at work: a 429 taught it a pace, and it lets go half a minute after
   * the last one.
   */
  private checkRates(): void {
    const limited = this.rateLimited();
    if (!limited) this.queueAccepted = false;
    else if (this.sustainedLimit()) this.acceptQueued();
    this.rateReport.check(limited);
    if (this.config.transport !== 'auto' || this.batchUnsupported) return;
    const backlog = this.queue.queued;
    this.pressedChecks = limited && backlog > this.config.maxConcurrentRequests ? this.pressedChecks + 1 : 0;
    if (!this.batching && this.pressedChecks >= AUTO_BATCH_AFTER_PRESSED_CHECKS) {
      this.setBatching(true, `rate limited (HTTP 429) with ${backlog} runs queued: sending them to /runs/batch until the pressure is gone`);
    } else if (this.batching && !limited && backlog === 0) {
      this.setBatching(false, 'no HTTP 429 for half a minute and nothing queued: back to single POST /runs');
    }
  }

  /**
   * When rate limiting has outlasted an export deadline (see sustainedLimit), runs told
   * to wait by a 429 are accepted: the calls waiting for them are answered now (see onRelease),
   * and so, once, are the calls waiting for runs still queued.
   */
  private onRateLimited(runs: readonly PendingRun[]): void {
    if (!this.sustainedLimit()) return;
    for (const run of runs) this.acceptNow(run);
    this.acceptQueued();
  }

  private acceptQueued(): void {
    if (this.queueAccepted) return;
    this.queueAccepted = true;
    this.queue.forEachQueued((run) => this.acceptNow(run));
  }

  /**
   * Rate limited for longer than an export() deadline without a break: a call waiting for delivery
   * would time out anyway, and stall its span processor meanwhile. A passing 429, or a burst the
   * server works through within one deadline, only delays the answer, which still means delivered.
   */
  private sustainedLimit(): boolean {
    return this.pacer.pacingFor >= Math.min(this.config.exportTimeoutMillis, SUSTAINED_LIMIT_MILLIS);
  }

  private acceptNow(pending: PendingRun): void {
    const waiters = pending.waiters;
    pending.waiters = [];
    for (const call of waiters) call.settle();
  }

  /** Requests are held back by the server's limit now (the pacer learned a pace from a 429). */
  private rateLimited(): boolean {
    return this.pacer.rate !== Infinity;
  }

  private setBatching(on: boolean, why: string): void {
    this.batching = on;
    this.counters.transportSwitches++;
    this.queue.setLimits(this.queueLimits());
    diag.info(`otel-langsmith: transport 'auto': ${why}`);
  }

  submit(run: RunSubmission, call?: ExportCall): void {
    this.admitting = true;
    try {
      // Every field written here, in one literal: one object shape for all runs (a spread of the
      // submission cost about 3 µs a run in the profile).
      const pending: PendingRun = {
        id: run.id,
        parentId: run.parentId,
        body: run.body,
        bytes: run.body.length,
        startMicros: run.startMicros,
        readyAt: 0,
        origin: call,
        waiters: [],
        dottedOrder: undefined,
        traceId: undefined,
      };
      this.gate.submit(pending, run.heldSince);
    } finally {
      this.admitting = false;
    }
  }

  /**
   * A run that will never be sent; its children attach to its nearest kept ancestor. Those it
   * lets go are delivered on behalf of the call, as if its span had been sent: the call's result
   * waits for them, and for their held descendants in turn.
   */
  drop(id: string, parentId: string | undefined, call?: ExportCall): void {
    this.releasing(call?.open ? [call] : [], () => this.gate.drop(id, parentId));
  }

  /**
   * Treats a run as already stored by the server (replay: parents delivered before the spool; the
   * bridge after a restart: parents its journal saw acknowledged, with their place in the trace).
   */
  assumeDelivered(id: string, startMicros: number, place?: { dottedOrder?: string; traceId?: string }): void {
    this.gate.acknowledged(id, { startMicros, ...place });
  }

  /**
   * Resolves when nothing is queued or in flight (held runs stay held), or after
   * `exportTimeoutMillis`, as an export() call would: a server that keeps answering 429 keeps runs
   * waiting (never failing) and would otherwise hold the flush for ever.
   */
  async flush(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), this.config.exportTimeoutMillis);
    });
    const outcome = await Promise.race([this.queue.idle(), deadline]);
    clearTimeout(timer);
    if (outcome === 'deadline') {
      diag.warn(`otel-langsmith: forceFlush gave up after ${this.config.exportTimeoutMillis} ms with ${this.queue.queued + this.queue.inFlight} runs still queued or in flight${this.rateLimited() ? ' (LangSmith is rate limiting)' : ''}; they are still being delivered`);
    }
  }

  /**
   * Releases runs still waiting for a parent not seen as orphans, delivers within the shutdown
   * deadline (runs waiting for a parent being sent follow it, attached), then closes the transport.
   *
   * `keepHeld`: the runs' owner keeps them on disk (the OTLP bridge's journal) and gives them back
   * at its next start, where their parents may still come: none leaves as an orphan now, held runs
   * are simply forgotten here (and never reported settled). Queued and in-flight runs are still
   * delivered within the deadline.
   */
  async shutdown(keepHeld = false): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), this.config.shutdownTimeoutMillis);
    });
    const drain = () => Promise.race([this.queue.idle().then(() => 'drained' as const), deadline]);
    if (!keepHeld) this.gate.releaseStrays('shutdown');
    let drained = await drain();
    // Idle with runs still held: they wait for a parent that failed for now, whose resend cannot
    // come any more. They leave too, then their descendants follow them.
    while (!keepHeld && drained === 'drained' && this.gate.heldCount > 0) {
      const before = this.gate.heldCount;
      this.gate.releaseStrays('shutdown');
      // Nothing is in flight for a backlog to wait on: a round that frees nothing must not spin.
      if (this.gate.heldCount === before) this.gate.releaseAll('shutdown');
      drained = await drain();
    }
    clearTimeout(timer);
    if (drained === 'deadline') {
      this.abort.abort(); // waits end now; their runs are reported as failed (and spooled)
      await this.transport.destroy(); // and so do requests in flight
      await this.queue.idle();
      // Nothing is sure to come now: the rest leaves as orphans, failing at once into the spool.
      if (!keepHeld) this.gate.releaseAll('shutdown');
      await this.queue.idle();
    } else {
      await this.transport.close();
    }
    this.gate.stop();
    clearInterval(this.rateTimer);
    await this.hooks.sink?.flush();
  }

  /** The gate lets a run go: adjust it for its parent, then queue it for delivery. */
  private onRelease(pending: PendingRun, context: ReleaseContext): void {
    const parentId = context.reparentedTo === undefined ? pending.parentId : (context.reparentedTo ?? undefined);
    if (context.orphan === 'parent_failed' && parentId && this.spooledParents.has(parentId)) {
      // Its parent waits in the spool: keep the tree whole for replay rather than send a root now.
      if (context.reparentedTo !== undefined) this.rewrite(pending, (run) => reparent(run, parentId));
      // A spool full (the run lost, counted in runsDropped) is this run's final state too.
      if (!this.keepForReplay(pending, 'parent not delivered')) this.hooks.onSettled?.(pending.id, { kind: 'lost' });
      return;
    }
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
    if (this.config.transport !== 'runs') this.placeInTrace(pending, context);
    pending.readyAt = Date.now();
    this.rates.add('demand');
    this.gate.markSending(pending.id);
    // While LangSmith has been rate limiting for longer than an export deadline, a run queued is
    // reported accepted, like a held one: a call that waited for delivery would stall
    // BatchSpanProcessor (one export at a time), which then drops spans at its own queue bound,
    // where nobody counts them. Queued runs stay bounded by maxQueuedRuns and are delivered, or
    // spooled and counted, by forceFlush and shutdown.
    if (!this.sustainedLimit()) {
      if (pending.origin?.open) this.addWaiter(pending, pending.origin);
      for (const call of this.releasingFor) if (call.open) this.addWaiter(pending, call);
    }
    if (!this.queue.push(pending, !this.admitting)) {
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

  /**
   * Batch ingestion needs `trace_id` and `dotted_order`; the parent is acknowledged by now, so its
   * place in the trace is known. A run whose parent's place is unknown (replay of an old spool)
   * goes without them through `POST /runs`, where the server derives them.
   */
  private placeInTrace(pending: PendingRun, context: ReleaseContext): void {
    const segment = dottedSegment(pending.startMicros, pending.id);
    const attached = !context.orphan && (context.reparentedTo === undefined ? pending.parentId : context.reparentedTo) !== undefined;
    if (attached && !context.parent?.dottedOrder) return;
    pending.dottedOrder = attached ? `${context.parent!.dottedOrder}.${segment}` : segment;
    pending.traceId = attached ? context.parent!.traceId : pending.id;
  }

  /**
   * The run as a batch entry: with `trace_id` and `dotted_order` in front (the body is a JSON
   * object this pipeline wrote, so no re-parse). The body itself stays as `POST /runs` wants it,
   * for when the run goes alone after all.
   */
  private batchEntry(pending: PendingRun): string {
    return `{"trace_id":${JSON.stringify(pending.traceId)},"dotted_order":${JSON.stringify(pending.dottedOrder)},${pending.body.slice(1)}`;
  }

  /**
   * One `POST /runs/batch` per chunk while batching; a refused batch is retried run by run to
   * isolate the bad one. A server without batch ingestion (404/405) gets single requests from
   * then on, with one warning, and no run fails for it.
   */
  private async deliverBatch(runs: PendingRun[]): Promise<void> {
    const alone = !this.batching || this.batchUnsupported;
    const single = alone ? runs : runs.filter((run) => !run.dottedOrder);
    for (const run of single) await this.deliver(run);
    if (alone) return;
    const batchable = runs.filter((run) => run.dottedOrder);
    if (batchable.length === 0) return;
    await (this.batchLimits ??= this.readBatchLimits());
    for (const chunk of this.chunks(batchable)) {
      const outcome = this.batchUnsupported ? undefined : await this.postBatch(chunk);
      if (outcome === undefined || (outcome.kind === 'rejected' && (outcome.status === 404 || outcome.status === 405))) {
        if (outcome) this.noBatchIngestion(outcome.status);
        for (const run of chunk) await this.deliver(run);
      } else if (outcome.kind === 'rejected' && chunk.length > 1) {
        for (const run of chunk) this.finish(run, await this.postBatch([run]));
      } else {
        for (const run of chunk) this.finish(run, outcome);
      }
    }
  }

  private postBatch(runs: PendingRun[]): Promise<DeliveryOutcome> {
    const readyAt = Math.min(...runs.map((run) => run.readyAt));
    return deliverWithRetry('/runs/batch', `{"post":[${runs.map((run) => this.batchEntry(run)).join(',')}]}`, readyAt, this.retryContext, () =>
      this.onRateLimited(runs),
    );
  }

  private noBatchIngestion(status: number): void {
    if (this.batchUnsupported) return;
    this.batchUnsupported = true;
    this.queue.setLimits(this.queueLimits());
    diag.warn(
      `otel-langsmith: ${this.config.endpoint} has no batch ingestion (POST /runs/batch answered HTTP ${status}); ` +
        `sending single POST /runs instead (transport '${this.config.transport}').`,
    );
  }

  /** Splits runs into chunks within the current batch limits (a batch formed before `/info` answered may be too big). */
  private chunks(runs: PendingRun[]): PendingRun[][] {
    const { maxItems, maxBytes } = this.currentLimits;
    const chunks: PendingRun[][] = [];
    let chunk: PendingRun[] = [];
    let bytes = 0;
    for (const run of runs) {
      if (chunk.length && (chunk.length >= maxItems || bytes + run.body.length > maxBytes)) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(run);
      bytes += run.body.length;
    }
    if (chunk.length) chunks.push(chunk);
    return chunks;
  }

  /** The server's batch limits from `GET /info` (kept a little below, for the envelope); defaults when it does not say. */
  private async readBatchLimits(): Promise<void> {
    try {
      const response = await this.transport.get('/info', this.abort.signal);
      const config = (JSON.parse(response.body) as { batch_ingest_config?: { size_limit_bytes?: unknown; size_limit?: unknown } }).batch_ingest_config;
      const bytes = Number(config?.size_limit_bytes);
      const items = Number(config?.size_limit);
      if (Number.isFinite(bytes) && bytes > 1024) this.currentLimits.maxBytes = Math.floor(bytes * 0.9);
      if (Number.isInteger(items) && items > 0) this.currentLimits.maxItems = items;
    } catch {
      // An older or unreachable server: keep the defaults; the batch POST reports real failures.
    }
    this.queue.setLimits(this.queueLimits());
  }

  private async deliver(pending: PendingRun): Promise<void> {
    const outcome = await deliverWithRetry('/runs', pending.body, pending.readyAt, this.retryContext, () => this.onRateLimited([pending]));
    this.finish(pending, outcome);
  }

  /** A run not sent now: into the spool with its reason (children of spooled parents follow them). */
  private keepForReplay(pending: PendingRun, reason: string, hint?: string): boolean {
    const sink = this.hooks.sink;
    if (sink?.accept(pending.id, pending.body, reason)) {
      this.counters.runsSpooled++;
      this.spooledParents.set(pending.id, true);
      this.hooks.onSettled?.(pending.id, { kind: 'spooled' });
      this.gate.failed(pending.id);
      const failure = { kind: 'spooled' as const, message: `run ${pending.id} spooled: ${reason}`, ...(hint ? { hint } : {}) };
      for (const call of pending.waiters) call.settle(failure);
      if (pending.origin?.open && !pending.waiters.includes(pending.origin)) {
        pending.origin.add();
        pending.origin.settle(failure);
      }
      pending.waiters = [];
      return true;
    }
    if (sink) {
      this.counters.runsDropped++;
      this.log.warn('spool-full', `otel-langsmith: run ${pending.id} lost: the failed-runs spool is full (${reason})`);
    }
    return false;
  }

  private finish(pending: PendingRun, outcome: DeliveryOutcome): void {
    let failure: { kind: RunFailureKind; message: string; hint?: string } | undefined;
    if (outcome.kind === 'delivered') {
      this.counters.runsDelivered++;
      this.rates.add('accepted');
      this.counters.bytesDelivered += pending.bytes;
    } else {
      const hint = outcome.kind === 'rejected' && (outcome.status === 401 || outcome.status === 403) ? this.authHint(outcome.status) : undefined;
      failure = { kind: outcome.kind, message: this.reportFailure(pending, outcome), ...(hint ? { hint } : {}) };
      const reason = outcome.kind === 'rejected' ? `HTTP ${outcome.status}: ${outcome.detail}` : outcome.reason;
      if (isReplayable(outcome) && this.keepForReplay(pending, reason, hint)) return;
    }
    // Delivered: with where it sits, which its children need (the bridge's journal keeps it).
    this.hooks.onSettled?.(pending.id, outcome, outcome.kind === 'delivered' ? { startMicros: pending.startMicros, dottedOrder: pending.dottedOrder, traceId: pending.traceId } : undefined);
    const waiters = pending.waiters;
    pending.waiters = [];
    // Children released now are delivered on behalf of the calls that waited for their parent.
    this.releasing(waiters, () => {
      if (outcome.kind === 'delivered') {
        this.gate.acknowledged(pending.id, { startMicros: pending.startMicros, dottedOrder: pending.dottedOrder, traceId: pending.traceId });
      }
      // With remote parents awaited, a sender resends what failed for now: children keep waiting.
      else if (outcome.kind === 'failed' && this.config.remoteParents === 'wait') this.gate.failedForNow(pending.id);
      else this.gate.failed(pending.id);
    });
    for (const call of waiters) call.settle(failure);
  }

  /**
   * Runs a gate operation with the runs it releases delivered on behalf of the calls. Nested (a
   * released run failing at once for a full queue releases its own children), the outer calls
   * come back afterwards for the outer operation's remaining releases.
   */
  private releasing(calls: readonly ExportCall[], operation: () => void): void {
    const outer = this.releasingFor;
    this.releasingFor = calls;
    try {
      operation();
    } finally {
      this.releasingFor = outer;
    }
  }

  private authHint(status: number): string {
    return authFailureHint(status, this.config.endpoint, this.config.sources.apiKey, this.config.workspaceId !== undefined);
  }

  private reportFailure(pending: PendingRun, outcome: Exclude<DeliveryOutcome, { kind: 'delivered' }>): string {
    if (outcome.kind === 'rejected') {
      this.counters.runsRejected++;
      if (outcome.status === 401 || outcome.status === 403) {
        const { sources, workspaceId, endpoint } = this.config;
        this.log.errorOnce(
          'auth',
          `otel-langsmith: LangSmith refused the API key (HTTP ${outcome.status}) at ${endpoint}. ` +
            (sources.apiKey === 'default'
              ? 'No API key was found in LANGSMITH_API_KEY, LANGCHAIN_API_KEY or the apiKey option.'
              : `Check the key from ${sources.apiKey}` + (workspaceId ? ' and that it may write to workspace LANGSMITH_WORKSPACE_ID.' : '.')) +
            ' Run `npx otel-langsmith doctor` to test the key and endpoint.',
        );
      } else {
        this.log.warn(`rejected:${outcome.status}`, `otel-langsmith: LangSmith rejected run ${pending.id} with HTTP ${outcome.status}: ${outcome.detail}`);
      }
      return `run ${pending.id} rejected with HTTP ${outcome.status}`;
    }
    this.counters.runsFailed++;
    this.log.warn('failed', `otel-langsmith: run ${pending.id} not delivered: ${outcome.reason}`);
    return `run ${pending.id} not delivered: ${outcome.reason}`;
  }
}
