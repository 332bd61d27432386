import type { ExporterStats } from '../pipeline/stats.js';
import type { DurabilityReport } from './journal/durability.js';
import type { LogJoinStats } from './log-join.js';

/** What the bridge itself counted since it started. */
export interface BridgeCounters {
  /**
   * Export requests, answered or not: `POST /v1/traces`, `POST /v1/logs`, gRPC `TraceService/Export`
   * and `LogsService/Export` together.
   */
  requests: number;
  /** Of `requests`, the logs exports (HTTP and gRPC). */
  logRequests: number;
  /** Of `requests`, those that came over gRPC. */
  grpcRequests: number;
  /** Spans in requests that could be decoded. */
  spansReceived: number;
  /** Spans reported back as rejected (invalid ids, undecodable, refused by LangSmith for good). */
  spansRejected: number;
  /** Backpressure: 429 answers, and gRPC RESOURCE_EXHAUSTED with RetryInfo. */
  throttled: number;
  /** Not delivered for now, or draining: 503 answers, and gRPC UNAVAILABLE. */
  unavailable: number;
  /**
   * 400, 401, 403, 413 and 415 answers; gRPC INVALID_ARGUMENT, UNAUTHENTICATED and RESOURCE_EXHAUSTED
   * for too many spans (a message over the size limit is refused by grpc-js before the bridge sees it).
   */
  refused: number;
}

export interface BridgeStats extends BridgeCounters {
  /** Requests being read or waiting for delivery now. */
  activeRequests: number;
  exporter: ExporterStats;
  /**
   * The data directory and its journal (requests on disk, runs not yet settled, fsyncs, what the
   * start read back); without one, `dataDir: null` and the warning that acknowledged spans are
   * lost on a crash.
   */
  durability: DurabilityReport;
  /**
   * GenAI log records joined to their spans' runs (log-join.ts): received, joined, and those that
   * did not join (late: their run was sent already; unjoined: their span never came in time or
   * they were pushed out by the bounds; withoutSpan; ignored: not GenAI events), waiting now.
   */
  logs: LogJoinStats;
}

export function emptyBridgeCounters(): BridgeCounters {
  return { requests: 0, logRequests: 0, grpcRequests: 0, spansReceived: 0, spansRejected: 0, throttled: 0, unavailable: 0, refused: 0 };
}
