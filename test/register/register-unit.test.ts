import { DiagLogLevel } from '@opentelemetry/api';
import { EventEmitter } from 'node:events';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LangSmithSpanExporter } from 'otel-langsmith';
import { installExitHooks, type ExitSignal, type ProcessLike } from '../../src/register/exit-hooks.js';
import { createModuleLoader, type LoadResult, type ModuleLoader } from '../../src/register/module-loader.js';
import { diagLevel, disabledReason, otlpSignalsRequested } from '../../src/register/settings.js';
import { startRegistration, type StartOptions } from '../../src/register/start.js';
import { captureDiag } from '../helpers/exporter.js';

class FakeProcess extends EventEmitter implements ProcessLike {
  readonly pid = 4242;
  readonly kill = vi.fn<(pid: number, signal: ExitSignal) => void>();
  readonly exit = vi.fn<() => void>();
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('settings from env', () => {
  it.each([
    [{}, undefined],
    [{ OTEL_SDK_DISABLED: 'true' }, 'OTEL_SDK_DISABLED=true'],
    [{ OTEL_SDK_DISABLED: ' TRUE ' }, 'OTEL_SDK_DISABLED=true'],
    [{ OTEL_SDK_DISABLED: 'false' }, undefined],
    [{ LANGSMITH_TRACING: 'false' }, 'LANGSMITH_TRACING=false'],
    [{ LANGSMITH_TRACING: 'FALSE' }, 'LANGSMITH_TRACING=FALSE'],
    [{ LANGSMITH_TRACING: 'true', LANGCHAIN_TRACING_V2: 'false' }, undefined],
    [{ LANGCHAIN_TRACING_V2: 'false' }, 'LANGCHAIN_TRACING_V2=false'],
    [{ LANGSMITH_TRACING: '' }, undefined],
  ])('disabledReason(%j) = %s', (env, reason) => {
    expect(disabledReason(env)).toBe(reason);
  });

  it('diag level: OTEL_LOG_LEVEL, else WARN so that errors are seen', () => {
    expect(diagLevel({})).toEqual({ level: DiagLogLevel.WARN, fromEnv: false });
    expect(diagLevel({ OTEL_LOG_LEVEL: 'debug' })).toEqual({ level: DiagLogLevel.DEBUG, fromEnv: true });
    expect(diagLevel({ OTEL_LOG_LEVEL: 'none' })).toEqual({ level: DiagLogLevel.NONE, fromEnv: true });
  });

  it('metrics and logs stay off unless their exporters are asked for', () => {
    expect(otlpSignalsRequested({})).toEqual({ metrics: false, logs: false });
    expect(otlpSignalsRequested({ OTEL_METRICS_EXPORTER: 'otlp', OTEL_LOGS_EXPORTER: 'console' })).toEqual({ metrics: true, logs: true });
  });
});

describe('startRegistration', () => {
  let diagLines: ReturnType<typeof captureDiag>;
  beforeEach(() => {
    diagLines = captureDiag();
    diagLines.lines.length = 0; // the API's own "Registered a global for diag" line
  });
  afterEach(() => diagLines.restore());

  const env = { LANGSMITH_API_KEY: 'lsv2_pt_unit', LANGSMITH_ENDPOINT: 'http://127.0.0.1:9', LANGSMITH_PROJECT: 'unit' };

  /** A NodeSDK stand-in recording its configuration. */
  function fakeSdk(options: { startThrows?: boolean; shutdownRejects?: boolean } = {}) {
    const created: Array<Record<string, unknown>> = [];
    const calls = { start: 0, shutdown: 0 };
    class NodeSDK {
      constructor(configuration: Record<string, unknown>) {
        created.push(configuration);
      }
      start(): void {
        calls.start++;
        if (options.startThrows) throw new Error('boom');
      }
      async shutdown(): Promise<void> {
        calls.shutdown++;
        // As BatchSpanProcessor does after a failed last export: rejects, its exporter not shut down.
        if (options.shutdownRejects) throw new Error('LangSmith export failed: 1 runs failed');
      }
    }
    return { created, calls, module: { NodeSDK } };
  }

  function loaderWith(modules: Record<string, LoadResult>): ModuleLoader & { asked: string[] } {
    const asked: string[] = [];
    const load = ((name: string) => {
      asked.push(name);
      return modules[name] ?? { kind: 'missing' };
    }) as ModuleLoader & { asked: string[] };
    load.asked = asked;
    return load;
  }

  /** Every error and warning is one line with no stack trace after it (stacks go to debug). */
  function expectOneLineErrors(): void {
    const loud = diagLines.lines.filter((l) => l.level === 'error' || l.level === 'warn');
    expect(loud.length).toBeGreaterThan(0);
    for (const line of loud) expect(line.text, line.text).not.toMatch(/\n\s+at /);
  }

  const base: StartOptions = { installLogger: false, installExitHooks: false, registerEsmHook: false, isMainThread: true };

  it('without @opentelemetry/sdk-node: one clear error saying what to install, and nothing else', () => {
    const load = loaderWith({});
    const proc = new FakeProcess();
    const registration = startRegistration({ ...base, installExitHooks: true, proc, env, load });
    expect(registration).toMatchObject({ state: 'unavailable', reason: '@opentelemetry/sdk-node is not installed', instrumentations: [] });
    expect(load.asked).toEqual(['@opentelemetry/sdk-node']);
    const errors = diagLines.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.text).toContain('npm install @opentelemetry/sdk-node');
    expect(diagLines.lines).toHaveLength(1);
    expect(proc.eventNames()).toEqual([]);
  });

  it('a module that fails to load is reported as such', () => {
    const load = loaderWith({ '@opentelemetry/sdk-node': { kind: 'broken', error: new Error('Cannot find module @opentelemetry/sdk-logs') } });
    const registration = startRegistration({ ...base, env, load });
    expect(registration.state).toBe('unavailable');
    expect(diagLines.text()).toMatch(/error: otel-langsmith\/register: @opentelemetry\/sdk-node failed to load.*sdk-logs/);
    expectOneLineErrors();
  });

  it.each([{ OTEL_SDK_DISABLED: 'true' }, { LANGSMITH_TRACING: 'false' }])('%j: nothing is loaded, logged or hooked', (flags) => {
    const load = loaderWith({});
    const proc = new FakeProcess();
    const registration = startRegistration({ ...base, installExitHooks: true, proc, env: { ...env, ...flags }, load });
    expect(registration.state).toBe('disabled');
    expect(load.asked).toEqual([]);
    expect(diagLines.lines).toEqual([]);
    expect(proc.eventNames()).toEqual([]);
  });

  it('outside the main thread (a worker, or the module-hooks thread of --require) nothing starts', () => {
    const load = loaderWith({});
    expect(startRegistration({ ...base, env, load, isMainThread: false })).toMatchObject({ state: 'disabled', reason: 'not the main thread' });
    expect(load.asked).toEqual([]);
  });

  it("hands the NodeSDK a LangSmith exporter to batch (OTEL_BSP_*), the instrumentations, the exporter's log record processor, and no OTLP metrics or logs", async () => {
    const sdk = fakeSdk();
    const instrumentation = { instrumentationName: '@opentelemetry/instrumentation-http' };
    const load = loaderWith({
      '@opentelemetry/sdk-node': { kind: 'loaded', module: sdk.module, path: '/x/sdk-node/index.js' },
      '@opentelemetry/auto-instrumentations-node': {
        kind: 'loaded',
        module: { getNodeAutoInstrumentations: () => [instrumentation] },
        path: '/x/auto/index.js',
      },
    });
    const registration = startRegistration({ ...base, env, load });
    expect(registration).toMatchObject({ state: 'started', instrumentations: ['@opentelemetry/instrumentation-http'] });
    expect(sdk.created).toHaveLength(1);
    const configuration = sdk.created[0]!;
    expect(Object.keys(configuration).sort()).toEqual(['instrumentations', 'logRecordProcessors', 'metricReaders', 'traceExporter']);
    expect(configuration['traceExporter']).toBeInstanceOf(LangSmithSpanExporter);
    expect(configuration['instrumentations']).toEqual([instrumentation]);
    expect(configuration['metricReaders']).toEqual([]);
    // GenAI log records (message content) join their spans' runs; no OTLP logs exporter.
    expect(configuration['logRecordProcessors']).toEqual([(configuration['traceExporter'] as LangSmithSpanExporter).logRecordProcessor()]);
    expect(sdk.calls.start).toBe(1);
    expect(diagLines.text()).toContain('info: otel-langsmith/register: tracing to http://127.0.0.1:9 (project unit) with 1 instrumentations');
    expect(diagLines.text()).not.toContain('lsv2_pt_unit');

    await registration.shutdown();
    await registration.shutdown();
    expect(sdk.calls.shutdown).toBe(1);
    await (configuration['traceExporter'] as LangSmithSpanExporter).shutdown();
  });

  it('leaves metrics and logs to the NodeSDK when OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER are set', async () => {
    const sdk = fakeSdk();
    const load = loaderWith({ '@opentelemetry/sdk-node': { kind: 'loaded', module: sdk.module, path: '/x' } });
    startRegistration({ ...base, env: { ...env, OTEL_METRICS_EXPORTER: 'otlp', OTEL_LOGS_EXPORTER: 'otlp' }, load });
    expect(Object.keys(sdk.created[0]!).sort()).toEqual(['instrumentations', 'traceExporter']);
    await (sdk.created[0]!['traceExporter'] as LangSmithSpanExporter).shutdown();
  });

  it('OTEL_LOGS_EXPORTER=none turns off exported logs, not the join; another exporter offers no log processor', async () => {
    const sdk = fakeSdk();
    const load = loaderWith({ '@opentelemetry/sdk-node': { kind: 'loaded', module: sdk.module, path: '/x' } });
    startRegistration({ ...base, env: { ...env, OTEL_LOGS_EXPORTER: 'none' }, load });
    const exporter = sdk.created[0]!['traceExporter'] as LangSmithSpanExporter;
    expect(sdk.created[0]!['logRecordProcessors']).toEqual([exporter.logRecordProcessor()]);
    await exporter.shutdown();

    const other = { export: () => undefined, shutdown: () => Promise.resolve() };
    startRegistration({ ...base, env, load, createExporter: () => other });
    expect(sdk.created[1]!['logRecordProcessors']).toEqual([]);
  });

  it('without auto-instrumentations: manual spans only, with an info line on how to add them', async () => {
    const sdk = fakeSdk();
    const load = loaderWith({ '@opentelemetry/sdk-node': { kind: 'loaded', module: sdk.module, path: '/x' } });
    const registration = startRegistration({ ...base, env, load });
    expect(registration).toMatchObject({ state: 'started', instrumentations: [] });
    expect(sdk.created[0]!['instrumentations']).toEqual([]);
    expect(diagLines.text()).toContain('info: otel-langsmith/register: @opentelemetry/auto-instrumentations-node is not installed; only manual spans are traced');
    expect(diagLines.text()).toContain('(manual spans only)');
    await (sdk.created[0]!['traceExporter'] as LangSmithSpanExporter).shutdown();
  });

  it('a bad configuration: one error naming it, the SDK never built', () => {
    const sdk = fakeSdk();
    const load = loaderWith({ '@opentelemetry/sdk-node': { kind: 'loaded', module: sdk.module, path: '/x' } });
    const registration = startRegistration({ ...base, env: { ...env, LANGSMITH_ENDPOINT: 'ftp://example.test' }, load });
    expect(registration.state).toBe('failed');
    expect(sdk.created).toHaveLength(0);
    expect(diagLines.lines.map((l) => l.level)).toEqual(['error']);
    expect(diagLines.text()).toContain('endpoint from env:LANGSMITH_ENDPOINT must be http(s)');
  });

  it('shutdown shuts the exporter down even when the SDK rejects (its processor skips that after a failed flush)', async () => {
    const sdk = fakeSdk({ shutdownRejects: true });
    const exporter = new LangSmithSpanExporter({ env, apiKey: 'k' });
    const load = loaderWith({ '@opentelemetry/sdk-node': { kind: 'loaded', module: sdk.module, path: '/x' } });
    const registration = startRegistration({ ...base, env, load, createExporter: () => exporter });
    expect(registration.state).toBe('started');
    await expect(registration.shutdown()).rejects.toThrow(/export failed/);
    const result = await new Promise((resolve) => exporter.export([], resolve));
    expect(result).toMatchObject({ code: 1 }); // shut down: export fails at once
  });

  it('a NodeSDK that fails to start: reported, the exporter shut down, no hooks', async () => {
    const sdk = fakeSdk({ startThrows: true });
    const exporter = new LangSmithSpanExporter({ env, apiKey: 'k' });
    const proc = new FakeProcess();
    const load = loaderWith({ '@opentelemetry/sdk-node': { kind: 'loaded', module: sdk.module, path: '/x' } });
    const registration = startRegistration({ ...base, installExitHooks: true, proc, env, load, createExporter: () => exporter });
    expect(registration).toMatchObject({ state: 'failed', reason: 'NodeSDK.start() failed: boom' });
    expect(diagLines.text()).toContain('error: otel-langsmith/register: the NodeSDK failed to start; tracing is off: boom');
    expectOneLineErrors();
    expect(proc.eventNames()).toEqual([]);
    await tick();
    const result = await new Promise((resolve) => exporter.export([], resolve));
    expect(result).toMatchObject({ code: 1 }); // shut down: export fails at once
  });
});

