export { LangSmithSpanExporter } from './exporter/langsmith-span-exporter.js';
export type { ExporterStats } from './exporter/stats.js';
export type { LangSmithExporterOptions, RetryOptions } from './config/options.js';
export { ConfigError, DEFAULT_ENDPOINT } from './config/resolve-config.js';
export { runIdFromSpanId } from './mapping/run-id.js';
export { mapSpan, type MappedSpan, type MappingOptions } from './mapping/map-span.js';
export type { RunCreate, RunEvent, RunExtra, RunType } from './schema/run.js';
export type { OrphanReason } from './mapping/adjust.js';
