/**
 * How long LangSmith has failed every attempt (network errors, timeouts, retryable 5xx) without
 * one answer in between, shared by every sender of a pipeline.
 *
 * Why: each run's retry budget (`retry.maxElapsedMillis`) counts from when it became sendable, and
 * every run still gets one attempt so that a backlog queued behind a healthy but busy server is
 * never failed unsent. Against a server that accepts connections and never answers, that one
 * attempt costs a whole request timeout per run: a backlog, or a tree whose levels are released
 * one after the other as each parent fails, would take a request timeout per run or per level,
 * far past the retry budget the docs promise (issue 26). Once the outage has lasted half a budget
 * or more, a run whose own budget is spent fails at once instead (see deliverWithRetry).
 */
export class Outage {
  /** When the first attempt of the current outage started; undefined while the server answers. */
  private since: number | undefined;

  /** An attempt started at `startedAt` failed for now (network error, timeout, retryable status). */
  failed(startedAt: number): void {
    if (this.since === undefined || startedAt < this.since) this.since = startedAt;
  }

  /** The server answered (delivered, refused, or 429): it is up. */
  answered(): void {
    this.since = undefined;
  }

  /** How long every attempt has failed, 0 when the server answered last. */
  lastedFor(now: number): number {
    return this.since === undefined ? 0 : now - this.since;
  }
}
