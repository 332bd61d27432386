import { diag } from '@opentelemetry/api';
import type { Transport } from '../transport/http-transport.js';
import { ONE_AT_A_TIME, splitIntoChunks, type ChunkLimits } from './chunk.js';
import { deliverWithRetry, type DeliveryOutcome, type RetryContext } from './deliver-with-retry.js';

/** What the sender needs of a run: its body, and its place in the trace for batch ingestion. */
export interface SendableRun {
  readonly id: string;
  readonly body: string;
  /** When the run became sendable; its retry budget counts from here. */
  readonly readyAt: number;
  /** Batch ingestion needs both; a run without them goes alone through `POST /runs`. */
  readonly dottedOrder: string | undefined;
  readonly traceId: string | undefined;
}

export interface RunSenderHooks<R> {
  /** Each run's outcome, exactly once per run given to `send`. */
  settle(run: R, outcome: DeliveryOutcome): void;
  /** A 429 told these runs to wait. */
  rateLimited(runs: readonly R[]): void;
  /** The chunk limits changed (batching on or off, the server's `/info`): the queue takes new ones. */
  limitsChanged(): void;
}

/** Batch sizes to use until the server's `GET /info` says otherwise. */
const DEFAULT_BATCH_LIMITS = { maxItems: 100, maxBytes: 10 * 1024 * 1024 };

/**
 * Sends what the queue hands it: one `POST /runs` per run, or, while batching, `POST /runs/batch`
 * per chunk of the server's batch limits. A refused batch is retried run by run to isolate the bad
 * one; a server without batch ingestion (404/405) gets single requests from then on, with one
 * warning, and no run fails for it.
 */
export class RunSender<R extends SendableRun> {
  private batchLimits: Promise<void> | undefined;
  private readonly limits = { ...DEFAULT_BATCH_LIMITS };
  /** Whether chunks go to `/runs/batch` now: always with 'batch', while rate limited with 'auto'. */
  private batchingNow: boolean;
  /** The server answered 404/405 on `/runs/batch` (a proxy, an older LangSmith): single requests only. */
  private unsupported = false;

  constructor(
    private readonly mode: 'runs' | 'batch' | 'auto',
    private readonly endpoint: string,
    private readonly retry: RetryContext,
    private readonly hooks: RunSenderHooks<R>,
  ) {
    this.batchingNow = mode === 'batch';
  }

  /** Runs need `trace_id` and `dotted_order` computed: they may go in a batch. */
  get mayBatch(): boolean {
    return this.mode !== 'runs';
  }

  get batching(): boolean {
    return this.batchingNow && !this.unsupported;
  }

  /** Whether batching can be switched on at all ('auto' on a server with batch ingestion). */
  get canBatch(): boolean {
    return !this.unsupported;
  }

  setBatching(on: boolean): void {
    this.batchingNow = on;
    this.hooks.limitsChanged();
  }

  /** How the queue should hand out runs: as chunks while batching; one each otherwise, so every sender stays busy. */
  chunkLimits(): ChunkLimits<R> {
    return this.batching ? { ...this.limits, sizeOf: (run: R) => run.body.length } : ONE_AT_A_TIME;
  }

  async send(runs: R[]): Promise<void> {
    if (!this.batching) {
      for (const run of runs) await this.sendAlone(run);
      return;
    }
    const batchable: R[] = [];
    for (const run of runs) {
      if (run.dottedOrder) batchable.push(run);
      else await this.sendAlone(run);
    }
    if (batchable.length === 0) return;
    await (this.batchLimits ??= this.readBatchLimits());
    // A batch formed before `/info` answered may be too big: split again within the limits.
    for (const chunk of splitIntoChunks(batchable, this.chunkLimits())) {
      const outcome = this.unsupported ? undefined : await this.postBatch(chunk);
      if (outcome === undefined || (outcome.kind === 'rejected' && (outcome.status === 404 || outcome.status === 405))) {
        if (outcome) this.noBatchIngestion(outcome.status);
        for (const run of chunk) await this.sendAlone(run);
      } else if (outcome.kind === 'rejected' && chunk.length > 1) {
        for (const run of chunk) this.hooks.settle(run, await this.postBatch([run]));
      } else {
        for (const run of chunk) this.hooks.settle(run, outcome);
      }
    }
  }

  private async sendAlone(run: R): Promise<void> {
    this.hooks.settle(run, await deliverWithRetry('/runs', run.body, run.readyAt, this.retry, () => this.hooks.rateLimited([run])));
  }

  private postBatch(runs: R[]): Promise<DeliveryOutcome> {
    let readyAt = Infinity;
    for (const run of runs) readyAt = Math.min(readyAt, run.readyAt);
    const body = `{"post":[${runs.map(batchEntry).join(',')}]}`;
    return deliverWithRetry('/runs/batch', body, readyAt, this.retry, () => this.hooks.rateLimited(runs));
  }

  private noBatchIngestion(status: number): void {
    if (this.unsupported) return;
    this.unsupported = true;
    this.hooks.limitsChanged();
    diag.warn(
      `otel-langsmith: ${this.endpoint} has no batch ingestion (POST /runs/batch answered HTTP ${status}); ` +
        `sending single POST /runs instead (transport '${this.mode}').`,
    );
  }

  /** The server's batch limits from `GET /info` (kept a little below, for the envelope); defaults when it does not say. */
  private async readBatchLimits(): Promise<void> {
    try {
      const response = await this.retry.transport.get('/info', this.retry.signal);
      const config = (JSON.parse(response.body) as { batch_ingest_config?: { size_limit_bytes?: unknown; size_limit?: unknown } }).batch_ingest_config;
      const bytes = Number(config?.size_limit_bytes);
      const items = Number(config?.size_limit);
      if (Number.isFinite(bytes) && bytes > 1024) this.limits.maxBytes = Math.floor(bytes * 0.9);
      if (Number.isInteger(items) && items > 0) this.limits.maxItems = items;
    } catch {
      // An older or unreachable server: keep the defaults; the batch POST reports real failures.
    }
    this.hooks.limitsChanged();
  }
}

/**
 * The run as a batch entry: with `trace_id` and `dotted_order` in front (the body is a JSON object
 * the exporter wrote, so no re-parse). The body itself stays as `POST /runs` wants it, for when
 * the run goes alone after all.
 */
function batchEntry(run: SendableRun): string {
  return `{"trace_id":${JSON.stringify(run.traceId)},"dotted_order":${JSON.stringify(run.dottedOrder)},${run.body.slice(1)}`;
}
