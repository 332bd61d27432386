/**
 * `otel-langsmith/bridge`: an OTLP trace (and GenAI logs) receiver (OTLP/HTTP and OTLP/gRPC) that delivers every
 * span to LangSmith as a run, for services in any language (or an OpenTelemetry Collector) that
 * export OTLP.
 */
import type { BridgeOptions } from './bridge/bridge-options.js';
import type { Bridge } from './bridge/start-bridge.js';
import { loadBridgeModule } from './bridge-dependencies.js';

export type { Bridge, BridgeOptions };
export { BridgeDependencyError } from './bridge-dependencies.js';

/**
 * Starts the OTLP bridge: OTLP/HTTP and OTLP/gRPC receivers in front of a LangSmith exporter.
 * Needs `@grpc/grpc-js` and `protobufjs` installed (optional peer dependencies): without them it
 * rejects with a `BridgeDependencyError` that says what to install.
 */
export async function startBridge(options: BridgeOptions = {}): Promise<Bridge> {
  const { startBridge: start } = await loadBridgeModule(() => import('./bridge/start-bridge.js'));
  return start(options);
}
export type { BridgeCounters, BridgeStats } from './bridge/bridge-stats.js';
export type { LogJoinStats } from './bridge/log-join.js';
export type { DurabilityReport, RecoverySummary } from './bridge/journal/durability.js';
export type { JournalStats } from './bridge/journal/journal.js';
export type { ExporterStats } from './pipeline/stats.js';
export type { LangSmithExporterOptions, RetryOptions } from './config/options.js';
export { ConfigError } from './config/resolve-config.js';
