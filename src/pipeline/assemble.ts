import type { ResolvedConfig } from '../config/resolve-config.js';
import { FileSpool } from '../delivery/file-spool.js';
import type { FailureSink } from '../delivery/failure-sink.js';
import type { FailureLog } from '../diagnostics/failure-log.js';
import { createTransport } from '../transport/create-transport.js';
import { RunPipeline, type SettledHook } from './run-pipeline.js';
import type { CounterName } from './stats.js';

/** The configuration without the user's function hooks, which stay with mapping: all delivery needs. */
export type DeliveryConfig = Omit<ResolvedConfig, 'spanFilter' | 'transformRun' | 'privacy'>;

export interface PipelineParts {
  log: FailureLog;
  counters: Record<CounterName, number>;
  /** Told each run's final state (the bridge's journal, replay). */
  onSettled?: SettledHook;
  /** Where runs that cannot be delivered now go; by default the configured failed-runs spool. */
  sink?: FailureSink;
}

/**
 * The one place a pipeline is put together, wherever it runs: on the application thread, in the
 * delivery worker, and for replay. The transport holds the API key in its (private) headers; the
 * pipeline itself never gets it.
 */
export function assemblePipeline(config: DeliveryConfig, parts: PipelineParts): RunPipeline {
  const sink = parts.sink ?? (config.failedRunsDir ? new FileSpool(config.failedRunsDir, config.maxFailedRunsBytes) : undefined);
  const { apiKey: _key, headers: _headers, ...pipelineConfig } = config;
  return new RunPipeline(pipelineConfig, createTransport(config), parts.log, parts.counters, { sink, onSettled: parts.onSettled });
}
