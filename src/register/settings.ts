import { DiagLogLevel } from '@opentelemetry/api';
import { diagLogLevelFromString } from '@opentelemetry/core';
import { tracingSwitchedOff } from '../config/tracing-switch.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** Why the zero-code start does nothing, or `undefined` when it should start. */
export function disabledReason(env: Env): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return 'OTEL_SDK_DISABLED=true';
  return tracingSwitchedOff(env);
}

/**
 * The level of the console diag logger: `OTEL_LOG_LEVEL` when set (an unknown value means INFO, as
 * in the NodeSDK), else WARN, so that a missing key or a refused run is visible without any setup.
 */
export function diagLevel(env: Env): { level: DiagLogLevel; fromEnv: boolean } {
  const raw = env.OTEL_LOG_LEVEL?.trim();
  if (!raw) return { level: DiagLogLevel.WARN, fromEnv: false };
  return { level: diagLogLevelFromString(raw) ?? DiagLogLevel.INFO, fromEnv: true };
}

/** The NodeSDK defaults metrics and logs to OTLP exporters; only follow that when the user asked for it. */
export function otlpSignalsRequested(env: Env): { metrics: boolean; logs: boolean } {
  return { metrics: Boolean(env.OTEL_METRICS_EXPORTER?.trim()), logs: Boolean(env.OTEL_LOGS_EXPORTER?.trim()) };
}
