import { diag, isSpanContextValid, trace, TraceFlags, type Context, type HrTime, type SpanContext } from '@opentelemetry/api';
import { isGenAiLogRecord } from '../mapping/log-record-event.js';
import type { LogJoin } from './log-join.js';

// The official OpenTelemetry GenAI instrumentations put message content in log records (the GenAI
// events, https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-events/), emitted through the
// Logs API with the context of the span they describe: e.g. @opentelemetry/instrumentation-openai
// (captureMessageContent, or OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true; its
// src/instrumentation.ts emits `gen_ai.*.message` before the request and `gen_ai.choice` before
// span.end()). This processor gives those records to the run of their span.
//
// Structurally an @opentelemetry/sdk-logs 0.2xx `LogRecordProcessor` (LogRecordProcessor.ts there:
// onEmit(logRecord, context?), forceFlush(), shutdown(), the optional enabled()); this package does
// not depend on sdk-logs at run time.

/** What onEmit reads of an sdk-logs `ReadWriteLogRecord`. */
export interface EmittedLogRecord {
  readonly hrTime: HrTime;
  readonly hrTimeObserved: HrTime;
  readonly spanContext?: SpanContext | undefined;
  readonly eventName?: string | undefined;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly body?: unknown;
}

/** What sdk-logs asks `enabled()` before it builds a record. */
export interface LogEnabledOptions {
  context: Context;
  eventName?: string | undefined;
}

/**
 * A `LogRecordProcessor` for an sdk-logs `LoggerProvider` (or NodeSDK's `logRecordProcessors`)
 * that joins GenAI log records to the LangSmith run of their span. Get it from
 * `LangSmithSpanExporter.logRecordProcessor()`; see docs/setup.md, "Message content in log records".
 *
 * onEmit stores a reference to the record's parts under its span id, nothing more: no copy, no
 * JSON. The record becomes a span event when its span is exported. Other records (not a GenAI
 * event, no sampled span) are ignored. Never throws.
 */
export class LangSmithLogRecordProcessor {
  /** @internal Made by the exporter, which owns the join. */
  constructor(private readonly join: LogJoin) {}

  /** Keeps a GenAI record of a sampled span for that span's export; ignores any other. */
  onEmit(logRecord: EmittedLogRecord, _context?: Context): void {
    try {
      const spanContext = logRecord.spanContext;
      // Records of unsampled spans belong to no run; records outside any span have no run to join.
      if (!spanContext || (spanContext.traceFlags & TraceFlags.SAMPLED) === 0) return;
      const attributes = logRecord.attributes;
      if (!isGenAiLogRecord({ eventName: logRecord.eventName, attributes })) return;
      this.join.add({
        traceId: spanContext.traceId,
        spanId: spanContext.spanId,
        eventName: logRecord.eventName,
        time: logRecord.hrTime ?? logRecord.hrTimeObserved,
        attributes,
        body: logRecord.body,
      });
    } catch (error) {
      diag.error('otel-langsmith: a log record could not be joined to its span', error);
    }
  }

  /**
   * Lets sdk-logs skip building records no processor wants: those with no sampled span, and
   * those whose event name is not a GenAI event. Records naming their event in the `event.name`
   * attribute (older producers) are only known at onEmit.
   */
  enabled(options: LogEnabledOptions): boolean {
    const spanContext = trace.getSpanContext(options.context);
    if (!spanContext || !isSpanContextValid(spanContext) || (spanContext.traceFlags & TraceFlags.SAMPLED) === 0) return false;
    return !options.eventName || isGenAiLogRecord({ eventName: options.eventName, attributes: NO_ATTRIBUTES });
  }

  /** Records are delivered with their spans (the span exporter's forceFlush); nothing waits here. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Nothing to stop: records already kept still join their spans, which a provider shutting down
   * at the same time may export after this. The exporter's shutdown counts what never joined.
   */
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const NO_ATTRIBUTES: Readonly<Record<string, unknown>> = Object.freeze({});
