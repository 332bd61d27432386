import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer, type StoredRun } from 'otel-langsmith/testing';
import { REPO_ROOT } from '../helpers/paths.js';

// Real processes started with `node --import <repo>/dist/register.js` / `--require <repo>/dist/register.cjs`
// (`npm test` builds dist/ before vitest), pointed at a strict local server through env vars only.
const root = REPO_ROOT;
const ESM_ENTRY = `${root}dist/register.js`;
const CJS_ENTRY = `${root}dist/register.cjs`;
const FIXTURES = `${root}test/fixtures/register`;
const built = existsSync(ESM_ENTRY) && existsSync(CJS_ENTRY);
if (!built) console.warn('register.test.ts: skipped, dist/register.{js,cjs} is missing; run `npm run build` (npm test does)');

const KEY = 'lsv2_pt_register0123456789abcdef0123_0123456789';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: KEY });
});
afterAll(() => server?.close());
beforeEach(() => server?.reset());

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From spawn (or from the signal, when one was sent) to exit. */
  millis: number;
}

/** A clean environment: nothing of the parent's OTel/LangSmith/Node configuration leaks in. */
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || /^(OTEL_|LANGSMITH_|LANGCHAIN_|NODE_OPTIONS$|VITEST|NODE_V8_COVERAGE$)/.test(name)) continue;
    env[name] = value;
  }
  return {
    ...env,
    LANGSMITH_ENDPOINT: server.url,
    LANGSMITH_API_KEY: KEY,
    LANGSMITH_PROJECT: 'register-tests',
    OTEL_SERVICE_NAME: 'register-fixture-service',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=register-test,team=observability',
    // The batch timer never fires in these short runs: only the flush at exit can deliver.
    OTEL_BSP_SCHEDULE_DELAY: '60000',
    ...extra,
  };
}

function runApp(
  mode: '--import' | '--require',
  fixture: string,
  env: Record<string, string> = {},
  options: { signal?: NodeJS.Signals; beforeSignal?: () => Promise<void> } = {},
): Promise<Finished> {
  const entry = mode === '--import' ? ESM_ENTRY : CJS_ENTRY;
  const child = spawn(process.execPath, [mode, entry, `${FIXTURES}/${fixture}`], { cwd: root, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let started = Date.now();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (options.signal && stdout.includes('READY\n') && !child.killed) {
      void (options.beforeSignal ?? (async () => undefined))().then(() => {
        started = Date.now();
        child.kill(options.signal);
      });
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fixture ${fixture} did not exit within 25 s\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 25_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, millis: Date.now() - started });
    });
  });
}

function byName(runs: StoredRun[]): Record<string, StoredRun> {
  const map: Record<string, StoredRun> = {};
  for (const run of runs) {
    expect(map[run.name], `one run named ${run.name}`).toBeUndefined();
    map[run.name] = run;
  }
  return map;
}

const metadata = (run: StoredRun): Record<string, unknown> => run.extra?.metadata ?? {};

/** What every run of these fixtures carries, and that the exporter's own POSTs never became runs. */
function expectCleanDelivery(runs: StoredRun[]): void {
  for (const run of runs) {
    expect(run.extra?.runtime?.['service.name'], run.name).toBe('register-fixture-service');
    expect(run.extra?.runtime?.['deployment.environment.name'], run.name).toBe('register-test');
    expect(run.extra?.runtime?.['team'], run.name).toBe('observability');
    expect(run.session_name, run.name).toBe('register-tests');
    expect(run.name, 'no span of the exporter itself').not.toMatch(/^POST\b/);
    expect(metadata(run)['server.port'], 'no span of a request to the local server').not.toBe(server.port);
  }
  // One POST per run, every one accepted: each span the exporter received was delivered, once.
  const posts = server.requests().filter((r) => r.method === 'POST');
  expect(posts.map((r) => `${r.path} ${r.status}`)).toEqual(runs.map(() => '/runs 200'));
}

/**
 * The trace of app.* / serve.*: manual spans around auto-instrumented HTTP client calls to the
 * app's own server. A server span's parent is remote (it came in the traceparent header), but it
 * is the client span of this same process, exported through the same exporter: by the default
 * `remoteParents: 'auto'` the server span waits for it and the request is one trace.
 */
