import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { SpanLogRecord } from '../mapping/log-record-event.js';
import { RecentMap } from '../ordering/recent-map.js';
import { withLogRecords } from './joined-span.js';

/** The bounds of the records waiting for their span (see docs/configuration.md, "GenAI log records"). */
export interface LogJoinLimits {
  /** Records kept for one span; more are counted as unjoined. Default 256. */
  maxRecordsPerSpan?: number;
  /** Spans with records waiting; past it the oldest span's records are counted as unjoined. Default 1024. */
  maxPendingSpans?: number;
  /** Records waiting, all spans together; past it the oldest spans' records go. Default 8192. */
  maxPendingRecords?: number;
  /** How long records wait for their span to be exported. Default 10 minutes. */
  maxWaitMillis?: number;
}

/** What the join counts into the exporter's stats. */
export interface LogJoinCounters {
  logRecordsJoined: number;
  logRecordsUnjoined: number;
  logRecordsAfterExport: number;
}

export const DEFAULT_LOG_JOIN_LIMITS: Required<LogJoinLimits> = {
  maxRecordsPerSpan: 256,
  maxPendingSpans: 1024,
  maxPendingRecords: 8192,
  maxWaitMillis: 10 * 60_000,
};

/** Spans exported recently, remembered to tell a late record from one whose span is still to come. */
const REMEMBERED_EXPORTED_SPANS = 4096;

interface Pending {
  traceId: string;
  records: SpanLogRecord[];
  /** When the first record came (the `now` clock). */
  since: number;
}

/**
 * GenAI log records waiting for the export of their span, keyed by span id (the trace id is checked
 * on the way out). Everything here runs on the application thread, synchronously: a record is
 * stored when it is emitted, so it is there when the span's export() takes it, whatever the order
 * of the processors' queues. Nothing is reduced here: records become span events when the span is
 * mapped (on the delivery worker when it maps).
 *
 * Bounded: records per span, spans, records in all, and age. What cannot join is counted
 * (`logRecordsUnjoined`, `logRecordsAfterExport`) and said once through `warn`.
 */
export class LogJoin {
  private readonly pending = new Map<string, Pending>();
  private readonly exported = new RecentMap<string, string>(REMEMBERED_EXPORTED_SPANS);
  private readonly limits: Required<LogJoinLimits>;
  private pendingRecords = 0;
  private nextSweepAt: number;
  private closed = false;

  constructor(
    private readonly counters: LogJoinCounters,
    limits: LogJoinLimits,
    private readonly warnOnce: (key: string, message: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_LOG_JOIN_LIMITS, ...definedOnly(limits) };
    this.nextSweepAt = this.now() + this.sweepEvery();
  }

  /** A GenAI record of a sampled span: kept until the span is exported, or counted. */
  add(record: SpanLogRecord): void {
    if (this.closed) return this.unjoined(1, 'after the exporter shut down');
    const { spanId, traceId } = record;
    if (this.exported.get(spanId) === traceId) {
      this.counters.logRecordsAfterExport++;
      this.warnOnce(
        'log-after-export',
        'otel-langsmith: a GenAI log record came after its span was exported; its run was already sent and is not patched (counted in stats().logRecordsAfterExport)',
      );
      return;
    }
    const now = this.now();
    if (now >= this.nextSweepAt) this.sweep(now);
    let entry = this.pending.get(spanId);
    if (entry && entry.traceId !== traceId) entry = undefined; // a span id shared by two traces: keep the first
    if (!entry) {
      if (this.pending.has(spanId)) return this.unjoined(1, 'its span id is used by another trace');
      if (this.pending.size >= this.limits.maxPendingSpans) this.evictOldest('too many spans have records waiting');
      entry = { traceId, records: [], since: now };
      this.pending.set(spanId, entry);
    }
    if (entry.records.length >= this.limits.maxRecordsPerSpan) return this.unjoined(1, 'its span has too many records waiting');
    entry.records.push(record);
    this.pendingRecords++;
    while (this.pendingRecords > this.limits.maxPendingRecords && this.pending.size > 1) this.evictOldest('too many records are waiting');
  }

  /** The span as export() hands it on: with its records, when it has some (the span itself untouched). */
  attach(span: ReadableSpan): ReadableSpan {
    const { spanId, traceId } = span.spanContext();
    this.exported.set(spanId, traceId);
    if (this.pending.size === 0) return span;
    const entry = this.pending.get(spanId);
    if (!entry || entry.traceId !== traceId) return span;
    this.pending.delete(spanId);
    this.pendingRecords -= entry.records.length;
    this.counters.logRecordsJoined += entry.records.length;
    return withLogRecords(span, entry.records);
  }

  /** Records waiting now. */
  get waiting(): number {
    return this.pendingRecords;
  }

  /** The exporter shut down: what still waits will never join. */
  close(): void {
    this.closed = true;
    if (this.pendingRecords > 0) this.unjoined(this.pendingRecords, 'their spans were not exported before shutdown');
    this.pending.clear();
    this.pendingRecords = 0;
  }

  private sweepEvery(): number {
    return Math.max(1, Math.min(this.limits.maxWaitMillis / 4, 10_000));
  }

  /** Records older than maxWaitMillis go: their span was not sampled here, or never ends. */
  private sweep(now: number): void {
    this.nextSweepAt = now + this.sweepEvery();
    let expired = 0;
    for (const [spanId, entry] of this.pending) {
      if (now - entry.since < this.limits.maxWaitMillis) continue;
      this.pending.delete(spanId);
      expired += entry.records.length;
    }
    if (expired > 0) {
      this.pendingRecords -= expired;
      this.unjoined(expired, 'their span was not exported in time');
    }
  }

  private evictOldest(why: string): void {
    const oldest = this.pending.keys().next();
    if (oldest.done) return;
    const entry = this.pending.get(oldest.value)!;
    this.pending.delete(oldest.value);
    this.pendingRecords -= entry.records.length;
    this.unjoined(entry.records.length, why);
  }

  private unjoined(count: number, why: string): void {
    this.counters.logRecordsUnjoined += count;
    this.warnOnce('log-unjoined', `otel-langsmith: GenAI log records could not join their span's run (${why}); counted in stats().logRecordsUnjoined`);
  }
}

function definedOnly(limits: LogJoinLimits): LogJoinLimits {
  const out: LogJoinLimits = {};
  for (const key of Object.keys(limits) as Array<keyof LogJoinLimits>) {
    const value = limits[key];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 1) out[key] = Math.floor(value);
  }
  return out;
}
