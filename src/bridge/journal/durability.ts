import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ExporterInternals, LangSmithSpanExporter } from '../../exporter/langsmith-span-exporter.js';
import { runIdOfValidSpanId } from '../../mapping/run-id.js';
import type { SpanLogRecord } from '../../mapping/log-record-event.js';
import { decodeJsonLogsRequest, decodeJsonRequest } from '../decode-json.js';
import { decodeProtobufLogsRequest, decodeProtobufRequest } from '../decode-protobuf.js';
import { judgeExport, type ExportVerdict } from '../export-outcome.js';
import type { LogJoin } from '../log-join.js';
import { toReadableSpans } from '../to-readable-span.js';
import { toSpanLogRecords } from '../to-span-log-records.js';
import { Journal, logsOf, type JournalLimits, type JournalStats, type RecoveredRecord } from './journal.js';
import type { SettledEntry } from './settled-log.js';

/** What `/health` and the banner say about durability. */
export type DurabilityReport =
  | { dataDir: string; journal: JournalStats }
  | { dataDir: null; warning: string };

export const NO_DATA_DIR_WARNING =
  'no data directory: spans acknowledged (200) but not yet delivered to LangSmith are lost if the bridge crashes or is killed; ' +
  'production runs use --data-dir (OTEL_LANGSMITH_BRIDGE_DATA_DIR) on a persistent volume';

/** What a bridge started on a data directory read back from it (`Bridge.recovered`). */
export interface RecoverySummary {
  /** Requests read back with spans still to deliver. */
  records: number;
  /** Spans handed to the exporter again. */
  spans: number;
  /** Runs remembered as acknowledged, so their children attach. */
  acknowledgedRuns: number;
  /** GenAI log records read back and waiting for (or joined to) their spans again. */
  logRecords: number;
}

/**
 * The bridge with a data directory: the one step between "decoded" and "acknowledged" that
 * makes the acknowledgement durable (receive-traces.ts calls {@link accept} instead of handing
 * the spans straight to the exporter), and the read-back on start.
 */
export class Durability {
  private constructor(
    private readonly journal: Journal,
    private recovered: RecoveredRecord[],
    private settled: Map<string, SettledEntry>,
  ) {}

  /** Opens the data directory (the lock, torn tails cut off, what is to read back). */
  static async open(dir: string, limits: JournalLimits): Promise<Durability> {
    const { journal, recovered, settled } = await Journal.open(dir, limits, (message, error) =>
      error === undefined ? diag.warn(message) : diag.error(message, error),
    );
    return new Durability(journal, recovered, settled);
  }

  /** The exporter's side of the bargain: tell the journal when runs settle; keep held runs at shutdown. */
  get exporterInternals(): ExporterInternals {
    return { onSettled: (settlement) => this.journal.settle(settlement), keepHeldAtShutdown: true };
  }

  /**
   * Before the bridge listens: the acknowledged runs the journal remembers become known parents,
   * then every request with spans not settled goes to the exporter again, oldest first, each
   * with its arrival time, so a run held for its parent keeps its original deadline
   * (`orphanTimeoutMillis` from when it first arrived). A span both in a request and in its
   * resend goes once. Resolves once every span is mapped (not delivered).
   *
   * Logs requests are read back first: their GenAI records whose run has not settled wait in the
   * join again, so the spans read back after them (or arriving later) take them, without waiting.
   */
  async recover(exporter: LangSmithSpanExporter, join: LogJoin): Promise<RecoverySummary> {
    const { recovered, settled } = this;
    this.recovered = [];
    this.settled = new Map();
    let acknowledgedRuns = 0;
    for (const [id, entry] of settled) {
      if (!entry.delivered) continue;
      exporter.assumeDelivered(id, entry.parent);
      acknowledgedRuns++;
    }
    let logRecords = 0;
    for (const record of recovered) {
      if (record.signal !== 'logs') continue;
      const pending = pendingLogRecords(record, settled);
      const spanIds = [...new Set(pending.map((logRecord) => logRecord.spanId))];
      this.journal.track(record.handle, spanIds.map((spanId) => logsOf(runIdOfValidSpanId(spanId))));
      if (pending.length === 0) continue;
      logRecords += pending.length;
      join.addRecords(pending, false);
    }
    const replayed = new Set<string>();
    let records = 0;
    let spans = 0;
    for (const record of recovered) {
      if (record.signal !== 'traces') continue;
      const pending = join.joinNow(pendingSpans(record, settled));
      this.journal.track(record.handle, pending.map(runIdOf));
      const fresh = pending.filter((span) => {
        const id = runIdOf(span);
        if (replayed.has(id)) return false;
        replayed.add(id);
        return true;
      });
      if (fresh.length === 0) continue;
      records++;
      spans += fresh.length;
      await exporter.replayExport(fresh, record.arrivedAt, (result) => reportReplay(result, fresh.length));
    }
    this.journal.recoveryDone(acknowledgedRuns);
    return { records, spans, acknowledgedRuns, logRecords };
  }