function expectFixtureTrace(runs: StoredRun[], rootName: string, calls: Array<{ path: string; client: string }>): void {
  const named = byName(runs);
  const rootRun = named[rootName]!;
  expect(rootRun.parent_run_id).toBeUndefined();
  expect(rootRun.extra?.runtime?.['otel.scope.name']).toBe('register-fixture');
  expect(named['child step']!.parent_run_id).toBe(rootRun.id);
  // One request, one trace: every run leads up to the root.
  const byId = new Map(runs.map((run) => [run.id, run]));
  for (const run of runs) {
    let top = run;
    while (top.parent_run_id !== undefined && byId.has(top.parent_run_id)) top = byId.get(top.parent_run_id)!;
    expect(top.id, run.name).toBe(rootRun.id);
  }
  for (const call of calls) {
    const client = named[`GET 127.0.0.1${call.path}`]!;
    const serverSpan = named[`GET ${call.path}`]!;
    const handler = named[`handle ${call.path}`]!;
    expect(client.parent_run_id, call.path).toBe(rootRun.id);
    expect(client.extra?.runtime?.['otel.scope.name'], call.path).toBe(call.client);
    expect(metadata(client)['otel.span_kind']).toBe('CLIENT');
    expect(serverSpan.parent_run_id, call.path).toBe(client.id);
    expect(metadata(serverSpan)).toMatchObject({
      'otel.span_kind': 'SERVER',
      'otel.parent_span_id': metadata(client)['otel.span_id'],
      'otel.trace_id': metadata(rootRun)['otel.trace_id'],
    });
    expect(metadata(serverSpan), call.path).not.toHaveProperty('otel_langsmith.orphan_reason');
    expect(handler.parent_run_id, call.path).toBe(serverSpan.id);
  }
}

const HTTP_CALL = { path: '/hello', client: '@opentelemetry/instrumentation-http' };
const FETCH_CALL = { path: '/fetched', client: '@opentelemetry/instrumentation-undici' };

