import type { DiagLogger } from '@opentelemetry/api';

/**
 * Where @opentelemetry/api 1.x keeps its registered globals (trace, context, propagation, ...);
 * `registerGlobal` refuses a second registration when the entry is already there.
 */
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');

/** What the API logs (an Error's stack, as a string) when something registers a second provider. */
const DUPLICATE = /Attempted duplicate registration of API: (trace|context|propagation)\b/;

/** Printed when the application registers its own provider after otel-langsmith/register did. */
export const APP_REGISTERED_TOO =
  "otel-langsmith/register: your app registered its own tracer provider too, and OpenTelemetry ignored it (otel-langsmith/register's came first): " +
  "use one or the other. Remove --import/--require otel-langsmith/register, or remove the app's own provider setup (its exporters get no spans now).";

/** Printed when a provider was registered before otel-langsmith/register ran; it then starts nothing. */
export const ALREADY_REGISTERED =
  "otel-langsmith/register: a tracer provider is already registered (your app's own): use one or the other; " +
  'otel-langsmith/register starts nothing. Add LangSmithSpanExporter to your provider, or remove its setup and keep otel-langsmith/register.';

/** Whether a global tracer provider is registered (by anyone, with any @opentelemetry/api 1.x copy). */
export function tracerProviderRegistered(): boolean {
  const globals = (globalThis as Record<symbol, { trace?: unknown } | undefined>)[API_GLOBAL];
  return globals?.trace !== undefined;
}

/**
 * The logger, except that the API's duplicate-registration errors (one stack trace each for
 * trace, context and propagation) become the one line that says what happened and what to do.
 */
export function reportingDuplicates(logger: DiagLogger): DiagLogger {
  let told = false;
  const error = (message: string, ...args: unknown[]): void => {
    if (typeof message === 'string' && DUPLICATE.test(message)) {
      if (!told) logger.error(APP_REGISTERED_TOO);
      told = true;
      return;
    }
    logger.error(message, ...args);
  };
  return {
    error,
    warn: (message, ...args) => logger.warn(message, ...args),
    info: (message, ...args) => logger.info(message, ...args),
    debug: (message, ...args) => logger.debug(message, ...args),
    verbose: (message, ...args) => logger.verbose(message, ...args),
  };
}
