import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LocalServer } from 'otel-langsmith/testing';
import { devCommand, parseDevArgs, startDev } from '../../src/cli/dev.js';
import { main } from '../../src/cli/main.js';
import { postRun, runBody } from '../helpers/local-server.js';
import { captureOutput } from '../helpers/capture-output.js';
import { until } from '../helpers/wait.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('startDev', () => {
  let server: LocalServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('prints the endpoint, each completed trace as a tree and each rejected request', async () => {
    const printed: string[] = [];
    const errors: string[] = [];
    server = await startDev({
      port: 0,
      host: '127.0.0.1',
      quietMillis: 50,
      print: (text) => printed.push(text),
      printError: (text) => errors.push(text),
    });
    expect(printed[0]).toContain(`LangSmith-compatible local server on ${server.url}`);
    expect(printed[0]).toContain(`LANGSMITH_ENDPOINT=${server.url} LANGSMITH_API_KEY=<any non-empty value>`);

    const root = runBody({ name: 'agent', end_time: '2024-05-01T12:00:00.223456Z' });
    await postRun(server, root);
    await postRun(server, runBody({ name: 'tool-call', run_type: 'tool', parent_run_id: root['id'] }));
    await postRun(server, runBody({ name: '' }));
    await until(() => printed.length === 2);
    expect(printed[1]).toBe(`\ntrace ${root['id'] as string} (2 runs)\nagent [chain] 100 ms\n  tool-call [tool] 876.544 ms`);
    expect(errors).toEqual(['rejected: 422 POST /runs: name: must be a non-empty string']);
  });

  it('hides a configured API key in its hint and enforces it', async () => {
    const printed: string[] = [];
    server = await startDev({ port: 0, host: '127.0.0.1', apiKey: 'k-123', print: (t) => printed.push(t), printError: () => {} });
    expect(printed.join('\n')).not.toContain('k-123');
    expect(printed[0]).toContain('LANGSMITH_API_KEY=<the --api-key value>');
    expect((await postRun(server, runBody(), { 'x-api-key': 'other' })).status).toBe(401);
  });
});

describe('parseDevArgs', () => {
  it('applies defaults', () => {
    expect(parseDevArgs([])).toEqual({ kind: 'run', options: { port: 1984, host: '127.0.0.1', allowRemote: false } });
  });

  it('reads every flag', () => {
    expect(parseDevArgs(['--port', '0', '--api-key', 'k', '--quiet-ms', '20', '--host', '::1'])).toEqual({
      kind: 'run',
      options: { port: 0, host: '::1', allowRemote: false, apiKey: 'k', quietMillis: 20 },
    });
    expect(parseDevArgs(['--host', '0.0.0.0', '--allow-remote'])).toMatchObject({ kind: 'run', options: { allowRemote: true } });
    expect(parseDevArgs(['--help'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['--port', 'abc'], '--port must be'],
    [['--port', '70000'], '--port must be'],
    [['--quiet-ms', '1.5'], '--quiet-ms must be'],
    [['--host', '0.0.0.0'], '--allow-remote'],
    [['--api-key', ''], '--api-key must not be empty'],
    [['--verbose'], "Unknown option '--verbose'"],
    [['extra'], 'extra'],
  ])('refuses %j', (argv, message) => {
    const parsed = parseDevArgs(argv);
    expect(parsed.kind).toBe('error');
    expect(parsed.kind === 'error' && parsed.message).toContain(message);
  });
});

describe('devCommand', () => {
  it('serves until SIGINT, then closes and exits 0', async () => {
    const output = captureOutput();
    const exit = devCommand(['--port', '0', '--quiet-ms', '20']);
    await until(() => output.stdout().includes('local server on'));
    const url = /local server on (http:\/\/127\.0\.0\.1:\d+)/.exec(output.stdout())?.[1] ?? '';
    const port = Number(new URL(url).port);
    const fake = { url, port } as LocalServer;
    expect((await postRun(fake, runBody({ name: 'hello' }))).status).toBe(200);
    await until(() => output.stdout().includes('hello [chain]'));
    process.emit('SIGINT');
    expect(await exit).toBe(0);
    await expect(postRun(fake, runBody())).rejects.toThrow();
  });

  it('prints help with exit 0 and usage errors with exit 2', async () => {
    const output = captureOutput();
    expect(await devCommand(['--help'])).toBe(0);
    expect(output.stdout()).toContain('Usage: otel-langsmith dev');
    expect(await devCommand(['--port', 'x'])).toBe(2);
    expect(output.stderr()).toContain('--port must be');
  });
});

describe('main', () => {
  it('dispatches to the command', async () => {
    const output = captureOutput();
    expect(await main(['dev', '--help'])).toBe(0);
    expect(output.stdout()).toContain('Usage: otel-langsmith dev');
  });

  it('prints usage for --help (exit 0) and for unknown or missing commands (exit 2)', async () => {
    const output = captureOutput();
    expect(await main(['--help'])).toBe(0);
    expect(output.stdout()).toContain('Usage: otel-langsmith <command>');
    expect(output.stdout()).toMatch(/ {2}dev {6}run a LangSmith-compatible local server/);
    expect(await main(['deploy'])).toBe(2);
    expect(output.stderr()).toContain("unknown command 'deploy'");
    expect(await main([])).toBe(2);
  });
});
