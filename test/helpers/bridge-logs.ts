// For the bridge's OTLP logs tests: the official OTel JS log exporters (protobuf, JSON, gRPC)
// behind a real LoggerProvider, GenAI log records emitted inside a given span's context, a
// manual clock for the log join's waits, and OTLP/JSON GenAI spans.
import { context, trace, TraceFlags } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as OtlpGrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as OtlpJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OtlpProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { AnyValueMap, AnyValue } from '@opentelemetry/api-logs';
import type { JoinClock } from '../../src/bridge/log-join.js';
import { jsonSpan, TRACE_ID } from './bridge-harness.js';

export type LogTransport = 'protobuf' | 'json' | 'grpc';

/** A LoggerProvider exporting each record at once (SimpleLogRecordProcessor) with the official exporter. */
export function logProducer(transport: LogTransport, bridge: { url: string; grpcUrl: string | undefined }, headers: Record<string, string> = {}) {
  const official: LogRecordExporter =
    transport === 'grpc'
      ? new OtlpGrpcLogExporter({ url: bridge.grpcUrl! })
      : transport === 'json'
        ? new OtlpJsonLogExporter({ url: `${bridge.url}/v1/logs`, headers })
        : new OtlpProtoLogExporter({ url: `${bridge.url}/v1/logs`, headers });
  // The official exporter, told apart only to know when its export call answered.
  const results: Array<(result: ExportResult) => void> = [];
  const exporter: LogRecordExporter = {
    export: (records, done) =>
      official.export(records, (result) => {
        done(result);
        results.shift()?.(result);
      }),
    shutdown: () => official.shutdown(),
    forceFlush: () => official.forceFlush?.() ?? Promise.resolve(),
  };
  const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('genai-test');
  return {
    /** Emits a record in the span's context; resolves with the export's result once the bridge answered. */
    emit(spanId: string, eventName: string | undefined, body: AnyValue, attributes: AnyValueMap = {}, traceId = TRACE_ID): Promise<ExportResult> {
      const ctx = trace.setSpanContext(context.active(), { traceId, spanId, traceFlags: TraceFlags.SAMPLED });
      const answered = new Promise<ExportResult>((resolve) => results.push(resolve));
      logger.emit({ ...(eventName ? { eventName } : {}), body, attributes, context: ctx });
      return answered;
    },
    shutdown: () => provider.shutdown(),
  };
}

/** An OTLP/JSON chat span of the GenAI conventions (it waits for records while logs flow). */
export function genAiSpan(spanId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return jsonSpan({
    spanId,
    name: 'chat gpt-4o-mini',
    kind: 3,
    attributes: [
      { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
      { key: 'gen_ai.system', value: { stringValue: 'openai' } },
      { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o-mini' } },
    ],
    ...extra,
  });
}

/** A clock whose timers fire only when the test advances it. */
export class ManualClock implements JoinClock {
  private at = 1_000_000;
  private timers = new Map<number, { due: number; callback: () => void }>();
  private nextId = 1;
  now(): number {
    return this.at;
  }
  setTimeout(callback: () => void, millis: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { due: this.at + millis, callback });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Timers pending now. */
  get pending(): number {
    return this.timers.size;
  }
  advance(millis: number): void {
    this.at += millis;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.due <= this.at).sort((a, b) => a[1].due - b[1].due)[0];
      if (!due) return;
      this.timers.delete(due[0]);
      due[1].callback();
    }
  }
}
