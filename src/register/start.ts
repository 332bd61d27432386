import { DiagConsoleLogger, diag } from '@opentelemetry/api';
import { isMainThread } from 'node:worker_threads';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resolveConfig } from '../config/resolve-config.js';
import { LangSmithSpanExporter } from '../exporter/langsmith-span-exporter.js';
import { installExitHooks, type ProcessLike } from './exit-hooks.js';
import { registerEsmHook } from './esm-hook.js';
import { ALREADY_REGISTERED, reportingDuplicates, tracerProviderRegistered } from './duplicate-registration.js';
import { logsConfiguration } from './log-records.js';
import { createModuleLoader, type ModuleLoader } from './module-loader.js';
import { diagLevel, disabledReason, otlpSignalsRequested, type Env } from './settings.js';

export const SDK_PACKAGE = '@opentelemetry/sdk-node';
export const AUTO_INSTRUMENTATIONS_PACKAGE = '@opentelemetry/auto-instrumentations-node';

/** What `otel-langsmith/register` did. */
export interface Registration {
  /**
   * `started`: a NodeSDK sends spans to LangSmith. `disabled`: OTEL_SDK_DISABLED / LANGSMITH_TRACING
   * said no. `unavailable`: @opentelemetry/sdk-node is not installed. `failed`: bad configuration or
   * the SDK failed to start (logged through diag).
   */
  readonly state: 'started' | 'disabled' | 'unavailable' | 'failed';
  /** Why it is not `started`. */
  readonly reason?: string;
  /** Names of the instrumentations registered (empty without @opentelemetry/auto-instrumentations-node). */
  readonly instrumentations: readonly string[];
  /** Flushes and stops tracing, bounded in time; idempotent. Call it before `process.exit()`. */
  shutdown(): Promise<void>;
}

interface NodeSdkLike {
  start(): void;
  shutdown(): Promise<void>;
}
type NodeSdkConstructor = new (configuration: Record<string, unknown>) => NodeSdkLike;
type GetAutoInstrumentations = () => unknown[];

export interface StartOptions {
  /** Default `process.env`. The NodeSDK itself always reads `process.env` (OTEL_BSP_*, OTEL_SERVICE_NAME, ...). */
  env?: Env;
  /** Default: resolve from this package, the app's entry script and the working directory. */
  load?: ModuleLoader;
  /** Default true: a console diag logger at OTEL_LOG_LEVEL (default WARN). */
  installLogger?: boolean;
  /** Default true: flush on beforeExit, SIGTERM and SIGINT. */
  installExitHooks?: boolean;
  proc?: ProcessLike;
  shutdownTimeoutMillis?: number;
  /** Default: `worker_threads.isMainThread`; elsewhere nothing starts. */
  isMainThread?: boolean;
  /** Default true: register OTel's ESM loader hook when auto-instrumentations are loaded. */
  registerEsmHook?: boolean;
  /** Default: a LangSmithSpanExporter configured from `env`. */
  createExporter?: (env: Env) => SpanExporter;
}

const noShutdown = (): Promise<void> => Promise.resolve();

function notStarted(state: 'disabled' | 'unavailable' | 'failed', reason: string): Registration {
  return { state, reason, instrumentations: [], shutdown: noShutdown };
}

/**
 * The zero-code start: a NodeSDK with a BatchSpanProcessor (OTEL_BSP_*) around a
 * LangSmithSpanExporter, the resource from OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES, and the
 * Node auto-instrumentations when installed. Never throws.
 */
