import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { LangSmithExporterOptions } from '../config/options.js';
import { resolveConfig, type ResolvedConfig } from '../config/resolve-config.js';
import { contextManagerRegistered, nestsExplicitly, NO_CONTEXT_MANAGER_MESSAGE, rootsWithinRoots } from './context-check.js';
import { FailureLog } from '../diagnostics/failure-log.js';
import type { ParentInfo } from '../ordering/parent-gate.js';
import { InThreadDelivery, type Delivery, type DeliveryMode, type ExportHandle } from '../pipeline/delivery.js';
import type { ExporterStats } from '../pipeline/stats.js';
import type { RunSettlement, SettlementListener } from '../pipeline/settlement.js';
import { hooksAreData } from '../pipeline/span-intake.js';
import { LangSmithLogRecordProcessor } from '../logs/genai-log-processor.js';
import { LogJoin, type LogJoinLimits } from '../logs/log-join.js';
import { chooseThread } from '../thread/choose-thread.js';
import { deliveryWorkerScript, WorkerDelivery, WorkerUnavailableError } from '../thread/worker-delivery.js';

/**
 * Spans handed over per turn of the event loop, at most. Mapping and serializing on this thread
 * cost a few µs a span but up to ~100 µs for LLM spans with large messages, so a 2048-span batch
 * in one go would stall the application for tens of milliseconds; copying a span for the worker
 * costs little, but a slice still bounds it. A slice also ends once it has taken SLICE_MILLIS
 * (checked every SLICE_CHECK spans), whatever the spans cost.
 */
const SLICE_SPANS = 128;
const SLICE_MILLIS = 2;
const SLICE_CHECK = 8;

/**
 * @internal What a durable owner of the spans (the OTLP bridge's journal, src/bridge/journal/)
 * needs from the exporter; not an option users set, hence a second constructor argument.
 */
export interface ExporterInternals {
  /**
   * Told once per span given to `export()` (or `replayExport()`) when its run reaches a final
   * state: acknowledged, refused for good, failed and counted, spooled, or never a run at all
   * (filtered, unmappable). See src/pipeline/settlement.ts. Called on the application thread;
   * with `deliveryThread: 'worker'` a turn or so after the worker saw it.
   */
  onSettled?: SettlementListener;
  /**
   * At `shutdown()`, runs still waiting for a parent are not sent as orphans: the owner keeps them
   * and gives them back at its next start (the bridge's journal), where the parent may still come.
   */
  keepHeldAtShutdown?: boolean;
  /**
   * The spans were made in other processes (the OTLP bridge): whether this process has an
   * OpenTelemetry context manager says nothing about them, and receiving them is this process's
   * own work, which the delivery worker does not yield the CPU to.
   */
  spansFromElsewhere?: boolean;
}

/**
 * An OpenTelemetry `SpanExporter` that sends each span to LangSmith as one run with one
 * `POST /runs`, a parent always acknowledged before any of its children is sent.
 */
export class LangSmithSpanExporter implements SpanExporter {
  private readonly delivery: Delivery;
  private readonly log = new FailureLog();
  private shutdownPromise: Promise<void> | undefined;
  /** export() calls still handing their spans over, a slice per turn of the event loop. */
  private readonly slicing = new Set<Promise<void>>();

  private readonly onSettled: SettlementListener | undefined;
  private readonly internal: ExporterInternals;
  /** GenAI log records waiting for their span; only once `logRecordProcessor()` was asked for. */
  private logJoin: LogJoin | undefined;
  private logProcessor: LangSmithLogRecordProcessor | undefined;
  /** Why nothing is sent (LangSmith's switch off), or undefined. */
  private readonly tracingOff: string | undefined;
  /**
   * A context manager was registered at an export() (they are never unregistered in practice), or
   * the application nests spans by passing contexts explicitly, which needs none: no more checks.
   */
  private nestingWorks = false;

