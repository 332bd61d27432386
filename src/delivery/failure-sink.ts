/** Where runs go that could not be delivered and may be retried later (the spool), if anywhere. */
export interface FailureSink {
  /** Keeps the run's body; false when it cannot (full, closed): the run is then lost and counted. */
  accept(runId: string, body: string, reason: string): boolean;
  /** Persists what was accepted so far. */
  flush(): Promise<void>;
}

/**
 * Failures worth keeping for a replay: everything transient, and refusals that a later attempt
 * can overcome (a fixed key, a parent that arrives, a rate limit). Validation failures are not:
 * the same body would be refused again.
 */
export function isReplayable(outcome: { kind: 'rejected'; status: number } | { kind: 'failed' }): boolean {
  if (outcome.kind === 'failed') return true;
  return ![400, 409, 413, 415, 422].includes(outcome.status);
}
