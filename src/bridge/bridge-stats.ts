import type { ExporterStats } from '../pipeline/stats.js';
import type { DurabilityReport } from './journal/durability.js';

/** What the bridge itself counted since it started. */
export interface BridgeCounters {
  /** Export requests, answered or not: `POST /v1/traces` and gRPC `TraceService/Export` together. */
  requests: number;
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
}

export function emptyBridgeCounters(): BridgeCounters {
  return { requests: 0, grpcRequests: 0, spansReceived: 0, spansRejected: 0, throttled: 0, unavailable: 0, refused: 0 };
}
