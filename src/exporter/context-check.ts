import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

const PROBE = createContextKey('otel-langsmith context-manager probe');

/**
 * Whether a context manager is registered. Without one (`BasicTracerProvider` registers none),
 * `startActiveSpan` cannot make a span active, so every span it nests starts a trace of its own:
 * the API's no-op manager never makes a context active, which this probe sees.
 */
export function contextManagerRegistered(): boolean {
  return context.with(ROOT_CONTEXT.setValue(PROBE, true), () => context.active().getValue(PROBE) === true);
}

/**
 * Whether these spans (exported without a context manager) nest by passing contexts explicitly
 * (`tracer.startSpan(name, {}, trace.setSpan(ctx, parent))`), which needs no context manager: any
 * span with a parent in this process says so. Remote parents (from a request header) do not.
 */
export function nestsExplicitly(spans: readonly ReadableSpan[]): boolean {
  return spans.some((span) => span?.parentSpanContext != null && span.parentSpanContext.isRemote !== true);
}

/**
 * The evidence that nesting was lost: root spans that started and ended within another root span
 * of the same call, which is what `startActiveSpan` inside `startActiveSpan` gives without a
 * context manager (the inner span meant to be the outer one's child). Each such span is counted
 * once; the outermost root is not, since it was meant to be a root. Concurrent, unrelated root
 * spans can also lie within one another: which is why this is looked at only with no context
 * manager and no explicit nesting (see nestsExplicitly).
 */
export function rootsWithinRoots(spans: readonly ReadableSpan[]): number {
  const roots: Array<{ start: number; end: number }> = [];
  for (const span of spans) {
    if (span?.parentSpanContext != null) continue;
    const start = micros(span?.startTime);
    const end = micros(span?.endTime);
    // A span without valid times (malformed input) is no evidence either way.
    if (start !== undefined && end !== undefined) roots.push({ start, end });
  }
  if (roots.length < 2) return 0;
  // By start, the longer first on a tie: a root lies within another when an earlier one ends no sooner.
  roots.sort((a, b) => a.start - b.start || b.end - a.end);
  let count = 0;
  let furthestEnd = -Infinity;
  for (const root of roots) {
    if (furthestEnd >= root.end) count++;
    furthestEnd = Math.max(furthestEnd, root.end);
  }
  return count;
}

/** HrTime in microseconds: exact enough (2^53 µs is 285 years) for ordering; undefined when malformed. */
function micros(time: unknown): number | undefined {
  if (!Array.isArray(time)) return undefined;
  const [seconds, nanos] = time as unknown[];
  if (typeof seconds !== 'number' || typeof nanos !== 'number') return undefined;
  const value = seconds * 1e6 + Math.floor(nanos / 1000);
  return Number.isFinite(value) ? value : undefined;
}

export const NO_CONTEXT_MANAGER_MESSAGE =
  'otel-langsmith: no OpenTelemetry context manager is registered, and spans that started inside another span ' +
  'were exported as traces of their own (startActiveSpan cannot nest without one). ' +
  "Register one before starting spans: context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()) " +
  "(from '@opentelemetry/context-async-hooks'), or use NodeTracerProvider with provider.register(), or the NodeSDK. " +
  'See docs/troubleshooting.md, "Every span is a trace of its own".';
