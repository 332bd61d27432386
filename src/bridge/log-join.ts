import { diag, type AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { logRecordToSpanEvent, type SpanLogRecord } from '../mapping/log-record-event.js';

/**
 * Joins GenAI log records (OTLP logs) to the runs of their spans (OTLP traces). A producer sends
 * the two signals in separate requests, in either order: OpenTelemetry's batch processors export
 * logs every 1 s and spans every 5 s by default (OTEL_BLRP_SCHEDULE_DELAY, OTEL_BSP_SCHEDULE_DELAY:
 * https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/), and a GenAI
 * instrumentation emits its records before it ends the span (e.g. opentelemetry-instrumentation-
 * openai-v2, https://github.com/open-telemetry/opentelemetry-python-contrib/tree/main/
 * instrumentation-genai/opentelemetry-instrumentation-openai-v2), so records usually come first,
 * but a Collector's batching and retries can reorder them. Hence a bounded wait on both sides:
 *
 * - A record whose span has not arrived waits for it, at most `recordWaitMillis`, and within
 *   `maxRecords` records and `maxBytes` (the oldest span's records go first past either).
 * - A span that may still get records waits `spanWaitMillis` before it is mapped: only a GenAI
 *   span (an attribute in the `gen_ai.` namespace: https://opentelemetry.io/docs/specs/semconv/
 *   gen-ai/gen-ai-spans/), and only while this bridge has received GenAI log records in the last
 *   `activeMillis`. A bridge that gets no such logs adds no latency and does no work per span.
 *   The whole request waits with it (its other spans too), so parents still go before children.
 *
 * A run already handed to the exporter is never patched (LangSmith runs are posted once; a PATCH
 * of content would race its children and the exporter's idempotent resends): a record arriving
 * after its span was sent is counted `late`, and one whose span never comes within the wait is
 * counted `unjoined`; each kind is said once in diag, so nothing is silently lost.
 */
export interface LogJoinOptions {
  /** How long a GenAI span waits for its records while logs flow. 0: never. */
  spanWaitMillis: number;
  /** How long a record waits for its span. */
  recordWaitMillis: number;
  /** "Logs flow": a GenAI log record arrived within this long. */
  activeMillis: number;
  /** Most records waiting for their spans. */
  maxRecords: number;
  /** Most bytes (estimated) of records waiting for their spans. */
  maxBytes: number;
}

/** The join's clock: injected by tests, real timers otherwise. */
export interface JoinClock {
  now(): number;
  setTimeout(callback: () => void, millis: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_CLOCK: JoinClock = {
  now: () => Date.now(),
  setTimeout: (callback, millis) => {
    const timer = setTimeout(callback, millis);
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What the join counted since the bridge started (`/health`: `logs`). */
export interface LogJoinStats {
  /** Log records in requests that could be decoded. */
  received: number;
  /** Not GenAI events: nowhere in a run to go, dropped. */
  ignored: number;
  /** GenAI records without a span context: no run to join. */
  withoutSpan: number;
  /** Records added to their span's run. */
  joined: number;
  /** Records that arrived after their span's run was sent: not added (runs are never patched). */
  late: number;
  /** Records whose span did not arrive within the wait, or that were pushed out by the bounds. */
  unjoined: number;
  /** Records waiting for their span now, and their estimated bytes. */
  waitingRecords: number;
  waitingBytes: number;
  /** Spans being held for their records now. */
  heldSpans: number;
  /** Spans that waited for records since start. */
  spansWaited: number;
}

interface Waiting {
  events: TimedEvent[];
  bytes: number;
  deadline: number;
  runKey: string;
}

interface Held {
  events: TimedEvent[];
}

/** Called for records that leave the join without joining a span (durability releases them). */
export type DroppedListener = (spanId: string) => void;

const GEN_AI_PREFIX = 'gen_ai.';
/** Spans sent while logs flowed, remembered to tell a late record from one whose span never came. */
const MAX_SENT_REMEMBERED = 100_000;

export class LogJoin {
  private readonly waiting = new Map<string, Waiting>();
  private readonly held = new Map<string, Held>();
  private readonly sent = new Set<string>();
  private readonly releases = new Set<() => void>();
  private lastLogAt = -Infinity;
  /** After `releaseAll()` (the bridge drains): spans no longer wait. */
  private draining = false;
  private expiryTimer: unknown;
  private expiryAt = Infinity;
  private readonly counts = { received: 0, ignored: 0, withoutSpan: 0, joined: 0, late: 0, unjoined: 0, spansWaited: 0 };
  private waitingRecords = 0;
  private waitingBytes = 0;
  private readonly said = new Set<string>();

  constructor(
    private readonly options: LogJoinOptions,
    private readonly clock: JoinClock = REAL_CLOCK,
    private readonly onDropped: DroppedListener = () => {},
  ) {}

  /** A logs request's counts that do not join anything (for the stats). */
  countSkipped(received: number, ignored: number, withoutSpan: number): void {
    this.counts.received += received;
    this.counts.ignored += ignored;
    this.counts.withoutSpan += withoutSpan;
    if (withoutSpan > 0) this.sayOnce('without-span', `${withoutSpan} GenAI log records without a trace and span id cannot join a run; they are dropped (counted in /health logs.withoutSpan)`);
  }

  /** From now on, GenAI spans wait for records (called as a GenAI logs request arrives, before it is written). */
  noteLogsFlowing(): void {
    this.lastLogAt = this.clock.now();
  }

  /**
   * Records of one request: each joins its span if the span is being held, is counted late if
   * the span was sent, else waits for it. Returns the spans (their ids) whose records now wait
   * or are held, which the caller keeps durable until those runs settle.
   */
  addRecords(records: SpanLogRecord[], flowing = true): string[] {
    if (flowing) this.noteLogsFlowing();
    const kept = new Set<string>();
    for (const record of records) {
      const key = record.traceId + record.spanId;
      const event = logRecordToSpanEvent(record);
      const held = this.held.get(key);
      if (held) {
        held.events.push(event);
        this.counts.joined++;
        kept.add(record.spanId);
        continue;
      }
      if (this.sent.has(key)) {
        this.counts.late++;
        this.sayOnce('late', 'GenAI log records arrived after their span was sent to LangSmith; runs are never patched, so they are not in the run (counted in /health logs.late; a larger --log-wait-ms helps)');
        continue;
      }
      let waiting = this.waiting.get(key);
      if (!waiting) {
        waiting = { events: [], bytes: 0, deadline: this.clock.now() + this.options.recordWaitMillis, runKey: record.spanId };
        this.waiting.set(key, waiting);
      }
      const bytes = eventBytes(event);
      waiting.events.push(event);
      waiting.bytes += bytes;
      this.waitingRecords++;
      this.waitingBytes += bytes;
      kept.add(record.spanId);
    }
    this.enforceBounds();
    this.scheduleExpiry();
    return [...kept];
  }

  /**
   * A request's spans before they are mapped: each takes the records waiting for it; when one of
   * them may still get some (see the class comment), the whole request waits `spanWaitMillis`
   * and takes what came meanwhile. Resolves to the spans with their records as events.
   */
  async join(spans: ReadableSpan[]): Promise<ReadableSpan[]> {
    const active = !this.draining && this.options.spanWaitMillis > 0 && this.clock.now() - this.lastLogAt < this.options.activeMillis;
    if (!active && this.waiting.size === 0) {
      // A GenAI span sent before any log records flowed (the first call after a start, through a
      // Collector whose logs batch later) is remembered, so its records are counted late at once
      // instead of waiting for a span that already went and then counting as unjoined.
      for (const span of spans) if (isGenAiSpan(span)) this.remember(span.spanContext().traceId + span.spanContext().spanId);
      return spans;
    }
    const keys = spans.map((span) => span.spanContext().traceId + span.spanContext().spanId);
    const found: Array<TimedEvent[] | undefined> = keys.map((key) => this.take(key));
    const waits = active && spans.some((span) => isGenAiSpan(span));
    if (waits) {
      const held: Held[] = keys.map((key, i) => {
        const entry: Held = { events: found[i] ?? [] };
        this.held.set(key, entry);
        return entry;
      });
      this.counts.spansWaited += spans.length;
      await this.sleep(this.options.spanWaitMillis);
      keys.forEach((key, i) => {
        this.held.delete(key);
        found[i] = held[i]!.events.length ? held[i]!.events : undefined;
      });
    }
    keys.forEach((key, i) => {
      if (active || isGenAiSpan(spans[i]!)) this.remember(key);
    });
    return spans.map((span, i) => withEvents(span, found[i]));
  }

  /** The spans with the records already waiting for them, without any wait (read back on start). */
  joinNow(spans: ReadableSpan[]): ReadableSpan[] {
    if (this.waiting.size === 0) return spans;
    return spans.map((span) => withEvents(span, this.take(span.spanContext().traceId + span.spanContext().spanId)));
  }

  /** Ends every span's wait now, and spans arriving from now on do not wait (the bridge is draining). */
  releaseAll(): void {
    this.draining = true;
    for (const release of [...this.releases]) release();
  }

  /** Records still waiting when the bridge stops: without a data directory they are lost here, so counted. */
  dropAllWaiting(reason: string): void {
    if (this.waitingRecords === 0) return;
    const records = this.waitingRecords;
    this.counts.unjoined += records;
    this.waiting.clear();
    this.waitingRecords = 0;
    this.waitingBytes = 0;
    diag.warn(`otel-langsmith bridge: ${records} GenAI log records were still waiting for their spans: ${reason}`);
  }

  /** Waiting records are not dropped at stop (the data directory keeps them for the next start). */
  stopTimers(): void {
    if (this.expiryTimer !== undefined) this.clock.clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
  }

  stats(): LogJoinStats {
    return { ...this.counts, waitingRecords: this.waitingRecords, waitingBytes: this.waitingBytes, heldSpans: this.held.size };
  }

  /** How many spans are held now (backpressure counts them as pending work). */
  get heldSpans(): number {
    return this.held.size;
  }

  private take(key: string): TimedEvent[] | undefined {
    const waiting = this.waiting.get(key);
    if (!waiting) return undefined;
    this.waiting.delete(key);
    this.waitingRecords -= waiting.events.length;
    this.waitingBytes -= waiting.bytes;
    this.counts.joined += waiting.events.length;
    return waiting.events;
  }

  private remember(key: string): void {
    if (this.sent.has(key)) return;
    this.sent.add(key);
    if (this.sent.size > MAX_SENT_REMEMBERED) this.sent.delete(this.sent.values().next().value!);
  }

  private sleep(millis: number): Promise<void> {
    return new Promise((resolve) => {
      const release = (): void => {
        this.releases.delete(release);
        this.clock.clearTimeout(timer);
        resolve();
      };
      const timer = this.clock.setTimeout(release, millis);
      this.releases.add(release);
    });
  }

  /** Past the count or byte bound, the records waiting longest go (whole spans' worth), counted. */
  private enforceBounds(): void {
    while (this.waitingRecords > this.options.maxRecords || this.waitingBytes > this.options.maxBytes) {
      const [key, oldest] = this.waiting.entries().next().value as [string, Waiting];
      this.drop(key, oldest);
      this.sayOnce('evicted', `more GenAI log records waiting for their spans than the bounds allow (${this.options.maxRecords} records, ${this.options.maxBytes} bytes); the oldest are dropped (counted in /health logs.unjoined)`);
    }
  }

  private drop(key: string, waiting: Waiting): void {
    this.waiting.delete(key);
    this.waitingRecords -= waiting.events.length;
    this.waitingBytes -= waiting.bytes;
    this.counts.unjoined += waiting.events.length;
    this.onDropped(waiting.runKey);
  }

  /** One timer, at the deadline of the record waiting longest (map order is arrival order). */
  private scheduleExpiry(): void {
    const first = this.waiting.values().next().value as Waiting | undefined;
    if (!first) {
      if (this.expiryTimer !== undefined) this.clock.clearTimeout(this.expiryTimer);
      this.expiryTimer = undefined;
      this.expiryAt = Infinity;
      return;
    }
    if (this.expiryTimer !== undefined && this.expiryAt <= first.deadline) return;
    if (this.expiryTimer !== undefined) this.clock.clearTimeout(this.expiryTimer);
    this.expiryAt = first.deadline;
    this.expiryTimer = this.clock.setTimeout(() => this.expire(), Math.max(0, first.deadline - this.clock.now()));
  }

  private expire(): void {
    this.expiryTimer = undefined;
    this.expiryAt = Infinity;
    const now = this.clock.now();
    for (const [key, waiting] of this.waiting) {
      if (waiting.deadline > now) break;
      this.drop(key, waiting);
      this.sayOnce('unjoined', `GenAI log records whose span did not arrive within ${this.options.recordWaitMillis} ms (or was sent before any GenAI log records arrived) are dropped (counted in /health logs.unjoined)`);
    }
    this.scheduleExpiry();
  }

  private sayOnce(kind: string, message: string): void {
    if (this.said.has(kind)) return;
    this.said.add(kind);
    diag.warn(`otel-langsmith bridge: ${message}`);
  }
}

/** A GenAI span: any attribute in the `gen_ai.` namespace (gen_ai.operation.name, gen_ai.system, …). */
function isGenAiSpan(span: ReadableSpan): boolean {
  for (const key in span.attributes) if (key.startsWith(GEN_AI_PREFIX)) return true;
  return false;
}

/** The span with the records' events after its own, in the records' time order (stable). */
function withEvents(span: ReadableSpan, events: TimedEvent[] | undefined): ReadableSpan {
  if (!events || events.length === 0) return span;
  const sorted = events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => a.event.time[0] - b.event.time[0] || a.event.time[1] - b.event.time[1] || a.index - b.index)
    .map(({ event }) => event);
  return { ...span, spanContext: span.spanContext, events: [...span.events, ...sorted] };
}

/** A record's size for the byte bound: its names and values as they are held. */
function eventBytes(event: TimedEvent): number {
  let bytes = event.name.length + 32;
  for (const [key, value] of Object.entries(event.attributes ?? {})) bytes += key.length + valueBytes(value);
  return bytes;
}

function valueBytes(value: AttributeValue | undefined): number {
  if (typeof value === 'string') return value.length * 2;
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + (typeof item === 'string' ? item.length * 2 : 8), 16);
  return 8;
}
