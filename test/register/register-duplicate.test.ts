import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { REPO_ROOT } from '../helpers/paths.js';

// `--import otel-langsmith/register` next to an application's own tracer provider: one line that
// says what happened and "use one or the other", never the API's three stack traces.
// Real processes on the built package (`npm test` builds dist/ before vitest).
const root = REPO_ROOT;
const ESM_ENTRY = `${root}dist/register.js`;
const FIXTURES = `${root}test/fixtures/register`;
const built = existsSync(ESM_ENTRY);
if (!built) console.warn('register-duplicate.test.ts: skipped, dist/register.js is missing; run `npm run build` (npm test does)');

const KEY = 'lsv2_pt_duplicate0123456789abcdef012_0123456789';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: KEY });
});
afterAll(() => server?.close());
beforeEach(() => server?.reset());

function run(args: string[], extra: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(OTEL_|LANGSMITH_|LANGCHAIN_|NODE_OPTIONS$|VITEST|NODE_V8_COVERAGE$)/.test(name)) env[name] = value;
  }
  Object.assign(env, { LANGSMITH_ENDPOINT: server.url, LANGSMITH_API_KEY: KEY, LANGSMITH_PROJECT: 'duplicate-tests', ...extra });
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`did not exit within 25 s\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 25_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

function expectNoStackTrace(stderr: string): void {
  expect(stderr).not.toMatch(/Attempted duplicate registration/);
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe.runIf(built)('otel-langsmith/register next to the application\'s own provider', () => {
  it.each([[{}], [{ OTEL_LOG_LEVEL: 'info' }]])('the app registers its own after register (env %j): one line, tracing keeps working', async (extra) => {
    const { code, stdout, stderr } = await run(['--import', ESM_ENTRY, `${FIXTURES}/own-provider.mjs`], extra);
    expect(code).toBe(0);
    expect(stdout).toContain('DONE');
    expectNoStackTrace(stderr);
    const lines = stderr.split('\n').filter((line) => line.includes('registered its own tracer provider'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^otel-langsmith\/register: your app registered its own tracer provider too, .*use one or the other/);
    // register's provider was first and stays: the span reached the server.
    expect(server.runs().map((r) => r.name)).toEqual(['span after own provider']);
  }, 30_000);

  it("a provider registered before register (--require): one line, and register starts nothing", async () => {
    const { code, stdout, stderr } = await run(['--require', `${FIXTURES}/own-provider-preload.cjs`, '--import', ESM_ENTRY, `${FIXTURES}/one-span.mjs`]);
    expect(code).toBe(0);
    expect(stdout).toContain('DONE');
    expectNoStackTrace(stderr);
    expect(stderr.trim()).toBe(
      "otel-langsmith/register: a tracer provider is already registered (your app's own): use one or the other; " +
        'otel-langsmith/register starts nothing. Add LangSmithSpanExporter to your provider, or remove its setup and keep otel-langsmith/register.',
    );
    expect(server.requests()).toEqual([]);
  }, 30_000);
});
