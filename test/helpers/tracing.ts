import { context, SpanKind, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** A real SDK tracer whose ended spans are collected in memory, for feeding exporters by hand. */
export function recordingTracer(resource: Record<string, string> = { 'service.name': 'test-service' }) {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  return {
    tracer: provider.getTracer('test-scope', '1.2.3'),
    spans: (): ReadableSpan[] => memory.getFinishedSpans(),
    provider,
  };
}

/** A real SDK tracer provider wired to the given processors. */
export function tracerWith(processors: SpanProcessor[], resource: Record<string, string> = { 'service.name': 'test-service' }) {
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes(resource), spanProcessors: processors });
  return { provider, tracer: provider.getTracer('test-scope', '1.2.3') };
}

/** Starts a child span of `parent` without relying on a global context manager. */
export function childOf(tracer: Tracer, parent: Span, name: string): Span {
  return tracer.startSpan(name, {}, trace.setSpan(context.active(), parent));
}

/** An event to record on a fixture span. */
export interface FixtureEvent {
  name: string;
  attributes?: Attributes;
}

/** One real, ended SDK span carrying attributes and events as a producer writes them. */
export function endedSpan(name: string, attributes: Attributes, options: { kind?: SpanKind; events?: FixtureEvent[] } = {}): ReadableSpan {
  const { tracer, spans } = recordingTracer();
  const span = tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes });
  for (const event of options.events ?? []) span.addEvent(event.name, event.attributes);
  span.end();
  return spans()[0]!;
}
