import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { FailureLog } from '../diagnostics/failure-log.js';
import type { ParentInfo } from '../ordering/parent-gate.js';
import { assemblePipeline } from './assemble.js';
import { ExportCall } from './export-call.js';
import type { RunPipeline } from './run-pipeline.js';
import { toSettlement, type SettlementListener } from './settlement.js';
import { SpanIntake } from './span-intake.js';
import { emptyCounters, type CounterName, type ExporterStats } from './stats.js';

/** Which thread delivers, which maps, and why (see `deliveryThread`). */
export interface DeliveryMode {
  thread: 'main' | 'worker';
  /** Where spans become runs: the worker when no hook is a function, else the application thread. */
  mapping: 'application' | 'worker';
  reason: string;
}

/** One export() call: its spans go in, then it is sealed; the callback fires once, when they are settled. */
export interface ExportHandle {
  /** Never throws: a span that cannot become a run is counted and logged. */
  take(span: ReadableSpan, heldSince?: number): void;
  seal(): void;
}

/**
 * Everything after the exporter's `export()`: mapping, ordering, HTTP, on the application thread
 * or in a worker (`deliveryThread`).
 */
export interface Delivery {
  readonly mode: DeliveryMode;
  /** Counters the exporter increments itself (spans exported without a context manager). */
  readonly counters: Record<CounterName, number>;
  openCall(callback: (result: ExportResult) => void): ExportHandle;
  flush(): Promise<void>;
  /** Resolves once everything handed over so far has reached the pipeline (mapped, held or queued; not delivered). */
  handedOver(): Promise<void>;
  /** `keepHeld`: held runs are kept by a durable owner (the bridge's journal), not sent as orphans. */
  shutdown(keepHeld?: boolean): Promise<void>;
  stats(): ExporterStats;
  /** A run already stored by the server (the bridge's journal after a restart): its children attach. */
  assumeDelivered(id: string, parent: ParentInfo): void;
}

/** Mapping and the pipeline on the application thread. */
export class InThreadDelivery implements Delivery {
  readonly counters = emptyCounters();
  private readonly pipeline: RunPipeline;
  private readonly intake: SpanIntake;
  // Only what is needed later: the configuration holds the API key, which must not be reachable
  // through util.inspect of the exporter.
  private readonly exportTimeoutMillis: number;

  /** `onSettled`: told each run's final state (the bridge's journal; see settlement.ts). */
  constructor(
    config: ResolvedConfig,
    log: FailureLog,
    onSettled: SettlementListener | undefined,
    readonly mode: DeliveryMode,
  ) {
    this.exportTimeoutMillis = config.exportTimeoutMillis;
    this.intake = new SpanIntake(config, log, this.counters, onSettled);
    this.pipeline = assemblePipeline(config, {
      log,
      counters: this.counters,
      onSettled: onSettled && ((id, outcome, parent) => onSettled(toSettlement(id, outcome, parent))),
    });
  }

  openCall(callback: (result: ExportResult) => void): ExportHandle {
    const call = new ExportCall(callback, this.exportTimeoutMillis);
    const pipeline = this.pipeline;
    const sink = { submit: (run: Parameters<RunPipeline['submit']>[0]) => pipeline.submit(run, call), drop: (id: string, parentId: string | undefined) => pipeline.drop(id, parentId, call) };
    return { take: (span, heldSince) => this.intake.take(span, sink, heldSince), seal: () => call.seal() };
  }

  flush(): Promise<void> {
    return this.pipeline.flush();
  }

  handedOver(): Promise<void> {
    return Promise.resolve(); // synchronous here
  }

  shutdown(keepHeld?: boolean): Promise<void> {
    return this.pipeline.shutdown(keepHeld);
  }

  assumeDelivered(id: string, parent: ParentInfo): void {
    this.pipeline.assumeDelivered(id, parent.startMicros, parent);
  }

  stats(): ExporterStats {
    return { ...this.counters, ...this.pipeline.gauges() };
  }
}