  /** Why a request of `bytes` is refused now (the directory over a bound: 503), or undefined. */
  refusal(bytes: number): string | undefined {
    return this.journal.refusal(bytes);
  }

  /**
   * THE durable acknowledgement: the request is written and fsynced (its runs tracked until they
   * settle) while the exporter takes the spans; the verdict is the exporter's, unless the write
   * failed, which makes it transient (503: the sender resends; what the exporter already took is
   * then delivered twice at most, and the second time answered 409).
   */
  async accept(exporter: LangSmithSpanExporter, spans: ReadableSpan[], body: Uint8Array, format: 'protobuf' | 'json'): Promise<ExportVerdict> {
    const written = this.journal.append(Date.now(), format, body, spans.map(runIdOf));
    const exported = new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
    try {
      await written;
    } catch (error) {
      return { kind: 'transient', message: `could not write the request to the data directory: ${(error as Error).message}` };
    }
    return judgeExport(await exported);
  }

  /**
   * A logs request, written and fsynced before its 200; it stays until each span in `spanIds`
   * has settled its run (its records joined it) or had its records given up on (`releaseLogs`).
   * Rejects when it cannot be written.
   */
  appendLogs(body: Uint8Array, format: 'protobuf' | 'json', spanIds: string[]): Promise<void> {
    return this.journal.append(Date.now(), format, body, spanIds.map((spanId) => logsOf(runIdOfValidSpanId(spanId))), 'logs');
  }

  /** The records waiting for this span were given up on (late, expired, pushed out): final. */
  releaseLogs(spanId: string): void {
    this.journal.release(logsOf(runIdOfValidSpanId(spanId)));
  }

  /** The bridge is stopping: a run failing from now on stays in the journal for the next start. */
  beginClose(): void {
    this.journal.beginClose();
  }

  close(): Promise<void> {
    return this.journal.close();
  }

  report(): DurabilityReport {
    return { dataDir: this.journal.dir, journal: this.journal.stats() };
  }
}

/** The report of a bridge without a data directory. */
export function notDurable(): DurabilityReport {
  return { dataDir: null, warning: NO_DATA_DIR_WARNING };
}

function runIdOf(span: ReadableSpan): string {
  return runIdOfValidSpanId(span.spanContext().spanId);
}

/** The spans of a record read back that have not settled (the bridge accepted the request, so it decodes). */
function pendingSpans(record: RecoveredRecord, settled: Map<string, SettledEntry>): ReadableSpan[] {
  try {
    const request = record.format === 'json' ? decodeJsonRequest(record.body) : decodeProtobufRequest(record.body);
    return toReadableSpans(request).spans.filter((span) => !settled.has(runIdOf(span)));
  } catch (error) {
    diag.error(`otel-langsmith bridge: a request read back from the data directory does not decode any more: ${String(error)}`);
    return [];
  }
}

/** The GenAI log records of a logs request read back whose span's run has not settled. */
function pendingLogRecords(record: RecoveredRecord, settled: Map<string, SettledEntry>): SpanLogRecord[] {
  try {
    const request = record.format === 'json' ? decodeJsonLogsRequest(record.body) : decodeProtobufLogsRequest(record.body);
    return toSpanLogRecords(request).records.filter((logRecord) => !settled.has(runIdOfValidSpanId(logRecord.spanId)));
  } catch (error) {
    diag.error(`otel-langsmith bridge: a logs request read back from the data directory does not decode any more: ${String(error)}`);
    return [];
  }
}

function reportReplay(result: ExportResult, spans: number): void {
  if (result.code === ExportResultCode.SUCCESS) return;
  diag.warn(`otel-langsmith bridge: of ${spans} spans read back from the data directory, some were not delivered: ${result.error?.message ?? 'export failed'}`);
}
