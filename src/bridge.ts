/**
 * `otel-langsmith/bridge`: an OTLP trace (and GenAI logs) receiver (OTLP/HTTP and OTLP/gRPC) that delivers every
 * span to LangSmith as a run, for services in any language (or an OpenTelemetry Collector) that
 * export OTLP.
 */
export { startBridge, type Bridge } from './bridge/start-bridge.js';
export type { BridgeOptions } from './bridge/bridge-options.js';
export type { BridgeCounters, BridgeStats } from './bridge/bridge-stats.js';
export type { LogJoinStats } from './bridge/log-join.js';
export type { DurabilityReport, RecoverySummary } from './bridge/journal/durability.js';
export type { JournalStats } from './bridge/journal/journal.js';
export type { ExporterStats } from './pipeline/stats.js';
export type { LangSmithExporterOptions, RetryOptions } from './config/options.js';
export { ConfigError } from './config/resolve-config.js';
