import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';

const PROBE = createContextKey('otel-langsmith context-manager probe');

/**
 * Whether a context manager is registered. Without one (`BasicTracerProvider` registers none),
 * `startActiveSpan` cannot make a span active, so every nested span starts a trace of its own: the
 * API's no-op manager never makes a context active, which this probe sees.
 */
export function contextManagerRegistered(): boolean {
  return context.with(ROOT_CONTEXT.setValue(PROBE, true), () => context.active().getValue(PROBE) === true);
}

export const NO_CONTEXT_MANAGER_MESSAGE =
  'otel-langsmith: no OpenTelemetry context manager is registered, so nested spans become separate one-run traces. ' +
  "Register one before starting spans: context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()) " +
  "(from '@opentelemetry/context-async-hooks'), or use NodeTracerProvider with provider.register(), or the NodeSDK. " +
  'See docs/troubleshooting.md, "Runs appear as separate roots".';
