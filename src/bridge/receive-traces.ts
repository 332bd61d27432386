import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { LangSmithSpanExporter } from '../exporter/langsmith-span-exporter.js';
import { overloaded } from './backpressure.js';
import type { ResolvedBridgeOptions } from './bridge-options.js';
import type { BridgeCounters } from './bridge-stats.js';
import { decodeJsonRequest } from './decode-json.js';
import { decodeProtobufRequest } from './decode-protobuf.js';
import type { OtlpFormat, PartialSuccess } from './encode-response.js';
import { judgeExport, type ExportVerdict } from './export-outcome.js';
import { OtlpDecodeError, type OtlpTraceRequest } from './otlp-model.js';
import type { Durability } from './journal/durability.js';
import type { LogJoin } from './log-join.js';
import { countJsonSpans, countProtobufSpans } from './span-count.js';
import { toReadableSpans } from './to-readable-span.js';

/**
 * What the bridge does with an OTLP trace export once its bytes are in hand, for both receivers:
 * OTLP/HTTP (http-server.ts) and OTLP/gRPC (grpc-server.ts) only read the request, check the
 * secret and translate the outcome into their status codes. Everything that decides whether a
 * sender may forget its spans lives here, so the two cannot drift apart.
 *
 *   outcome                  OTLP/HTTP                    OTLP/gRPC
 *   accepted                 200 ExportTraceServiceResponse  OK ExportTraceServiceResponse
 *     (+ partial success)     (partial_success)               (partial_success)
 *   refused: invalid         400                          INVALID_ARGUMENT
 *   refused: too-large       413                          RESOURCE_EXHAUSTED, no RetryInfo (do not retry)
 *   retry: overloaded        429 + Retry-After            RESOURCE_EXHAUSTED + RetryInfo
 *   retry: unavailable       503 + Retry-After            UNAVAILABLE + RetryInfo
 */
export type ReceiveOutcome =
  | { kind: 'accepted'; partial?: PartialSuccess }
  | { kind: 'refused'; reason: 'invalid' | 'too-large'; message: string }
  | { kind: 'retry'; reason: 'overloaded' | 'unavailable'; message: string; retryAfterSeconds: number };

/** What the shared steps need from the bridge. */
export interface ReceiveContext {
  options: ResolvedBridgeOptions;
  exporter: LangSmithSpanExporter;
  counters: BridgeCounters;
  draining(): boolean;
  /**
   * With a data directory: the journal every accepted request is written to (and fsynced) before
   * it is acknowledged. Undefined: acknowledged spans live in memory only until delivered.
   */
  durability?: Durability;
  /** GenAI log records waiting for their spans, and spans waiting for their records (log-join.ts). */
  logJoin: LogJoin;
}

/** While the bridge shuts down every request is answered "unavailable, retry later". */
export function refuseWhileDraining(ctx: ReceiveContext): ReceiveOutcome | undefined {
  if (!ctx.draining()) return undefined;
  ctx.counters.unavailable++;
  return { kind: 'retry', reason: 'unavailable', message: 'the bridge is shutting down', retryAfterSeconds: ctx.options.retryAfterSeconds };
}

/**
 * Backpressure: over `maxPendingRuns` the request is refused before its spans are decoded, so the
 * sender keeps them and resends after the delay. Recoverable by definition (the exporter drains),
 * hence always with a retry delay.
 */
export function refuseWhenOverloaded(ctx: ReceiveContext): ReceiveOutcome | undefined {
  const stats = ctx.exporter.stats();
  // Spans held for their log records are pending work too.
  const held = ctx.logJoin.heldSpans;
  if (!overloaded(held ? { ...stats, heldRuns: stats.heldRuns + held } : stats, ctx.options.maxPendingRuns)) return undefined;
  ctx.counters.throttled++;
  return {
    kind: 'retry',
    reason: 'overloaded',
    message: `too many runs pending delivery to LangSmith (over ${ctx.options.maxPendingRuns}); retry later`,
    retryAfterSeconds: ctx.options.retryAfterSeconds,
  };
}

const DECODERS: Record<OtlpFormat, (body: Uint8Array) => OtlpTraceRequest> = {
  protobuf: decodeProtobufRequest,
  json: decodeJsonRequest,
};

/**
 * An ExportTraceServiceRequest's bytes (decompressed, within the size limits) to an outcome:
 * span-count cap on the raw bytes, decode, invalid spans set aside as partial success, then
 * {@link accept}, and the exporter's verdict turned into what the sender should do.
 */
