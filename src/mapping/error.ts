import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
  EVENT_EXCEPTION,
} from '@opentelemetry/semantic-conventions';

/**
 * The run's `error` text, only for spans whose status is ERROR (a recorded exception on a span
 * that did not fail stays an event, as OTel means it). The last `exception` event gives type,
 * message and stack trace; without one, the status description is the message.
 */
export function errorFromSpan(span: ReadableSpan): string | undefined {
  if (span.status?.code !== SpanStatusCode.ERROR) return undefined;
  const exception = [...(span.events ?? [])].reverse().find((e) => e.name === EVENT_EXCEPTION);
  const attrs = exception?.attributes ?? {};
  const type = stringOf(attrs[ATTR_EXCEPTION_TYPE]);
  const message = stringOf(attrs[ATTR_EXCEPTION_MESSAGE]) ?? stringOf(span.status.message);
  const stack = stringOf(attrs[ATTR_EXCEPTION_STACKTRACE]);
  const headline = type && message ? `${type}: ${message}` : (type ?? message ?? 'Error');
  if (!stack) return headline;
  // JS stack traces already begin with "Type: message"; do not print it twice.
  return stack.startsWith(headline) ? stack : `${headline}\n\n${stack}`;
}

function stringOf(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}
