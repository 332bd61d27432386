import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { doctorCommand } from '../../src/cli/doctor.js';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { TEST_RUN_NAME, type CheckResult } from '../../src/doctor/types.js';

// Shaped like a real LangSmith personal access token; the local server accepts only this one.
const GOOD_KEY = 'lsv2_pt_0123456789abcdef0123456789abcdef_0123456789';
const WRONG_KEY = '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';
const KEY_FRAGMENTS = [GOOD_KEY, WRONG_KEY, GOOD_KEY.slice(8, 40), WRONG_KEY.slice(8, 40)];

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: GOOD_KEY });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

function envFor(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { LANGSMITH_ENDPOINT: server.url, LANGSMITH_API_KEY: GOOD_KEY, LANGSMITH_PROJECT: 'doctor-tests', ...overrides };
}

function byId(results: CheckResult[]): Record<string, CheckResult> {
  return Object.fromEntries(results.map((result) => [result.id, result]));
}

/** Runs the command as the CLI would, capturing what it prints. */
async function doctor(argv: string[], env: Record<string, string | undefined>) {
  let stdout = '';
  let stderr = '';
  const code = await doctorCommand(argv, { env, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  for (const fragment of KEY_FRAGMENTS) {
    expect(stdout).not.toContain(fragment);
    expect(stderr).not.toContain(fragment);
  }
  return { code, stdout, stderr };
}

function expectNoKey(value: unknown): void {
  const text = JSON.stringify(value);
  for (const fragment of KEY_FRAGMENTS) expect(text).not.toContain(fragment);
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('a good configuration', () => {
  it('passes, proving the key with a read (GET /sessions) and writing nothing', async () => {
    const results = await runDoctor({ env: envFor() });
    const checks = byId(results);
    expect(results.map((r) => r.id)).toEqual(['endpoint', 'project', 'workspace', 'api-key', 'rate-limit', 'reachable', 'key-accepted', 'test-run']);
    expect(checks['endpoint']).toMatchObject({ status: 'pass', data: { endpoint: server.url, source: 'env:LANGSMITH_ENDPOINT' } });
    expect(checks['project']).toMatchObject({ status: 'pass', data: { project: 'doctor-tests', source: 'env:LANGSMITH_PROJECT' } });
    expect(checks['workspace']).toMatchObject({ status: 'pass', data: { source: 'default' } });
    expect(checks['api-key']).toMatchObject({
      status: 'pass',
      data: { present: true, source: 'env:LANGSMITH_API_KEY', prefix: 'lsv2_pt_', kind: 'personal access token', length: GOOD_KEY.length },
    });
    expect(checks['api-key']!.detail).toContain(`${GOOD_KEY.length} characters`);
    expect(checks['reachable']).toMatchObject({ status: 'pass', data: { status: 200, version: 'local' } });
    expect(checks['key-accepted']).toMatchObject({ status: 'pass', data: { status: 200, request: 'GET /sessions?limit=1' } });
    expect(checks['key-accepted']!.detail).toBe('accepted (GET /sessions answered 200, nothing written; key from LANGSMITH_API_KEY)');
    expect(checks['test-run']).toMatchObject({ status: 'skip', detail: 'not requested (--send-test-run sends one)' });
    expectNoKey(results);
    expect(server.requests().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /info 200', 'GET /sessions 200']);
    expect(server.runs()).toHaveLength(0);

    const { code, stdout } = await doctor([], envFor());
    expect(code).toBe(0);
    expect(stdout).toMatch(/\[ok {2}\] Key accepted +accepted \(GET \/sessions answered 200, nothing written/);
    expect(stdout).toMatch(/^OK: no check failed \(1 skipped\)\.$/m);
    expect(server.runs()).toHaveLength(0);
  });

  it('--send-test-run stores one clearly named run and prints its id', async () => {
    const { code, stdout } = await doctor(['--send-test-run'], envFor({ LANGSMITH_WORKSPACE_ID: '11111111-2222-4333-8444-555555555555' }));
    expect(code).toBe(0);
    const [run] = server.runs();
    expect(server.runs()).toHaveLength(1);
    expect(run).toMatchObject({ name: TEST_RUN_NAME, run_type: 'chain', session_name: 'doctor-tests' });
    expect(stdout).toContain(`run id ${run!.id}`);
    expect(stdout).toMatch(/\[ok {2}\] Key accepted +accepted \(GET \/sessions answered 200, nothing written; key from LANGSMITH_API_KEY\)/);
    expect(server.requests().find((r) => r.path === '/sessions')!.tenantId).toBe('11111111-2222-4333-8444-555555555555');
    const post = server.requests().find((r) => r.path === '/runs')!;
    expect(post.tenantId).toBe('11111111-2222-4333-8444-555555555555');
    expect(post.status).toBe(200);
  });

  it('--json prints machine-readable results', async () => {
    const { code, stdout } = await doctor(['--json', '--send-test-run'], envFor());
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as { ok: boolean; checks: CheckResult[] };
    expect(parsed.ok).toBe(true);
    const checks = byId(parsed.checks);
    expect(checks['test-run']).toMatchObject({ status: 'pass', data: { runId: server.runs()[0]!.id, status: 200, project: 'doctor-tests' } });
    expect(checks['key-accepted']!.status).toBe('pass');
  });

  it('reports LANGCHAIN_* sources, and which env var lost to which', async () => {
    const results = await runDoctor({
      env: {
        LANGCHAIN_ENDPOINT: server.url,
        LANGCHAIN_API_KEY: GOOD_KEY,
        LANGSMITH_PROJECT: 'wins',
        LANGCHAIN_PROJECT: 'loses',
      },
    });
    const checks = byId(results);
    expect(checks['endpoint']!.data).toMatchObject({ source: 'env:LANGCHAIN_ENDPOINT' });
    expect(checks['api-key']!.data).toMatchObject({ source: 'env:LANGCHAIN_API_KEY' });
    expect(checks['project']!.detail).toBe('wins (from LANGSMITH_PROJECT; LANGCHAIN_PROJECT also set, ignored)');
    expectNoKey(results);
  });
});

describe('problems, each explained with its fix', () => {
  it('a wrong key: 401 explained, exit 1, nothing stored, the key never printed', async () => {
    const env = envFor({ LANGSMITH_API_KEY: WRONG_KEY });
    const results = await runDoctor({ env, sendTestRun: true });
    const checks = byId(results);
    expect(checks['api-key']!.status).toBe('pass'); // its shape is fine
    expect(checks['key-accepted']).toMatchObject({ status: 'fail', data: { status: 401 } });
    expect(checks['key-accepted']!.detail).toContain('refused: GET /sessions answered 401 Unauthorized');
    expect(checks['key-accepted']!.detail).toContain('LANGSMITH_API_KEY');
    // The fix fits the endpoint: this is the local server, not LangSmith.
    expect(checks['key-accepted']!.fix).toMatch(/local server \(otel-langsmith dev\) started with --api-key: set LANGSMITH_API_KEY to the key it was started with/);
    expect(checks['key-accepted']!.fix).not.toContain('smith.langchain.com');
    expect(checks['test-run']).toMatchObject({ status: 'skip', detail: 'not sent: the key was refused' });
    expect(server.requests().filter((r) => r.path === '/runs')).toHaveLength(0);
    expect(server.runs()).toHaveLength(0);
    expectNoKey(results);

    const text = await doctor(['--send-test-run'], env);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^\[FAIL\] Key accepted +refused: GET \/sessions answered 401 Unauthorized/m);
    expect(text.stdout).toMatch(/^ +fix: this is a local server \(otel-langsmith dev\)/m);
    expect(text.stdout).toMatch(/^FAILED: 1 check failed/m);
    const json = await doctor(['--send-test-run', '--json'], env);
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as { ok: boolean }).ok).toBe(false);
  });

  it('a wrong key without --send-test-run fails too, read-only: nothing written', async () => {
    const { code, stdout } = await doctor([], envFor({ LANGSMITH_API_KEY: WRONG_KEY }));
    expect(code).toBe(1);
    expect(stdout).toMatch(/^\[FAIL\] Key accepted +refused: GET \/sessions answered 401 Unauthorized; the key came from LANGSMITH_API_KEY$/m);
    expect(stdout).toMatch(/^ +fix: this is a local server \(otel-langsmith dev\) started with --api-key: set LANGSMITH_API_KEY to the key it was started with/m);
    expect(stdout).toMatch(/^FAILED: 1 check failed/m);
    expect(server.requests().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /info 200', 'GET /sessions 401']);
    expect(server.runs()).toHaveLength(0);
  });

  it('a missing key fails with how to set one', async () => {
    const env = envFor({ LANGSMITH_API_KEY: undefined });
    const results = await runDoctor({ env, sendTestRun: true });
    const checks = byId(results);
    expect(checks['api-key']).toMatchObject({ status: 'fail', data: { present: false, source: 'default' } });
    expect(checks['api-key']!.fix).toContain('export LANGSMITH_API_KEY=');
    expect(checks['reachable']!.status).toBe('pass');
    expect(checks['key-accepted']!.status).toBe('skip');
    expect(checks['test-run']).toMatchObject({ status: 'skip', detail: 'not sent: there is no API key' });
    expect(server.requests().filter((r) => r.path === '/runs')).toHaveLength(0);
    const { code, stdout } = await doctor([], env);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^\[FAIL\] API key +missing: neither LANGSMITH_API_KEY nor LANGCHAIN_API_KEY is set/m);
  });

  it('an unreachable endpoint (a closed port): connection refused explained, exit 1', async () => {
    const port = await closedPort();
    const env = envFor({ LANGSMITH_ENDPOINT: `http://127.0.0.1:${port}` });
    const results = await runDoctor({ env, sendTestRun: true, timeoutMillis: 2000 });
    const checks = byId(results);
    expect(checks['reachable']).toMatchObject({ status: 'fail', data: { code: 'ECONNREFUSED' } });
    expect(checks['reachable']!.detail).toContain(`connection refused: nothing is listening at 127.0.0.1:${port}`);
    expect(checks['reachable']!.fix).toContain('start the server or correct the port');
    expect(checks['key-accepted']!.status).toBe('skip');
    expect(checks['test-run']).toMatchObject({ status: 'skip', detail: 'not sent: the endpoint is unreachable' });
    const { code } = await doctor(['--timeout-ms', '2000'], env);
    expect(code).toBe(1);
  });

  it('an endpoint with a trailing /runs: stripped, shown, and still works', async () => {
    const env = envFor({ LANGSMITH_ENDPOINT: `${server.url}/runs/` });
    const results = await runDoctor({ env, sendTestRun: true });
    const checks = byId(results);
    expect(checks['endpoint']).toMatchObject({
      status: 'warn',
      data: { endpoint: server.url, raw: `${server.url}/runs/`, normalized: 'trailing /runs stripped', source: 'env:LANGSMITH_ENDPOINT' },
    });
    expect(checks['endpoint']!.fix).toBe(`set LANGSMITH_ENDPOINT=${server.url}: it is the API base URL, and LangSmith's own SDKs do not strip /runs`);
    expect(checks['reachable']!.status).toBe('pass');
    expect(checks['test-run']!.status).toBe('pass');
    expect(server.requests().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /info 200', 'GET /sessions 200', 'POST /runs 200']);
    const { code, stdout } = await doctor([], env);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\[warn\] Endpoint .*the trailing \/runs was stripped/m);
    expect(stdout).toMatch(/^OK: no check failed \(1 warning, 1 skipped\)\.$/m);
  });

  it('a path without the API behind it (404 on /info) points at the API base URL', async () => {
    const results = await runDoctor({ env: envFor({ LANGSMITH_ENDPOINT: `${server.url}/api/v1` }) });
    const reachable = byId(results)['reachable']!;
    expect(reachable).toMatchObject({ status: 'fail', data: { status: 404 } });
    expect(reachable.fix).toContain(`set the endpoint to ${server.url} (it ends in /api/v1`);
  });

  it('an invalid endpoint URL fails the configuration and skips the network checks', async () => {
    const { code, stdout } = await doctor(['--send-test-run'], envFor({ LANGSMITH_ENDPOINT: 'api.smith.langchain.com' }));
    expect(code).toBe(1);
    expect(stdout).toMatch(/^\[FAIL\] Endpoint +endpoint from env:LANGSMITH_ENDPOINT is not a valid URL/m);
    expect(stdout).toMatch(/fix: set LANGSMITH_ENDPOINT to the API base URL/);
    expect(stdout).toMatch(/^\[skip\] Endpoint reachable +not checked: the endpoint is invalid/m);
    expect(server.requests()).toHaveLength(0);
  });

  it('an endpoint without GET /sessions (a proxy): the key is not judged by the read, --send-test-run decides', async () => {
    server.faults.inject({ status: 404, body: { detail: 'Not Found' }, match: (req) => req.path === '/sessions', times: 2 });
    const checks = byId(await runDoctor({ env: envFor() }));
    expect(checks['key-accepted']).toMatchObject({ status: 'skip', data: { status: 404 } });
    expect(checks['key-accepted']!.fix).toContain('--send-test-run');
    const sent = byId(await runDoctor({ env: envFor(), sendTestRun: true }));
    expect(sent['key-accepted']!.detail).toContain('POST /runs answered 200');
    expect(sent['test-run']!.status).toBe('pass');
  });

  it('a 403 on the read is explained as a workspace problem, and nothing is sent', async () => {
    server.faults.inject({ status: 403, body: { detail: 'Forbidden' }, match: (req) => req.path === '/sessions' });
    const checks = byId(await runDoctor({ env: envFor(), sendTestRun: true }));
    expect(checks['key-accepted']).toMatchObject({ status: 'fail', data: { status: 403 } });
    expect(checks['key-accepted']!.fix).toContain('LANGSMITH_WORKSPACE_ID');
    expect(checks['test-run']).toMatchObject({ status: 'skip', detail: 'not sent: the key was refused' });
    expect(server.runs()).toHaveLength(0);
  });

  it('403 is explained as a workspace or permission problem', async () => {
    server.faults.inject({ status: 403, body: { detail: 'Forbidden' }, match: (req) => req.path === '/runs' });
    const checks = byId(await runDoctor({ env: envFor(), sendTestRun: true }));
    expect(checks['key-accepted']).toMatchObject({ status: 'fail', data: { status: 403 } });
    expect(checks['key-accepted']!.fix).toContain('LANGSMITH_WORKSPACE_ID');
  });

  it('a server that does not answer in time: the timeout explained', async () => {
    server.faults.inject({ hang: true, match: (req) => req.path === '/info' });
    const started = Date.now();
    const checks = byId(await runDoctor({ env: envFor(), timeoutMillis: 300 }));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(checks['reachable']!.status).toBe('fail');
    expect(checks['reachable']!.detail).toMatch(/within 300 ms/);
  });

  it('a refused test run (5xx) fails the test run; the key was proven by the read', async () => {
    server.faults.inject({ status: 503, match: (req) => req.path === '/runs' });
    const checks = byId(await runDoctor({ env: envFor(), sendTestRun: true }));
    expect(checks['key-accepted']).toMatchObject({ status: 'pass', data: { request: 'GET /sessions?limit=1' } });
    expect(checks['test-run']).toMatchObject({ status: 'fail', data: { status: 503 } });
    expect(checks['test-run']!.fix).toContain('try again later');
  });
});

describe('usage', () => {
  it('--help prints the options and exits 0', async () => {
    const { code, stdout } = await doctor(['--help'], {});
    expect(code).toBe(0);
    expect(stdout).toContain('--send-test-run');
    expect(stdout).toContain('--json');
  });

  it.each([[['--bogus']], [['extra']], [['--timeout-ms', 'soon']], [['--timeout-ms', '0']], [['--endpoint', ' ']]])(
    'exits 2 on a usage error: %j',
    async (argv) => {
      const { code, stdout, stderr } = await doctor(argv, envFor());
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^otel-langsmith doctor: /);
      expect(stderr).toContain('Usage: otel-langsmith doctor');
      expect(server.requests()).toHaveLength(0);
    },
  );

  it('--endpoint and --project override the environment, as exporter options do', async () => {
    const checks = byId(await runDoctor({ env: envFor({ LANGSMITH_ENDPOINT: 'http://127.0.0.1:9' }), endpoint: server.url, projectName: 'cli-project' }));
    expect(checks['endpoint']!.data).toMatchObject({ endpoint: server.url, source: 'option' });
    expect(checks['project']!.data).toMatchObject({ project: 'cli-project', source: 'option' });
    expect(checks['reachable']!.status).toBe('pass');
  });
});