export function startRegistration(options: StartOptions = {}): Registration {
  const env = options.env ?? process.env;
  const disabled = disabledReason(env);
  if (disabled !== undefined) return notStarted('disabled', disabled);
  // Preloads also run in worker threads, Node's module-hooks thread included (`--require` on
  // Node 20): tracing belongs to the main thread only.
  if (!(options.isMainThread ?? isMainThread)) return notStarted('disabled', 'not the main thread');

  const logLevel = diagLevel(env);
  // Once our SDK is registered, the logger also turns the API's stack traces for an application
  // registering its own provider as well into one line.
  const installLogger = (registered = false): void => {
    const logger = registered ? reportingDuplicates(new DiagConsoleLogger()) : new DiagConsoleLogger();
    if (options.installLogger ?? true) diag.setLogger(logger, { logLevel: logLevel.level, suppressOverrideMessage: true });
  };
  installLogger();
  // Registered first (e.g. by --require ./tracing.cjs before us): the SDK's registration would be
  // refused with three stack traces and its spans would never reach LangSmith.
  if (tracerProviderRegistered()) {
    diag.error(ALREADY_REGISTERED);
    return notStarted('failed', 'a tracer provider is already registered');
  }

  try {
    // The NodeSDK installs its own console logger when OTEL_LOG_LEVEL is set; ours steps aside
    // then, or the SDK would warn that it replaces it.
    const yieldLogger = logLevel.fromEnv && (options.installLogger ?? true) ? () => diag.disable() : () => undefined;
    return start(options, env, yieldLogger, installLogger);
  } catch (error) {
    oneLine(diag.error, 'otel-langsmith/register: tracing did not start', error);
    return notStarted('failed', error instanceof Error ? error.message : String(error));
  }
}

function start(options: StartOptions, env: Env, yieldLogger: () => void, restoreLogger: (registered?: boolean) => void): Registration {
  const load = options.load ?? createModuleLoader();
  const sdkModule = load(SDK_PACKAGE);
  if (sdkModule.kind === 'missing') {
    diag.error(
      `otel-langsmith/register: ${SDK_PACKAGE} is not installed, so tracing is off. ` +
        `Install it next to otel-langsmith: npm install ${SDK_PACKAGE} (and ${AUTO_INSTRUMENTATIONS_PACKAGE} to trace http, express, ...)`,
    );
    return notStarted('unavailable', `${SDK_PACKAGE} is not installed`);
  }
  if (sdkModule.kind === 'broken') {
    oneLine(diag.error, `otel-langsmith/register: ${SDK_PACKAGE} failed to load, so tracing is off`, sdkModule.error);
    return notStarted('unavailable', `${SDK_PACKAGE} failed to load: ${errorMessage(sdkModule.error)}`);
  }
  const NodeSDK = (sdkModule.module as { NodeSDK?: unknown }).NodeSDK;
  if (typeof NodeSDK !== 'function') {
    diag.error(`otel-langsmith/register: ${SDK_PACKAGE} has no NodeSDK export; tracing is off`);
    return notStarted('unavailable', `${SDK_PACKAGE} has no NodeSDK export`);
  }

  let exporter: SpanExporter;
  let target: string;
  try {
    const config = resolveConfig({}, env);
    target = `${config.endpoint} (project ${config.projectName})`;
    exporter = options.createExporter ? options.createExporter(env) : new LangSmithSpanExporter({ env });
  } catch (error) {
    diag.error(`otel-langsmith/register: ${errorMessage(error)}; tracing is off until the configuration is fixed`);
    return notStarted('failed', errorMessage(error));
  }

  const instrumentations = loadInstrumentations(load, options.registerEsmHook === false ? undefined : registerEsmHook);
  const names = instrumentations.map(instrumentationName);
  const requested = otlpSignalsRequested(env);
  const configuration: Record<string, unknown> = {
    traceExporter: exporter, // the SDK wraps it in a BatchSpanProcessor configured from OTEL_BSP_*
    instrumentations,
    // Metrics default to OTLP exporters in the NodeSDK; this entry is about traces.
    ...(requested.metrics ? {} : { metricReaders: [] }),
    // Logs: the GenAI records join their spans' runs, unless OTEL_LOGS_EXPORTER asks for the SDK's own.
    ...logsConfiguration(exporter, env),
  };

  let sdk: NodeSdkLike;
  try {
    yieldLogger();
    sdk = new (NodeSDK as NodeSdkConstructor)(configuration);
    sdk.start();
    // With OTEL_LOG_LEVEL the NodeSDK installed its console logger; ours is the same one, plus the
    // one-line report of an application registering its own provider as well.
    restoreLogger(true);
  } catch (error) {
    restoreLogger();
    oneLine(diag.error, 'otel-langsmith/register: the NodeSDK failed to start; tracing is off', error);
    void exporter.shutdown().catch(() => undefined);
    return notStarted('failed', `NodeSDK.start() failed: ${errorMessage(error)}`);
  }

  // BatchSpanProcessor shuts its exporter down only after a successful last flush: after a failed
  // one the exporter would keep its failed runs in memory (the spool unwritten) and its connections.
  const stop = (): Promise<void> =>
    sdk.shutdown().then(
      () => exporter.shutdown(),
      (error: unknown) => exporter.shutdown().then(() => Promise.reject(error)),
    );
  let stopped: Promise<void> | undefined;
  const hooks =
    options.installExitHooks === false
      ? undefined
      : installExitHooks({
          shutdown: stop,
          ...(options.proc ? { proc: options.proc } : {}),
          ...(options.shutdownTimeoutMillis === undefined ? {} : { timeoutMillis: options.shutdownTimeoutMillis }),
        });
  diag.info(
    `otel-langsmith/register: tracing to ${target}` +
      (names.length > 0 ? ` with ${names.length} instrumentations` : ' (manual spans only)'),
  );
  return {
    state: 'started',
    instrumentations: names,
    shutdown: () => (hooks ? hooks.shutdown().then(() => undefined) : (stopped ??= stop())),
  };
}

