import type { SpanFilter, SpanPredicate } from '../filtering/span-filter.js';
import { envFlag, type PrivacyPolicy } from '../shaping/privacy.js';
import type { LangSmithExporterOptions } from './options.js';
import { tracingSwitchedOff } from './tracing-switch.js';

/** LangSmith's cloud API, used when neither an option nor an env var names an endpoint. */
export const DEFAULT_ENDPOINT = 'https://api.smith.langchain.com';

/** Where a configuration value came from, so errors and the doctor can name it. */
export type ConfigSource = 'option' | 'default' | `env:${string}`;

export interface ResolvedRetryPolicy {
  maxAttempts: number;
  initialBackoffMillis: number;
  maxBackoffMillis: number;
  maxElapsedMillis: number;
}

export interface ResolvedConfig {
  /** Why nothing is sent (`tracingEnabled: false`, `LANGSMITH_TRACING=false`), or undefined: on. */
  tracingOff: string | undefined;
  apiKey: string | undefined;
  endpoint: string;
  projectName: string;
  workspaceId: string | undefined;
  headers: Record<string, string>;
  tls: LangSmithExporterOptions['tls'];
  orphanTimeoutMillis: number;
  maxHeldRuns: number;
  maxHeldBytes: number;
  remoteParents: 'auto' | 'root' | 'wait';
  remoteParentTimeoutMillis: number;
  exportTimeoutMillis: number;
  requestTimeoutMillis: number;
  maxConcurrentRequests: number;
  maxQueuedRuns: number;
  maxRequestsPerMinute: number | undefined;
  transport: 'runs' | 'batch' | 'auto';
  rateLimitWindowSeconds: number;
  deliveryThread: 'auto' | 'main' | 'worker';
  retry: ResolvedRetryPolicy;
  shutdownTimeoutMillis: number;
  privacy: PrivacyPolicy;
  maxRunBytes: number;
  spanFilter: SpanFilter | SpanPredicate | undefined;
  failedRunsDir: string | undefined;
  debug: boolean;
  maxFailedRunsBytes: number;
  transformRun: LangSmithExporterOptions['transformRun'];
  sources: { apiKey: ConfigSource; endpoint: ConfigSource; projectName: ConfigSource; workspaceId: ConfigSource };
}

/** A bad option, reported when the exporter is constructed. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/** First non-empty value among the option and the env vars, with its source. */
function pick(option: string | undefined, env: Env, names: string[]): [string | undefined, ConfigSource] {
  if (option !== undefined) {
    if (typeof option !== 'string') throw new ConfigError(`expected a string, got ${typeof option}`);
    const trimmed = option.trim();
    if (trimmed !== '') return [trimmed, 'option'];
  }
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return [value, `env:${name}`];
  }
  return [undefined, 'default'];
}

/** Strips what users commonly paste by mistake (trailing slashes, a trailing `/runs`) and checks the URL. */
export function normalizeEndpoint(raw: string, source: ConfigSource): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`endpoint from ${source} is not a valid URL (value not shown: it may hold a secret)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`endpoint from ${source} must be http(s), got ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new ConfigError(`endpoint from ${source} must not carry credentials; use apiKey / LANGSMITH_API_KEY`);
  }
  if (url.search || url.hash) {
    throw new ConfigError(`endpoint from ${source} must not have a query string or fragment`);
  }
  let path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith('/runs')) path = path.slice(0, -'/runs'.length);
  return `${url.origin}${path}`;
}

function positiveInt(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

function oneOf<T extends string>(name: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) throw new ConfigError(`${name} must be one of ${allowed.map((v) => `'${v}'`).join(', ')}, got ${String(value)}`);
  return value;
}

function checkTls(tls: LangSmithExporterOptions['tls']): LangSmithExporterOptions['tls'] {
  if (tls === undefined) return undefined;
  if (tls === null || typeof tls !== 'object') throw new ConfigError('tls must be an object { ca, cert, key }');
  const unknown = Object.keys(tls).filter((key) => !['ca', 'cert', 'key'].includes(key));
  if (unknown.length) throw new ConfigError(`tls accepts ca, cert and key only (certificate checks cannot be turned off); got ${unknown.join(', ')}`);
  return tls;
}

function checkFunction<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw new ConfigError(`${name} must be a function`);
  return value;
}

function checkFilter(value: SpanFilter | SpanPredicate | undefined): SpanFilter | SpanPredicate | undefined {
  if (value === undefined || typeof value === 'function') return value;
  if (value && typeof value === 'object' && typeof value.keep === 'function') return value;
  throw new ConfigError('spanFilter must be a function (run, span) => boolean or { keep, keepAncestors }');
}

function hideOption<T>(name: string, value: T | undefined): T | undefined {
  if (value === undefined || typeof value === 'boolean' || typeof value === 'function') return value;
  throw new ConfigError(`${name} must be a boolean or a function`);
}

const RESERVED_HEADERS = new Set(['x-api-key', 'x-tenant-id', 'content-type', 'content-length', 'host']);

function checkHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    const lower = key.toLowerCase();
    if (RESERVED_HEADERS.has(lower)) throw new ConfigError(`headers must not set ${lower}; it is managed by the exporter`);
    if (typeof value !== 'string') throw new ConfigError(`header ${key} must be a string`);
    out[lower] = value;
  }
  return out;
}