  /** @throws ConfigError when an option is invalid. */
  constructor(options?: LangSmithExporterOptions);
  /** @internal With the hooks of the OTLP bridge's journal (see ExporterInternals). */
  constructor(options: LangSmithExporterOptions | undefined, internal: ExporterInternals | undefined);
  constructor(options: LangSmithExporterOptions = {}, internal: ExporterInternals = {}) {
    this.internal = internal;
    // Kept by no field: it holds the API key, which only the transport keeps (privately).
    const resolved = resolveConfig(options, options.env ?? process.env);
    // LangSmith's switch off (tracingEnabled, LANGSMITH_TRACING): nothing is sent, nothing started.
    // The bridge is a service whose one job is sending: it does not follow the switch.
    this.tracingOff = internal.spansFromElsewhere ? undefined : resolved.tracingOff;
    const config: ResolvedConfig = this.tracingOff ? { ...resolved, deliveryThread: 'main' } : resolved;
    if (this.tracingOff) {
      diag.info(`otel-langsmith: ${this.tracingOff}: this exporter sends nothing (every export() succeeds at once)`);
    } else if (!config.apiKey) {
      this.log.errorOnce(
        'missing-key',
        `otel-langsmith: no LangSmith API key. Set LANGSMITH_API_KEY or pass { apiKey }; ${config.endpoint} will reject runs with 401.`,
      );
    }
    this.onSettled = internal.onSettled && guarded(internal.onSettled);
    this.delivery = this.createDelivery(config, options.env ?? process.env);
  }

  private createDelivery(config: ResolvedConfig, env: Readonly<Record<string, string | undefined>>): Delivery {
    const { thread, reason } = chooseThread(config.deliveryThread, env);
    const mapping = hooksAreData(config) ? 'worker' : 'application';
    if (thread === 'worker') {
      const script = deliveryWorkerScript();
      let unavailable = 'delivery-worker.js is not beside the package (bundled?)';
      if (script) {
        try {
          return new WorkerDelivery(config, script, this.log, this.onSettled, { thread, mapping, reason }, !this.internal.spansFromElsewhere);
        } catch (error) {
          if (!(error instanceof WorkerUnavailableError)) throw error; // a bad option, as on the main thread
          unavailable = `no delivery worker (${error.message})`;
        }
      }
      // Asked for explicitly, its absence is worth a warning; chosen by 'auto', a note.
      const say = config.deliveryThread === 'worker' ? diag.warn : diag.info;
      say(`otel-langsmith: ${unavailable}; delivering on the application thread`);
      return new InThreadDelivery(config, this.log, this.onSettled, { thread: 'main', mapping: 'application', reason: `${reason}, but ${unavailable}` });
    }
    return new InThreadDelivery(config, this.log, this.onSettled, { thread: 'main', mapping: 'application', reason });
  }

  /**
   * Where the exporter works (`deliveryThread`): the thread that delivers, the one that maps
   * spans into runs, and why they were chosen.
   */
  deliveryMode(): DeliveryMode {
    return { ...this.delivery.mode };
  }

