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
  /** Retries made (waits after a 429 included). */
  retries: number;
  /** Requests LangSmith answered 429 (rate limited): each waited, none failed a run by itself. */
  rateLimitedResponses: number;
  /** Times `transport: 'auto'` switched between single requests and batches. */
  transportSwitches: number;
  /** Runs sent as roots because their parent never came or failed. */
  runsOrphaned: number;
  /** Children moved to their parent's start time (clock skew). */
  runsClamped: number;
  /** Spans exported as traces of their own for want of a context manager: root spans that started and ended inside another root span, with none registered. */
  spansWithoutContextManager: number;
  /** Spans left out by `spanFilter` or `transformRun`. */
  spansFiltered: number;
  /** Runs cut to fit `maxRunBytes`. */
  runsTruncated: number;
  /** Runs written to the failed-runs spool for a later `otel-langsmith replay`. */
  runsSpooled: number;
  /** Runs lost because the spool was full (without a spool, failed runs are counted in runsFailed/runsRejected). */
  runsDropped: number;
  /** Feedback (evaluation results) LangSmith stored, each after its run (2xx or 409). */
  feedbackDelivered: number;
  /** Feedback not stored: its run was not delivered, or it was refused or failed after retries. */
  feedbackFailed: number;
  /** Bytes of run bodies delivered. */
  bytesDelivered: number;
  /** GenAI log records given to the run of their span (`logRecordProcessor()`). */
  logRecordsJoined: number;
  /** GenAI log records that joined no run: bounds, expiry, shutdown (see docs/configuration.md). */
  logRecordsUnjoined: number;
  /** GenAI log records that came after their span was exported: its run was sent without them. */
  logRecordsAfterExport: number;
  /** Runs waiting for their parent now. */
  heldRuns: number;
  heldBytes: number;
  /** Runs waiting for a connection now. */
  queuedRuns: number;
  /** Requests in flight now. */
  inFlightRequests: number;
  /** Runs a minute that became ready to send, over `rateLimitWindowSeconds`. */
  demandRunsPerMinute: number;
  /** Runs a minute LangSmith acknowledged, over the same window (below demand: a backlog grows). */
  acceptedRunsPerMinute: number;
}

/** What is measured now rather than counted since creation. */
export type GaugeName = 'heldRuns' | 'heldBytes' | 'queuedRuns' | 'inFlightRequests' | 'demandRunsPerMinute' | 'acceptedRunsPerMinute';
export type CounterName = Exclude<keyof ExporterStats, GaugeName>;

export function emptyCounters(): Record<CounterName, number> {
  return {
    spansReceived: 0,
    runsDelivered: 0,
    runsRejected: 0,
    runsFailed: 0,
    spansUnmappable: 0,
    retries: 0,
    rateLimitedResponses: 0,
    transportSwitches: 0,
    runsOrphaned: 0,
    runsClamped: 0,
    spansFiltered: 0,
    spansWithoutContextManager: 0,
    runsSpooled: 0,
    runsDropped: 0,
    runsTruncated: 0,
    feedbackDelivered: 0,
    feedbackFailed: 0,
    bytesDelivered: 0,
    logRecordsJoined: 0,
    logRecordsUnjoined: 0,
    logRecordsAfterExport: 0,
  };
}