/** Options first, then LangSmith's env vars (`LANGSMITH_*` before `LANGCHAIN_*`), then defaults. */
export function resolveConfig(options: LangSmithExporterOptions = {}, env: Env = process.env): ResolvedConfig {
  if (options === null || typeof options !== 'object') throw new ConfigError('options must be an object');
  const [apiKey, apiKeySource] = pick(options.apiKey, env, ['LANGSMITH_API_KEY', 'LANGCHAIN_API_KEY']);
  const [rawEndpoint, endpointSource] = pick(options.endpoint, env, ['LANGSMITH_ENDPOINT', 'LANGCHAIN_ENDPOINT']);
  const [projectName, projectSource] = pick(options.projectName, env, ['LANGSMITH_PROJECT', 'LANGCHAIN_PROJECT']);
  const [workspaceId, workspaceSource] = pick(options.workspaceId, env, ['LANGSMITH_WORKSPACE_ID']);
  const remoteParents = oneOf('remoteParents', options.remoteParents, ['auto', 'root', 'wait'] as const, 'auto');
  const exportTimeoutMillis = positiveInt('exportTimeoutMillis', options.exportTimeoutMillis, 25_000);
  const retry = options.retry ?? {};
  if (options.tracingEnabled !== undefined && typeof options.tracingEnabled !== 'boolean') throw new ConfigError('tracingEnabled must be a boolean');
  return {
    tracingOff: options.tracingEnabled === undefined ? tracingSwitchedOff(env) : options.tracingEnabled ? undefined : 'tracingEnabled: false',
    apiKey,
    endpoint: normalizeEndpoint(rawEndpoint ?? DEFAULT_ENDPOINT, endpointSource),
    projectName: projectName ?? 'default',
    workspaceId,
    headers: checkHeaders(options.headers),
    tls: checkTls(options.tls),
    orphanTimeoutMillis: positiveInt('orphanTimeoutMillis', options.orphanTimeoutMillis, 30_000),
    maxHeldRuns: positiveInt('maxHeldRuns', options.maxHeldRuns, 10_000),
    maxHeldBytes: positiveInt('maxHeldBytes', options.maxHeldBytes, 64 * 1024 * 1024),
    remoteParents,
    remoteParentTimeoutMillis: positiveInt('remoteParentTimeoutMillis', options.remoteParentTimeoutMillis, 10_000),
    exportTimeoutMillis,
    requestTimeoutMillis: positiveInt('requestTimeoutMillis', options.requestTimeoutMillis, 10_000),
    maxConcurrentRequests: positiveInt('maxConcurrentRequests', options.maxConcurrentRequests, 10),
    maxQueuedRuns: positiveInt('maxQueuedRuns', options.maxQueuedRuns, 100_000),
    transport: oneOf('transport', options.transport, ['runs', 'batch', 'auto'] as const, 'runs'),
    rateLimitWindowSeconds: positiveInt('rateLimitWindowSeconds', options.rateLimitWindowSeconds ?? 60, 2),
    deliveryThread: oneOf(
      'deliveryThread (or OTEL_LANGSMITH_DELIVERY_THREAD)',
      options.deliveryThread ?? ((env.OTEL_LANGSMITH_DELIVERY_THREAD?.trim().toLowerCase() || undefined) as 'auto' | 'main' | 'worker' | undefined),
      ['auto', 'main', 'worker'] as const,
      'auto',
    ),
    maxRequestsPerMinute: options.maxRequestsPerMinute === undefined ? undefined : positiveInt('maxRequestsPerMinute', options.maxRequestsPerMinute, 0),
    retry: {
      maxAttempts: positiveInt('retry.maxAttempts', retry.maxAttempts, 6),
      initialBackoffMillis: positiveInt('retry.initialBackoffMillis', retry.initialBackoffMillis, 500),
      maxBackoffMillis: positiveInt('retry.maxBackoffMillis', retry.maxBackoffMillis, 10_000),
      maxElapsedMillis: positiveInt('retry.maxElapsedMillis', retry.maxElapsedMillis, 10_000),
    },
    shutdownTimeoutMillis: positiveInt('shutdownTimeoutMillis', options.shutdownTimeoutMillis, 10_000),
    privacy: {
      hideInputs: hideOption('hideInputs', options.hideInputs) ?? envFlag(env.LANGSMITH_HIDE_INPUTS ?? env.LANGCHAIN_HIDE_INPUTS),
      hideOutputs: hideOption('hideOutputs', options.hideOutputs) ?? envFlag(env.LANGSMITH_HIDE_OUTPUTS ?? env.LANGCHAIN_HIDE_OUTPUTS),
      hideMetadata: hideOption('hideMetadata', options.hideMetadata) ?? envFlag(env.LANGSMITH_HIDE_METADATA ?? env.LANGCHAIN_HIDE_METADATA),
    },
    maxRunBytes: positiveInt('maxRunBytes', options.maxRunBytes, 10 * 1024 * 1024, 4096),
    spanFilter: checkFilter(options.spanFilter),
    failedRunsDir: pick(options.failedRunsDir, env, ['LANGSMITH_FAILED_TRACES_DIR', 'LANGCHAIN_FAILED_TRACES_DIR'])[0],
    debug: options.debug ?? envFlag(env.OTEL_LANGSMITH_DEBUG),
    maxFailedRunsBytes: positiveInt('maxFailedRunsBytes', options.maxFailedRunsBytes, 100 * 1024 * 1024),
    transformRun: checkFunction('transformRun', options.transformRun),
    sources: { apiKey: apiKeySource, endpoint: endpointSource, projectName: projectSource, workspaceId: workspaceSource },
  };
}