describe.runIf(built)('otel-langsmith/register in a real process', () => {
  it.each([
    ['--import', 'app.mjs'],
    ['--require', 'app.cjs'],
    ['--import', 'app.cjs'],
    ['--require', 'app.mjs'],
  ] as const)('node %s register %s: every span arrives at a normal exit, nothing of its own', async (mode, fixture) => {
    const result = await runApp(mode, fixture);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.signal).toBeNull();
    expect(result.stdout).toContain('done');
    expect(result.millis).toBeLessThan(8000);

    const runs = server.runs();
    expect(runs.map((r) => r.name).sort()).toEqual([
      'GET /fetched',
      'GET /hello',
      'GET 127.0.0.1/fetched',
      'GET 127.0.0.1/hello',
      'child step',
      'fixture work',
      'handle /fetched',
      'handle /hello',
    ]);
    expectFixtureTrace(runs, 'fixture work', [HTTP_CALL, FETCH_CALL]);
    expectCleanDelivery(runs);
  });

  it.each([
    ['--import', 'serve.mjs', 'SIGTERM'],
    ['--require', 'serve.cjs', 'SIGINT'],
  ] as const)('node %s register %s: %s flushes, then the signal ends the process', async (mode, fixture, signal) => {
    const result = await runApp(mode, fixture, {}, { signal, beforeSignal: async () => expect(server.runs()).toHaveLength(0) });
    expect(result.stderr).toBe('');
    expect(result.signal).toBe(signal); // killed by it, as without tracing; not a clean exit 0
    expect(result.code).toBeNull();
    expect(result.millis).toBeLessThan(5000);

    const runs = server.runs();
    expect(runs.map((r) => r.name).sort()).toEqual(['GET /hello', 'GET 127.0.0.1/hello', 'before signal', 'child step', 'handle /hello']);
    expectFixtureTrace(runs, 'before signal', [HTTP_CALL]);
    expectCleanDelivery(runs);
  });

  it('with OTEL_LANGSMITH_DELIVERY_THREAD=worker: every span arrives at a normal exit and at SIGTERM', async () => {
    const normal = await runApp('--import', 'app.mjs', { OTEL_LANGSMITH_DELIVERY_THREAD: 'worker' });
    expect(normal.stderr).toBe('');
    expect(normal.code).toBe(0);
    expect(normal.millis).toBeLessThan(8000);
    expect(server.runs()).toHaveLength(8);
    expectFixtureTrace(server.runs(), 'fixture work', [HTTP_CALL, FETCH_CALL]);
    expectCleanDelivery(server.runs());

    server.reset();
    const signalled = await runApp('--import', 'serve.mjs', { OTEL_LANGSMITH_DELIVERY_THREAD: 'worker' }, { signal: 'SIGTERM' });
    expect(signalled.stderr).toBe('');
    expect(signalled.signal).toBe('SIGTERM');
    expect(signalled.millis).toBeLessThan(5000);
    expect(server.runs().map((r) => r.name).sort()).toEqual(['GET /hello', 'GET 127.0.0.1/hello', 'before signal', 'child step', 'handle /hello']);
  });

  it("leaves the exit to an application that handles SIGTERM itself, and still delivers the handler's spans", async () => {
    const result = await runApp('--import', 'serve.mjs', { FIXTURE_OWN_HANDLER: '1' }, { signal: 'SIGTERM' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.signal).toBeNull();
    expect(result.millis).toBeLessThan(5000);
    const names = server.runs().map((r) => r.name);
    expect(names).toContain('before signal');
    expect(names).toContain('handle /hello');
    expect(names).toContain('app shutdown handler');
  });

  it('honours OTEL_BSP_SCHEDULE_DELAY: runs arrive while the process is still running', async () => {
    const result = await runApp('--import', 'serve.mjs', { OTEL_BSP_SCHEDULE_DELAY: '100' }, {
      signal: 'SIGTERM',
      beforeSignal: async () => {
        await server.waitForRuns(5, 5000);
      },
    });
    expect(result.signal).toBe('SIGTERM');
    expect(server.runs()).toHaveLength(5);
  });

  it('an app that calls process.exit() flushes first through the exported registration', async () => {
    const result = await runApp('--import', 'exit-early.mjs');
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('state started instrumented\n');
    expect(result.code).toBe(3);
    const named = byName(server.runs());
    expect(Object.keys(named).sort()).toEqual(['child step', 'fixture work']);
    expect(named['child step']!.parent_run_id).toBe(named['fixture work']!.id);
    expectCleanDelivery(server.runs());
  });

  it.each([
    ['OTEL_SDK_DISABLED', 'true'],
    ['LANGSMITH_TRACING', 'false'],
  ])('does nothing under %s=%s', async (name, value) => {
    const result = await runApp('--import', 'app.mjs', { [name]: value, OTEL_LOG_LEVEL: 'debug' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('done');
    expect(result.stderr).toBe('');
    expect(server.requests()).toHaveLength(0);
  });

  it('OTEL_LOG_LEVEL=info: says where it sends, never the key', async () => {
    const result = await runApp('--require', 'app.cjs', { OTEL_LOG_LEVEL: 'info' });
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).toContain(`otel-langsmith/register: tracing to ${server.url} (project register-tests) with `);
    expect(result.stdout + result.stderr).not.toContain(KEY);
    expect(server.runs()).toHaveLength(8);
  });

  it('without a key: the error is visible by default, and the process still exits promptly', async () => {
    const result = await runApp('--import', 'app.mjs', { LANGSMITH_API_KEY: '' });
    expect(result.code).toBe(0);
    expect(result.millis).toBeLessThan(8000);
    expect(result.stderr).toContain('otel-langsmith: no LangSmith API key. Set LANGSMITH_API_KEY');
    expect(server.runs()).toHaveLength(0);
    expect(server.requests().every((r) => r.status === 401)).toBe(true);
  });

  it('with a bad endpoint: one clear error, tracing off, the app unaffected', async () => {
    const result = await runApp('--require', 'app.cjs', { LANGSMITH_ENDPOINT: 'not a url' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('done');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('otel-langsmith/register: endpoint from env:LANGSMITH_ENDPOINT is not a valid URL');
  });

  it('with the endpoint down, the exit waits a bounded time and the app still ends normally', async () => {
    const down = await startLocalServer();
    const url = down.url;
    await down.close();
    const result = await runApp('--import', 'app.mjs', { LANGSMITH_ENDPOINT: url });
    expect(result.code).toBe(0);
    expect(result.millis).toBeLessThan(14_000); // the 10 s bound, not the exporter's retry budget plus its shutdown
    expect(result.stderr).toMatch(/otel-langsmith/);
  }, 30_000);
});