function loadInstrumentations(load: ModuleLoader, esmHook: ((path: string) => unknown) | undefined): unknown[] {
  const loaded = load(AUTO_INSTRUMENTATIONS_PACKAGE);
  if (loaded.kind === 'missing') {
    diag.info(
      `otel-langsmith/register: ${AUTO_INSTRUMENTATIONS_PACKAGE} is not installed; only manual spans are traced ` +
        `(npm install ${AUTO_INSTRUMENTATIONS_PACKAGE} to trace http, undici, express, ...)`,
    );
    return [];
  }
  if (loaded.kind === 'broken') {
    oneLine(diag.warn, `otel-langsmith/register: ${AUTO_INSTRUMENTATIONS_PACKAGE} failed to load; only manual spans are traced`, loaded.error);
    return [];
  }
  const get = (loaded.module as { getNodeAutoInstrumentations?: unknown }).getNodeAutoInstrumentations;
  if (typeof get !== 'function') {
    diag.warn(`otel-langsmith/register: ${AUTO_INSTRUMENTATIONS_PACKAGE} has no getNodeAutoInstrumentations(); only manual spans are traced`);
    return [];
  }
  try {
    // Honours OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS.
    const instrumentations = (get as GetAutoInstrumentations)();
    if (!Array.isArray(instrumentations)) return [];
    if (instrumentations.length > 0 && esmHook) esmHook(loaded.path);
    return instrumentations;
  } catch (error) {
    oneLine(diag.warn, 'otel-langsmith/register: getNodeAutoInstrumentations() failed; only manual spans are traced', error);
    return [];
  }
}

function instrumentationName(instrumentation: unknown): string {
  const name = (instrumentation as { instrumentationName?: unknown } | null)?.instrumentationName;
  return typeof name === 'string' ? name : 'unknown';
}

/**
 * A failure as one line, the error's message after ours: the user's fix is in the line, and an
 * internal stack trace after it (DiagConsoleLogger prints an Error argument whole) only buried it.
 * The stack stays available at debug level (OTEL_LOG_LEVEL=debug).
 */
function oneLine(log: (message: string) => void, message: string, error: unknown): void {
  log(`${message}: ${errorMessage(error)}`);
  diag.debug(message, error);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