  /**
   * A `LogRecordProcessor` for an sdk-logs `LoggerProvider` (NodeSDK: `logRecordProcessors`) that
   * joins GenAI log records, where the official GenAI instrumentations put message content, to
   * the run of their span. The same processor on every call (the limits of the first call hold).
   * See docs/setup.md, "Message content in log records".
   */
  logRecordProcessor(limits: LogJoinLimits = {}): LangSmithLogRecordProcessor {
    if (!this.logProcessor) {
      this.logJoin = new LogJoin(this.delivery.counters, limits, (key, message) => this.log.warnOnce(key, message));
      if (this.shutdownPromise) this.logJoin.close();
      this.logProcessor = new LangSmithLogRecordProcessor(this.logJoin);
    }
    return this.logProcessor;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.tracingOff && !this.shutdownPromise) return resultCallback({ code: ExportResultCode.SUCCESS });
    this.checkContextManager(spans);
    void this.exportSpans(spans, undefined, resultCallback);
  }

  /**
   * The most common setup mistake makes every nested span a trace of its own, silently. Said once,
   * and counted, only on evidence: no context manager, no span nested by an explicit context (which
   * works without one), and root spans that lie within another root span (see context-check.ts).
   */
  private checkContextManager(spans: readonly ReadableSpan[]): void {
    if (this.internal.spansFromElsewhere || !Array.isArray(spans) || spans.length === 0 || this.nestingWorks) return;
    if (contextManagerRegistered() || nestsExplicitly(spans)) {
      this.nestingWorks = true;
      return;
    }
    const lost = rootsWithinRoots(spans);
    if (lost === 0) return;
    this.delivery.counters.spansWithoutContextManager += lost;
    this.log.warnOnce('no-context-manager', NO_CONTEXT_MANAGER_MESSAGE);
  }

  /**
   * @internal The OTLP bridge's journal after a restart: spans it had acknowledged before, with
   * when they first arrived (epoch ms), so a run held for its parent keeps its original deadline.
   * Resolves once every span is mapped and held or queued (the callback, as export()'s, once
   * they are delivered).
   */
  async replayExport(spans: ReadableSpan[], arrivedAt: number, resultCallback: (result: ExportResult) => void): Promise<void> {
    await this.exportSpans(spans, arrivedAt, resultCallback);
    await this.delivery.handedOver();
  }

  /**
   * @internal A run the server already stored (the bridge's journal remembers acknowledgements
   * across a restart): its children, replayed or still to come, attach to it.
   */
  assumeDelivered(id: string, parent: ParentInfo): void {
    if (!this.shutdownPromise) this.delivery.assumeDelivered(id, parent);
  }

  /** export(), resolving once every span is handed over (mapped, or copied for the worker). */
  private exportSpans(spans: ReadableSpan[], heldSince: number | undefined, resultCallback: (result: ExportResult) => void): Promise<void> {
    if (this.shutdownPromise) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('LangSmithSpanExporter is shut down') });
      return Promise.resolve();
    }
    const call = this.delivery.openCall(resultCallback);
    const first = this.acceptSlice(spans, 0, call, heldSince);
    if (first === spans.length) return Promise.resolve();
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    this.slicing.add(finished);
    const next = (from: number) => {
      const end = this.acceptSlice(spans, from, call, heldSince);
      if (end === spans.length) {
        this.slicing.delete(finished);
        done();
      } else {
        setImmediate(next, end);
      }
    };
    setImmediate(next, first);
    return finished;
  }

  /** Hands over one slice from `from`; returns where it stopped (the call sealed when that is the end). */
  private acceptSlice(spans: ReadableSpan[], from: number, call: ExportHandle, heldSince: number | undefined): number {
    const last = Math.min(spans.length, from + SLICE_SPANS);
    const stopAt = performance.now() + SLICE_MILLIS;
    const join = this.logJoin;
    let i = from;
    while (i < last) {
      call.take(join ? join.attach(spans[i]!) : spans[i]!, heldSince);
      i++;
      if ((i - from) % SLICE_CHECK === 0 && performance.now() >= stopAt) break;
    }
    if (i === spans.length) call.seal();
    return i;
  }

  /** Resolves when every run that can be sent now has been delivered or has failed. Held runs stay held. */
  async forceFlush(): Promise<void> {
    await Promise.all(this.slicing);
    await this.delivery.flush();
  }

  /**
   * Releases runs still waiting for a parent that never came as orphans (roots; what waits under
   * them follows them, attached), delivers what it can within `shutdownTimeoutMillis`, then closes
   * connections. Idempotent; `export()` fails fast afterwards.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= Promise.all(this.slicing).then(() => {
      this.logJoin?.close();
      return this.delivery.shutdown(this.internal.keepHeldAtShutdown === true);
    });
    return this.shutdownPromise;
  }

  /** Counters and current buffer sizes. */
  stats(): ExporterStats {
    return this.delivery.stats();
  }
}

/** A listener that throws must not break delivery: its error is logged. */
function guarded(listener: SettlementListener): SettlementListener {
  return (settlement: RunSettlement) => {
    try {
      listener(settlement);
    } catch (error) {
      diag.error('otel-langsmith: the settlement listener threw', error);
    }
  };
}
