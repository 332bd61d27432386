import type { ParentInfo } from '../ordering/parent-gate.js';

/**
 * The final state of one run, reported to an owner that keeps runs durably until they have one:
 * the OTLP bridge's journal (src/bridge/journal/), which must know when a span it wrote to disk
 * may be forgotten. Internal: not part of the exporter's public options.
 *
 * - `delivered`: LangSmith acknowledged it (2xx, or 409 = already stored). `parent` is what a
 *   child needs from it (start, place in the trace), so the owner can give it back after a
 *   restart (`assumeDelivered`) and children arriving then still attach.
 * - `rejected`: refused for good (4xx), counted (and spooled when replayable and a spool is set).
 * - `spooled`: written to the failed-runs spool.
 * - `failed`: failed for now and counted (retries exhausted, queue full, shutdown deadline).
 * - `lost`: could not even be spooled (spool full), counted in `runsDropped`.
 * - `filtered`, `unmappable`: the span never became a run (spanFilter / transformRun said no, or
 *   its ids cannot make a run); reported by the exporter, not the pipeline.
 *
 * Reported at most once per run the pipeline was given (a run kept held at a shutdown that keeps
 * held runs is never reported), and only by the thread the pipeline runs on: with
 * `deliveryThread: 'worker'` the worker sends them back in batches (worker-protocol.ts).
 */
export type RunSettlement =
  | { id: string; kind: 'delivered'; parent: ParentInfo }
  | { id: string; kind: 'rejected' | 'spooled' | 'failed' | 'lost' | 'filtered' | 'unmappable' };

export type SettlementListener = (settlement: RunSettlement) => void;

/** The pipeline's settled hook (run-pipeline.ts) in the terms above. */
export function toSettlement(
  id: string,
  outcome: { kind: 'delivered' | 'rejected' | 'failed' | 'spooled' | 'lost' },
  parent: ParentInfo | undefined,
): RunSettlement {
  return outcome.kind === 'delivered' ? { id, kind: 'delivered', parent: parent ?? { startMicros: 0 } } : { id, kind: outcome.kind };
}