describe('exit hooks', () => {
  let diagLines: ReturnType<typeof captureDiag>;
  beforeEach(() => {
    diagLines = captureDiag();
  });
  afterEach(() => diagLines.restore());

  it('flush once at a normal exit (beforeExit), however often it fires', async () => {
    const proc = new FakeProcess();
    const shutdown = vi.fn(async () => undefined);
    installExitHooks({ shutdown, proc });
    proc.emit('beforeExit');
    proc.emit('beforeExit');
    await tick();
    expect(shutdown).toHaveBeenCalledTimes(1);
    expect(proc.exit).not.toHaveBeenCalled();
    expect(proc.kill).not.toHaveBeenCalled();
  });

  it('a flush at exit that outlives the deadline ends the process with its own exit code', async () => {
    const proc = new FakeProcess();
    installExitHooks({ shutdown: () => new Promise(() => undefined), proc, timeoutMillis: 20 });
    proc.emit('beforeExit');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(proc.exit).toHaveBeenCalledWith();
    expect(diagLines.text()).toContain('warn: otel-langsmith: tracing shutdown did not finish within 20 ms');
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s: flush, then raise the signal again with its default action', async (signal) => {
    const proc = new FakeProcess();
    const order: string[] = [];
    installExitHooks({
      shutdown: async () => {
        order.push('shutdown');
      },
      proc,
    });
    proc.kill.mockImplementation(() => order.push(`kill ${proc.listenerCount(signal)}`));
    proc.emit(signal, signal);
    await tick();
    expect(order).toEqual(['shutdown', 'kill 0']); // our listener is gone: the default action ends the process
    expect(proc.kill).toHaveBeenCalledWith(4242, signal);
  });

  it('an application that handles the signal itself decides when to exit', async () => {
    const proc = new FakeProcess();
    const shutdown = vi.fn(async () => undefined);
    installExitHooks({ shutdown, proc });
    const appHandler = vi.fn();
    proc.on('SIGTERM', appHandler);
    proc.emit('SIGTERM', 'SIGTERM');
    await tick();
    expect(shutdown).toHaveBeenCalledTimes(1);
    expect(appHandler).toHaveBeenCalledTimes(1);
    expect(proc.kill).not.toHaveBeenCalled();
    expect(proc.listenerCount('SIGTERM')).toBe(1); // only the application's
  });

  it('a hanging flush is cut at the deadline; a second signal does not wait at all', async () => {
    const proc = new FakeProcess();
    installExitHooks({ shutdown: () => new Promise(() => undefined), proc, timeoutMillis: 30 });
    proc.emit('SIGTERM', 'SIGTERM');
    await tick();
    expect(proc.kill).not.toHaveBeenCalled();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(proc.kill).toHaveBeenCalledWith(4242, 'SIGTERM');

    const impatient = new FakeProcess();
    installExitHooks({ shutdown: () => new Promise(() => undefined), proc: impatient, timeoutMillis: 10_000 });
    impatient.emit('SIGINT', 'SIGINT');
    impatient.emit('SIGINT', 'SIGINT');
    expect(impatient.kill).toHaveBeenCalledWith(4242, 'SIGINT');
  });

  it('a failing flush is logged and the signal still ends the process', async () => {
    const proc = new FakeProcess();
    installExitHooks({ shutdown: async () => Promise.reject(new Error('exporter broke')), proc });
    proc.emit('SIGTERM', 'SIGTERM');
    await tick();
    await tick();
    expect(proc.kill).toHaveBeenCalledWith(4242, 'SIGTERM');
    expect(diagLines.text()).toMatch(/error: otel-langsmith: tracing shutdown failed exporter broke/);
  });
});

describe('createModuleLoader', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'register-loader-'));
    mkdirSync(join(dir, 'node_modules', 'broken-pkg'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'broken-pkg', 'package.json'), '{"name":"broken-pkg","main":"index.js"}');
    writeFileSync(join(dir, 'node_modules', 'broken-pkg', 'index.js'), "throw new Error('broken on load');");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds packages from any anchor, tells missing from broken', () => {
    const load = createModuleLoader([join(dir, 'app.js'), join(process.cwd(), 'noop.js')]);
    const api = load('@opentelemetry/api');
    expect(api.kind).toBe('loaded');
    expect(api.kind === 'loaded' && typeof (api.module as { trace?: unknown }).trace).toBe('object');
    expect(load('definitely-not-installed-package-xyz')).toEqual({ kind: 'missing' });
    const broken = load('broken-pkg');
    expect(broken.kind).toBe('broken');
    expect(broken.kind === 'broken' && String(broken.error)).toContain('broken on load');
  });
});
