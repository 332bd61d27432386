import type { ExportResult } from '@opentelemetry/core';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { FileSpool } from '../delivery/file-spool.js';
import type { FailureLog } from '../diagnostics/failure-log.js';
import { createTransport } from '../transport/create-transport.js';
import { ExportCall } from './export-call.js';
import { RunPipeline, type RunSubmission, type SettledHook } from './run-pipeline.js';
import { toSettlement, type SettlementListener } from './settlement.js';
import type { ParentInfo } from '../ordering/parent-gate.js';
import { emptyCounters, type CounterName, type ExporterStats } from './stats.js';

/** One export() call as the exporter sees it: runs go in, then it is sealed. */
export interface CallHandle {
  seal(): void;
}

/**
 * Where mapped runs go: the pipeline on the application thread, or in a worker thread
 * (`deliveryThread`). The exporter maps and counts spans; everything after is behind this.
 */
export interface Delivery {
  /** Counters the exporter increments for spans (received, unmappable, filtered, truncated). */
  readonly counters: Record<CounterName, number>;
  openCall(callback: (result: ExportResult) => void): CallHandle;
  submit(run: RunSubmission, call: CallHandle): void;
  /** A span left out; the runs it lets go are delivered on behalf of its call. */
  drop(id: string, parentId: string | undefined, call: CallHandle): void;
  flush(): Promise<void>;
  /** `keepHeld`: held runs are kept by a durable owner (the bridge's journal), not sent as orphans. */
  shutdown(keepHeld?: boolean): Promise<void>;
  stats(): ExporterStats;
  /** A run already stored by the server (the bridge's journal after a restart): its children attach. */
  assumeDelivered(id: string, parent: ParentInfo): void;
}

/** The pipeline a configuration asks for, wherever it runs: transport, spool, counters. */
export function createRunPipeline(
  config: ResolvedConfig,
  log: FailureLog,
  counters: Record<CounterName, number>,
  onSettled?: SettledHook,
): RunPipeline {
  const sink = config.failedRunsDir ? new FileSpool(config.failedRunsDir, config.maxFailedRunsBytes) : undefined;
  // The pipeline never needs the key: the transport carries it in its (private) headers.
  return new RunPipeline({ ...config, apiKey: undefined } as ResolvedConfig, createTransport(config), log, counters, { sink, onSettled });
}

/** The pipeline on the application thread (the default). */
export class InThreadDelivery implements Delivery {
  readonly counters = emptyCounters();
  private readonly pipeline: RunPipeline;
  // Only what is needed later: the configuration holds the API key, which must not be reachable
  // through util.inspect of the exporter.
  private readonly exportTimeoutMillis: number;

  /** `onSettled`: told each run's final state (the bridge's journal; see settlement.ts). */
  constructor(config: ResolvedConfig, log: FailureLog, onSettled?: SettlementListener) {
    this.exportTimeoutMillis = config.exportTimeoutMillis;
    this.pipeline = createRunPipeline(config, log, this.counters, onSettled && ((id, outcome, parent) => onSettled(toSettlement(id, outcome, parent))));
  }

  openCall(callback: (result: ExportResult) => void): CallHandle {
    return new ExportCall(callback, this.exportTimeoutMillis);
  }

  submit(run: RunSubmission, call: CallHandle): void {
    this.pipeline.submit(run, call as ExportCall);
  }

  drop(id: string, parentId: string | undefined, call: CallHandle): void {
    this.pipeline.drop(id, parentId, call as ExportCall);
  }

  flush(): Promise<void> {
    return this.pipeline.flush();
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