export async function receiveTraces(ctx: ReceiveContext, body: Uint8Array, format: OtlpFormat): Promise<ReceiveOutcome> {
  const { counters, options } = ctx;
  const tooMany = refuseOverCount(ctx, body, format, 'spans');
  if (tooMany) return tooMany;
  // The data directory over its bounds: 503, so the sender (the Collector's queue) keeps the data.
  const full = ctx.durability?.refusal(body.length);
  if (full) {
    counters.unavailable++;
    return { kind: 'retry', reason: 'unavailable', message: full, retryAfterSeconds: options.retryAfterSeconds };
  }
  const decoded = decodeOrRefuse(ctx, DECODERS[format], body);
  if ('refusal' in decoded) return decoded.refusal;
  const { request } = decoded;

  const converted = toReadableSpans(request);
  const { rejected, reasons } = converted;
  counters.spansReceived += converted.spans.length + rejected;
  // GenAI log records join their spans' runs here, before anything is mapped (or written: a span
  // waiting for its records has not been acknowledged, so its sender still has it).
  const spans = await ctx.logJoin.join(converted.spans);
  const invalid: PartialSuccess | undefined = rejected
    ? { rejectedSpans: rejected, errorMessage: `${rejected} spans rejected: ${reasons.join('; ')}` }
    : undefined;
  if (spans.length === 0) {
    counters.spansRejected += rejected;
    return accepted(invalid);
  }

  const verdict = ctx.durability ? await ctx.durability.accept(ctx.exporter, spans, body, format) : await accept(ctx.exporter, spans);
  if (verdict.kind === 'transient') {
    counters.unavailable++;
    return { kind: 'retry', reason: 'unavailable', message: `not delivered to LangSmith yet, retry: ${verdict.message}`, retryAfterSeconds: options.retryAfterSeconds };
  }
  if (verdict.kind === 'delivered') {
    counters.spansRejected += rejected;
    return accepted(invalid);
  }
  // Refused by LangSmith for good: resending would not help, so say so and take the rest.
  const refusedRuns = Math.min(verdict.runs, spans.length);
  counters.spansRejected += rejected + refusedRuns;
  const messages = [invalid?.errorMessage, `${refusedRuns} spans refused by LangSmith: ${verdict.message}`].filter(Boolean);
  return accepted({ rejectedSpans: rejected + refusedRuns, errorMessage: messages.join('; ') });
}

/**
 * The count cap, on the raw bytes before anything is decoded (span-count.ts): ExportLogsServiceRequest
 * nests its records exactly where ExportTraceServiceRequest nests its spans, so one walk counts both.
 */
export function refuseOverCount(ctx: ReceiveContext, body: Uint8Array, format: OtlpFormat, items: string): ReceiveOutcome | undefined {
  const count = format === 'json' ? countJsonSpans(body) : countProtobufSpans(body);
  if (count <= ctx.options.maxSpansPerRequest) return undefined;
  ctx.counters.refused++;
  return {
    kind: 'refused',
    reason: 'too-large',
    message: `the request holds about ${count} ${items}, over the limit of ${ctx.options.maxSpansPerRequest}; send smaller batches`,
  };
}

/** The decoded request, or the refusal its sender gets when the body cannot be decoded. */
export function decodeOrRefuse<T>(ctx: ReceiveContext, decode: (body: Uint8Array) => T, body: Uint8Array): { request: T } | { refusal: ReceiveOutcome } {
  try {
    return { request: decode(body) };
  } catch (error) {
    ctx.counters.refused++;
    const message = error instanceof OtlpDecodeError ? error.message : `undecodable request: ${String(error)}`;
    return { refusal: { kind: 'refused', reason: 'invalid', message } };
  }
}

export function accepted(partial: PartialSuccess | undefined): ReceiveOutcome {
  return partial ? { kind: 'accepted', partial } : { kind: 'accepted' };
}

/**
 * THE acknowledgement point of the bridge, for both receivers: the sender is told it may forget
 * the spans only after this resolves to 'delivered' (or 'rejected' for good).
 *
 * Without a data directory "acknowledged" means what the exporter's callback says: every run
 * delivered to LangSmith, or held waiting for a parent (which the exporter counts as accepted),
 * in memory only. With one, `Durability.accept` (journal/durability.ts) stands here instead: the
 * request is also written and fsynced, and stays on disk until each of its runs has settled.
 */
async function accept(exporter: LangSmithSpanExporter, spans: ReadableSpan[]): Promise<ExportVerdict> {
  const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
  return judgeExport(result);
}
