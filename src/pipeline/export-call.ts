import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';

/** Refused for good (4xx), failed for now, or kept in the failed-runs spool. */
export type RunFailureKind = 'rejected' | 'failed' | 'spooled';

/**
 * The error of a failed `export()` result, with counts a caller can act on: `rejected` runs were
 * refused for good (4xx, resending is pointless), `failed` ones may succeed later, `spooled` ones
 * wait in the failed-runs directory; `timedOut` says the deadline passed with `pending` runs
 * still being delivered.
 */
export class LangSmithExportError extends Error {
  override name = 'LangSmithExportError';

  constructor(
    message: string,
    readonly counts: Readonly<Record<RunFailureKind, number>>,
    readonly timedOut: boolean,
    readonly pending: number,
  ) {
    super(message);
  }
}

/**
 * What an export failing with HTTP 401/403 says to do: where the key came from (never the key),
 * the endpoint that refused it, and the doctor, which checks both.
 */
export function authFailureHint(status: number, endpoint: string, keySource: string, workspaceId: boolean): string {
  const key =
    keySource === 'default'
      ? 'no API key was found (LANGSMITH_API_KEY, LANGCHAIN_API_KEY and the apiKey option are all unset): set LANGSMITH_API_KEY'
      : `check the key from ${keySource === 'option' ? 'the apiKey option' : keySource.replace(/^env:/, '')}` +
        (workspaceId ? ' and that it may write to the workspace in LANGSMITH_WORKSPACE_ID' : '');
  return `${endpoint} refused the API key (HTTP ${status}): ${key}; run \`npx otel-langsmith doctor\` to test the key and endpoint`;
}

/**
 * One `export()` call: counts the runs it waits for, and fires its callback exactly once, when
 * the last of them is settled or when the deadline passes, whichever comes first.
 */
export class ExportCall {
  private outstanding = 0;
  private sealed = false;
  private finished = false;
  private readonly failures: string[] = [];
  private failureCount = 0;
  /** What to do about the failures, once each (e.g. which key was refused and how to check it). */
  private readonly hints = new Set<string>();
  private readonly counts: Record<RunFailureKind, number> = { rejected: 0, failed: 0, spooled: 0 };
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly callback: (result: ExportResult) => void,
    timeoutMillis: number,
  ) {
    this.timer = setTimeout(() => this.finish(`export deadline of ${timeoutMillis} ms passed with ${this.outstanding} runs still being delivered`), timeoutMillis);
    this.timer.unref();
  }

  get open(): boolean {
    return !this.finished;
  }

  /** One more run this call waits for. */
  add(): void {
    this.outstanding++;
  }

  settle(failure?: { kind: RunFailureKind; message: string; hint?: string }): void {
    this.outstanding--;
    if (failure !== undefined) {
      this.failureCount++;
      this.counts[failure.kind]++;
      if (this.failures.length < 3) this.failures.push(failure.message);
      if (failure.hint !== undefined) this.hints.add(failure.hint);
    }
    this.maybeFinish();
  }

  /** Every run of the call has been handed over; the call may now complete. */
  seal(): void {
    this.sealed = true;
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.sealed && this.outstanding === 0) this.finish();
  }

  private finish(timeout?: string): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    if (timeout === undefined && this.failureCount === 0) {
      this.report({ code: ExportResultCode.SUCCESS });
      return;
    }
    const parts = timeout ? [timeout] : [];
    parts.push(...this.hints);
    if (this.failureCount) parts.push(`${this.failureCount} runs failed: ${this.failures.join('; ')}`);
    const error = new LangSmithExportError(`LangSmith export failed: ${parts.join('; ')}`, { ...this.counts }, timeout !== undefined, this.outstanding);
    this.report({ code: ExportResultCode.FAILED, error });
  }

  /** The callback runs from our timers and sockets: whatever it throws must not escape there. */
  private report(result: ExportResult): void {
    try {
      this.callback(result);
    } catch (error) {
      diag.error('otel-langsmith: the export() result callback threw', error);
    }
  }
}
