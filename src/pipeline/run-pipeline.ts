import { diag } from '@opentelemetry/api';
import { setMaxListeners } from 'node:events';
import { endpointNotFoundAdvice } from '../config/endpoint-advice.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { DeliveryOutcome, RetryContext } from '../delivery/deliver-with-retry.js';
import { DeliveryQueue } from '../delivery/delivery-queue.js';
import { isReplayable, type FailureSink } from '../delivery/failure-sink.js';
import { RateControl } from '../delivery/rate-control.js';
import { FeedbackSender } from '../delivery/feedback-sender.js';
import { Outage } from '../delivery/outage.js';
import { RunSender, type SendableRun } from '../delivery/run-sender.js';
import { Throttle } from '../delivery/throttle.js';
import type { FailureLog } from '../diagnostics/failure-log.js';
import { clampStartToParent, detachFromParent, reparent, type OrphanReason } from '../mapping/adjust.js';
import { dottedSegment } from '../ordering/dotted-order.js';
import { ParentGate, type GateEntry, type ParentInfo, type Release, type ReleaseContext } from '../ordering/parent-gate.js';
import { RecentMap } from '../ordering/recent-map.js';
import { RemoteParentWaits } from '../ordering/remote-parent-waits.js';
import type { ThreadKey } from '../mapping/thread-key.js';
import type { RunCreate } from '../schema/run.js';
import type { Transport } from '../transport/http-transport.js';
import { authFailureHint, type ExportCall, type RunFailureKind } from './export-call.js';
import type { CounterName, ExporterStats, GaugeName } from './stats.js';
import { TraceThreads } from './trace-threads.js';

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
  /** Its parent came over the wire (`remoteParents: 'auto'`): it waits `remoteParentTimeoutMillis` at most. */
  remoteParent?: boolean;
  /** The span's OTel trace id, when the trace's thread key may be carried to or from this run (trace-threads.ts). */
  trace?: string;
  /** The run's own thread key. */
  thread?: ThreadKey;
  /** Serialized `POST /feedback` bodies for this run, sent once it is acknowledged. */
  feedback?: string[];
}

/** Feedback requests at once, and feedback waiting to be sent. */
const FEEDBACK_LIMITS = { maxInFlight: 2, maxQueued: 10_000 };

/** A run on its way: serialized once, re-serialized only when ordering has to change it. */
interface PendingRun extends GateEntry, SendableRun {
  body: string;
  startMicros: number;
  readyAt: number;
  /** The call the run came in; it waits for the run unless the run is held. */
  origin: ExportCall | undefined;
  /** Calls waiting for this run's delivery. */
  waiters: ExportCall[];
  dottedOrder: string | undefined;
  traceId: string | undefined;
  trace: string | undefined;
  thread: ThreadKey | undefined;
  feedback: string[] | undefined;
}

type Failure = { kind: RunFailureKind; message: string; hint?: string };

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
  | 'remoteParentTimeoutMillis'
  | 'rateLimitWindowSeconds'
  | 'exportTimeoutMillis'
>;

/** How often the rate limit figures are looked at (report, automatic transport). */
const RATE_CHECK_MILLIS = 1000;

/**
 * Serialized runs in, acknowledged runs out, one way: the parent gate returns the runs that may go,
 * they are adjusted for their parent and queued, the sender delivers them, and each outcome goes
 * back to the gate, which returns the children it lets go. Each run knows the export() calls
 * waiting for it; children are delivered on behalf of the calls that waited for their parent.
 * Used on the application thread, in the delivery worker and by replay (see assemble.ts).
 */
