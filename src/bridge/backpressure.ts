import type { ExporterStats } from '../pipeline/stats.js';

/** Runs the exporter has taken on and not finished: waiting for a connection, for a parent, or in flight. */
export function pendingWork(stats: Pick<ExporterStats, 'queuedRuns' | 'heldRuns' | 'inFlightRequests'>): number {
  return stats.queuedRuns + stats.heldRuns + stats.inFlightRequests;
}

/** Whether new requests should be refused with 429 so the sender keeps (and later resends) them. */
export function overloaded(stats: Pick<ExporterStats, 'queuedRuns' | 'heldRuns' | 'inFlightRequests'>, maxPendingRuns: number): boolean {
  return pendingWork(stats) > maxPendingRuns;
}
