import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
  EVENT_EXCEPTION,
} from '@opentelemetry/semantic-conventions';

/**
 * The run's `error` text: for spans whose status is ERROR, and, as LangSmith's own OTel ingest
 * does, for spans that recorded an exception whatever their status (LangSmith's SDKs set OK when a
 * run starts, and OTel keeps the first final status, so their failures arrive that way). The last
 * `exception` event gives type, message and stack trace; without one, the status description is
 * the message. The event stays in the run's events too.
 */
export function errorFromSpan(span: ReadableSpan): string | undefined {
  const exception = lastException(span.events ?? []);
  if (span.status?.code !== SpanStatusCode.ERROR && exception === undefined) return undefined;
  const attrs = exception?.attributes ?? {};
  const type = stringOf(attrs[ATTR_EXCEPTION_TYPE]);
  const message = stringOf(attrs[ATTR_EXCEPTION_MESSAGE]) ?? stringOf(span.status?.message);
  const stack = stringOf(attrs[ATTR_EXCEPTION_STACKTRACE]);
  const headline = type && message ? `${type}: ${message}` : (type ?? message ?? 'Error');
  if (!stack) return headline;
  // JS stack traces already begin with "Type: message"; do not print it twice.
  return stack.startsWith(headline) ? stack : `${headline}\n\n${stack}`;
}

export function lastException(events: readonly TimedEvent[]): TimedEvent | undefined {
  for (let i = events.length - 1; i >= 0; i--) if (events[i]!.name === EVENT_EXCEPTION) return events[i];
  return undefined;
}

function stringOf(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}