export class RunPipeline {
  private readonly gate: ParentGate<PendingRun>;
  private readonly queue: DeliveryQueue<PendingRun>;
  private readonly sender: RunSender<PendingRun>;
  private readonly rates: RateControl;
  private readonly feedback: FeedbackSender;
  private readonly threads = new TraceThreads();
  private readonly abort = new AbortController();
  /** Spooled runs whose children must follow them into the spool, not go out as roots. */
  private readonly spooledParents = new RecentMap<string, true>(REMEMBERED_PARENTS);
  private readonly rateTimer: NodeJS.Timeout;
  /** Runs whose parent came over the wire, each let go as a root if still held after its wait. */
  private readonly remoteWaits: RemoteParentWaits;
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
      onExpired: (released) => this.dispatch(released, []),
    });
    this.rates = new RateControl(config, (message) => this.log.errorOnce(`rate-limit:${message}`, message));
    const retry: RetryContext = {
      transport,
      policy: config.retry,
      throttle: new Throttle(),
      rateLimiter: this.rates.limiter,
      rates: { window: this.rates.window, pacer: this.rates.pacer },
      signal: this.abort.signal,
      outage: new Outage(),
      onRetry: (reason) => {
        this.counters.retries++;
        if (reason === 'HTTP 429') this.counters.rateLimitedResponses++;
      },
    };
    this.sender = new RunSender<PendingRun>(config.transport, config.endpoint, retry, {
      settle: (run, outcome) => this.finish(run, outcome),
      rateLimited: (runs) => this.onRateLimited(runs),
      limitsChanged: () => this.queue.setLimits(this.sender.chunkLimits()),
    });
    this.feedback = new FeedbackSender(retry, FEEDBACK_LIMITS, {
      delivered: () => this.counters.feedbackDelivered++,
      failed: (body, reason) => this.feedbackFailed(1, `feedback ${feedbackIdOf(body)} not delivered: ${reason}`),
    });
    this.queue = new DeliveryQueue(config.maxConcurrentRequests, config.maxQueuedRuns, (runs) => this.sender.send(runs), this.sender.chunkLimits());
    this.rateTimer = setInterval(() => this.checkRates(), RATE_CHECK_MILLIS).unref();
    this.remoteWaits = new RemoteParentWaits(config.remoteParentTimeoutMillis, (id) => this.dispatch(this.gate.expire(id, 'remote_parent'), []));
  }

  /** What the pipeline holds now, and the runs a minute asked of the server and taken by it. */
  gauges(): Pick<ExporterStats, GaugeName> {
    const { demand, accepted } = this.rates.perMinute();
    return {
      heldRuns: this.gate.heldCount,
      heldBytes: this.gate.heldBytes,
      queuedRuns: this.queue.queued,
      inFlightRequests: this.queue.inFlight,
      demandRunsPerMinute: demand,
      acceptedRunsPerMinute: accepted,
    };
  }

  submit(run: RunSubmission, call?: ExportCall): void {
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
      trace: run.trace,
      thread: run.thread,
      feedback: run.feedback,
    };
    this.threads.note(pending);
    this.dispatch(this.gate.submit(pending, run.heldSince), [], pending);
    if (run.remoteParent) this.remoteWaits.add(run.id);
  }

  /**
   * A run that will never be sent; its children attach to its nearest kept ancestor. Those it
   * lets go are delivered on behalf of the call, as if its span had been sent: the call's result
   * waits for them, and for their held descendants in turn.
   */
  drop(id: string, parentId: string | undefined, call?: ExportCall): void {
    this.dispatch(this.gate.drop(id, parentId), call?.open ? [call] : []);
  }

  /**
   * Treats a run as already stored by the server (replay: parents delivered before the spool; the
   * bridge after a restart: parents its journal saw acknowledged, with their place in the trace).
   */
  assumeDelivered(id: string, startMicros: number, place?: { dottedOrder?: string; traceId?: string }): void {
    this.dispatch(this.gate.acknowledged(id, { startMicros, ...place }), []);
  }

  /**
   * Resolves when nothing is queued or in flight (held runs stay held), or after
   * `exportTimeoutMillis`, as an export() call would: a server that keeps answering 429 keeps runs
   * waiting (never failing) and would otherwise hold the flush for ever.
   */
  async flush(): Promise<void> {
    const outcome = await this.idleWithin(this.config.exportTimeoutMillis);
    if (outcome === 'deadline') {
      diag.warn(`otel-langsmith: forceFlush gave up after ${this.config.exportTimeoutMillis} ms with ${this.queue.queued + this.queue.inFlight} runs still queued or in flight${this.rates.limited ? ' (LangSmith is rate limiting)' : ''}; they are still being delivered`);
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
    const deadline = Date.now() + this.config.shutdownTimeoutMillis;
    const drain = () => this.idleWithin(deadline - Date.now());
    if (!keepHeld) this.dispatch(this.gate.releaseStrays('shutdown'), []);
    let drained = await drain();
    // Idle with runs still held: they wait for a parent that failed for now, whose resend cannot
    // come any more. They leave too, then their descendants follow them.
    while (!keepHeld && drained === 'idle' && this.gate.heldCount > 0) {
      const strays = this.gate.releaseStrays('shutdown');
      // Nothing is in flight for a backlog to wait on: a round that frees nothing must not spin.
      this.dispatch(strays.length ? strays : this.gate.releaseAll('shutdown'), []);
      drained = await drain();
    }
    if (drained === 'deadline') {
      this.abort.abort(); // waits end now; their runs are reported as failed (and spooled)
      await this.transport.destroy(); // and so do requests in flight
      await this.queue.idle();
      // Nothing is sure to come now: the rest leaves as orphans, failing at once into the spool.
      if (!keepHeld) this.dispatch(this.gate.releaseAll('shutdown'), []);
      await this.queue.idle();
      await this.feedback.idle(); // aborted: what is left fails now, counted
    } else {
      await this.transport.close();
    }
    this.gate.stop();
    this.remoteWaits.stop();
    clearInterval(this.rateTimer);
    await this.hooks.sink?.flush();
  }

  /** The queue idle, or the time is up. */
  private async idleWithin(millis: number): Promise<'idle' | 'deadline'> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), Math.max(0, millis));
    });
    // Feedback follows its run: once no run is left to deliver, none can add feedback.
    const idle = this.queue.idle().then(() => this.feedback.idle());
    const outcome = await Promise.race([idle.then(() => 'idle' as const), deadline]);
    clearTimeout(timer);
    return outcome;
  }

  /**
   * Runs the gate let go, each sent on behalf of `calls` (the calls waiting for its parent, or the
   * call whose dropped span re-parented it) besides its own. `admitted`: the run just submitted,
   * the only one a full queue refuses (backpressure); released runs were held in memory already.
   */
  private dispatch(released: Release<PendingRun>[], calls: readonly ExportCall[], admitted?: PendingRun, budgetFrom?: number): void {
    for (const { entry, context } of released) this.send(entry, context, calls, entry === admitted, budgetFrom);
  }

  /** `budgetFrom`: when the retry budget of a run released by a failed parent began (the parent's). */
  private send(pending: PendingRun, context: ReleaseContext, calls: readonly ExportCall[], admitted: boolean, budgetFrom?: number): void {
    this.threads.carry(pending);
    const parentId = context.reparentedTo === undefined ? pending.parentId : (context.reparentedTo ?? undefined);
    if (context.orphan === 'parent_failed' && parentId && this.spooledParents.has(parentId)) {
      this.dropFeedback(pending, 'its run was not delivered');
      // Its parent waits in the spool: keep the tree whole for replay rather than send a root now.
      if (context.reparentedTo !== undefined) rewrite(pending, (run) => reparent(run, parentId));
      if (this.keepForReplay(pending, 'parent not delivered', calls)) return;
      // The spool is full: the run is lost (counted in runsDropped), its final state too, and
      // its children can never attach to it.
      this.hooks.onSettled?.(pending.id, { kind: 'lost' });
      this.dispatch(this.gate.failed(pending.id), calls);
      return;
    }
    this.adjust(pending, context);
    pending.readyAt = budgetFrom ?? Date.now();
    this.rates.window.add('demand');
    // While LangSmith has been rate limiting for longer than an export deadline, a run queued is
    // reported accepted, like a held one: a call that waited for delivery would stall
    // BatchSpanProcessor (one export at a time), which then drops spans at its own queue bound,
    // where nobody counts them. Queued runs stay bounded by maxQueuedRuns and are delivered, or
    // spooled and counted, by forceFlush and shutdown.
    if (!this.rates.sustained) {
      if (pending.origin?.open) addWaiter(pending, pending.origin);
      for (const call of calls) if (call.open) addWaiter(pending, call);
    }
    if (!this.queue.push(pending, !admitted)) {
      this.finish(pending, { kind: 'failed', reason: `send queue full (${this.config.maxQueuedRuns} runs)`, attempts: 0 });
    }
  }

  /** The run as its release says: re-parented, detached as an orphan, or started no earlier than its parent. */
  private adjust(pending: PendingRun, context: ReleaseContext): void {
    if (context.reparentedTo !== undefined) {
      const to = context.reparentedTo;
      rewrite(pending, (run) => reparent(run, to ?? undefined));
    }
    if (context.orphan) {
      const reason = context.orphan as OrphanReason;
      rewrite(pending, (run) => detachFromParent(run, reason));
      this.counters.runsOrphaned++;
    } else if (context.parent && pending.startMicros < context.parent.startMicros) {
      const parentStart = context.parent.startMicros;
      rewrite(pending, (run) => clampStartToParent(run, pending.startMicros, parentStart));
      pending.startMicros = parentStart;
      this.counters.runsClamped++;
    }
    if (this.sender.mayBatch) this.placeInTrace(pending, context);
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

  /** A run's outcome: counted, reported, its waiting calls settled and its held children let go. */
  private finish(pending: PendingRun, outcome: DeliveryOutcome): void {
    let failure: Failure | undefined;
    if (outcome.kind === 'delivered') {
      this.counters.runsDelivered++;
      this.rates.window.add('accepted');
      this.counters.bytesDelivered += pending.bytes;
      if (pending.feedback) this.feedback.send(pending.feedback);
      pending.feedback = undefined;
    } else {
      this.dropFeedback(pending, 'its run was not delivered');
      const hint = outcome.kind === 'rejected' ? this.hintFor(outcome.status) : undefined;
      failure = { kind: outcome.kind, message: this.reportFailure(pending, outcome), ...(hint ? { hint } : {}) };
      const reason = outcome.kind === 'rejected' ? `HTTP ${outcome.status}: ${outcome.detail}` : outcome.reason;
      if (isReplayable(outcome) && this.keepForReplay(pending, reason, [], hint)) return;
    }
    const place: ParentInfo = { startMicros: pending.startMicros, dottedOrder: pending.dottedOrder, traceId: pending.traceId };
    // Delivered: with where it sits, which its children need (the bridge's journal keeps it).
    this.hooks.onSettled?.(pending.id, outcome, outcome.kind === 'delivered' ? place : undefined);
    const waiters = pending.waiters;
    pending.waiters = [];
    const released =
      outcome.kind === 'delivered'
        ? this.gate.acknowledged(pending.id, place)
        : // With remote parents awaited, a sender resends what failed for now: children keep waiting.
          outcome.kind === 'failed' && this.config.remoteParents === 'wait'
          ? this.gate.failedForNow(pending.id)
          : this.gate.failed(pending.id);
    // Before the waiters settle: a call must not complete while its runs' children are still to go.
    // Children of a run that failed for now share its retry budget rather than start one each:
    // against a server that is down, a tree fails within one budget, not one budget per level.
    this.dispatch(released, waiters, undefined, outcome.kind === 'failed' ? pending.readyAt : undefined);
    for (const call of waiters) call.settle(failure);
  }

  /** A run not sent now: into the spool with its reason (children of spooled parents follow them). */
  private keepForReplay(pending: PendingRun, reason: string, calls: readonly ExportCall[], hint?: string): boolean {
    const sink = this.hooks.sink;
    if (!sink) return false;
    if (!sink.accept(pending.id, pending.body, reason)) {
      this.counters.runsDropped++;
      this.log.warn('spool-full', `otel-langsmith: run ${pending.id} lost: the failed-runs spool is full (${reason})`);
      return false;
    }
    this.counters.runsSpooled++;
    this.spooledParents.set(pending.id, true);
    this.hooks.onSettled?.(pending.id, { kind: 'spooled' });
    const failure: Failure = { kind: 'spooled', message: `run ${pending.id} spooled: ${reason}`, ...(hint ? { hint } : {}) };
    const waiters = pending.waiters;
    pending.waiters = [];
    if (pending.origin?.open && !waiters.includes(pending.origin)) {
      pending.origin.add();
      waiters.push(pending.origin);
    }
    // Its children follow it into the spool, on behalf of the same calls.
    this.dispatch(this.gate.failed(pending.id), [...calls, ...waiters]);
    for (const call of waiters) call.settle(failure);
    return true;
  }

  /**
   * Feedback whose run will not be stored now: counted and logged, never sent (LangSmith answers
   * 404 for feedback on a run it does not have). Not spooled: replay resends runs only.
   */
  private dropFeedback(pending: PendingRun, reason: string): void {
    if (!pending.feedback) return;
    this.feedbackFailed(pending.feedback.length, `${pending.feedback.length} feedback of run ${pending.id} not delivered: ${reason}`);
    pending.feedback = undefined;
  }

  private feedbackFailed(count: number, message: string): void {
    this.counters.feedbackFailed += count;
    this.log.warn('feedback', `otel-langsmith: ${message}`);
  }

  private checkRates(): void {
    const check = this.rates.check(this.queue.queued, this.sender.batching, this.sender.canBatch);
    if (!check.limited) this.queueAccepted = false;
    else if (check.sustained) this.acceptQueued();
    if (check.batch) {
      this.counters.transportSwitches++;
      this.sender.setBatching(check.batch.on);
      diag.info(`otel-langsmith: transport 'auto': ${check.batch.why}`);
    }
  }

  /**
   * When rate limiting has outlasted an export deadline (see RateControl.sustained), runs told
   * to wait by a 429 are accepted: the calls waiting for them are answered now (see send), and
   * so, once, are the calls waiting for runs still queued.
   */
  private onRateLimited(runs: readonly PendingRun[]): void {
    if (!this.rates.sustained) return;
    for (const run of runs) acceptNow(run);
    this.acceptQueued();
  }

  private acceptQueued(): void {
    if (this.queueAccepted) return;
    this.queueAccepted = true;
    this.queue.forEachQueued(acceptNow);
  }

  /** What to change for a refusal the configuration causes: the key (401/403), the endpoint's path (404/405). */
  private hintFor(status: number): string | undefined {
    if (status === 401 || status === 403) return authFailureHint(status, this.config.endpoint, this.config.sources.apiKey, this.config.workspaceId !== undefined);
    if (status === 404 || status === 405) return endpointNotFoundAdvice(this.config.endpoint, '/runs', status);
    return undefined;
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
      } else if (outcome.status === 404 || outcome.status === 405) {
        // Every run would get the same bare 404: one error that says what to change.
        this.log.errorOnce('not-found', `otel-langsmith: ${endpointNotFoundAdvice(this.config.endpoint, '/runs', outcome.status)} (the server said: ${outcome.detail})`);
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

function addWaiter(pending: PendingRun, call: ExportCall): void {
  if (pending.waiters.includes(call)) return;
  call.add();
  pending.waiters.push(call);
}

/** The calls waiting for a run are answered now, as if it had been delivered (sustained rate limiting). */
function acceptNow(pending: PendingRun): void {
  const waiters = pending.waiters;
  pending.waiters = [];
  for (const call of waiters) call.settle();
}

/** A feedback body's id, for log lines (never its content). */
function feedbackIdOf(body: string): string {
  try {
    return String((JSON.parse(body) as { id?: unknown }).id);
  } catch {
    return '(unreadable)';
  }
}

/** Ordering changed the run: parse, change, serialize again (rare; most runs go as they came). */
function rewrite(pending: PendingRun, change: (run: RunCreate) => void): void {
  const run = JSON.parse(pending.body) as RunCreate;
  change(run);
  pending.body = JSON.stringify(run);
}
