/** Counters of what the exporter did since it was created. */
export interface ExporterStats {
  /** Spans handed to `export()`. */
  spansReceived: number;
  /** Runs the server acknowledged (2xx or 409). */
  runsDelivered: number;
  /** Runs the server refused for good (4xx). */
  runsRejected: number;
  /** Runs given up on after retries, at shutdown, or because the queue was full. */
  runsFailed: number;
  /** Spans that could not become runs (invalid ids). */
  spansUnmappable: number;
  /** Retries made. */
  retries: number;
  /** Runs sent as roots because their parent never came or failed. */
  runsOrphaned: number;
  /** Children moved to their parent's start time (clock skew). */
  runsClamped: number;
  /** Spans left out by `spanFilter` or `transformRun`. */
  spansFiltered: number;
  /** Runs cut to fit `maxRunBytes`. */
  runsTruncated: number;
  /** Runs written to the failed-runs spool for a later `otel-langsmith replay`. */
  runsSpooled: number;
  /** Runs lost because the spool was full (without a spool, failed runs are counted in runsFailed/runsRejected). */
  runsDropped: number;
  /** Bytes of run bodies delivered. */
  bytesDelivered: number;
  /** Runs waiting for their parent now. */
  heldRuns: number;
  heldBytes: number;
  /** Runs waiting for a connection now. */
  queuedRuns: number;
  /** Requests in flight now. */
  inFlightRequests: number;
}

export type CounterName = Exclude<keyof ExporterStats, 'heldRuns' | 'heldBytes' | 'queuedRuns' | 'inFlightRequests'>;

export function emptyCounters(): Record<CounterName, number> {
  return {
    spansReceived: 0,
    runsDelivered: 0,
    runsRejected: 0,
    runsFailed: 0,
    spansUnmappable: 0,
    retries: 0,
    runsOrphaned: 0,
    runsClamped: 0,
    spansFiltered: 0,
    runsSpooled: 0,
    runsDropped: 0,
    runsTruncated: 0,
    bytesDelivered: 0,
  };
}
