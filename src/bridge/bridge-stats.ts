import type { ExporterStats } from '../pipeline/stats.js';

/** What the bridge itself counted since it started. */
export interface BridgeCounters {
  /** Requests to `POST /v1/traces`, answered or not. */
  requests: number;
  /** Spans in requests that could be decoded. */
  spansReceived: number;
  /** Spans reported back as rejected (invalid ids, undecodable, refused by LangSmith for good). */
  spansRejected: number;
  /** 429 answers (backpressure). */
  throttled: number;
  /** 503 answers (not delivered for now, or draining). */
  unavailable: number;
  /** 400, 401, 413 and 415 answers. */
  refused: number;
}

export interface BridgeStats extends BridgeCounters {
  /** Requests being read or waiting for delivery now. */
  activeRequests: number;
  exporter: ExporterStats;
}

export function emptyBridgeCounters(): BridgeCounters {
  return { requests: 0, spansReceived: 0, spansRejected: 0, throttled: 0, unavailable: 0, refused: 0 };
}
