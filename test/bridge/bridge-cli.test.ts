// `otel-langsmith bridge`: flags, env, help, the banner, and a signal-driven drain, run in-process.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { BRIDGE_USAGE, bridgeCommand, parseBridgeArgs, startBridgeFromArgs } from '../../src/cli/bridge.js';
import { main } from '../../src/cli/main.js';
import { jsonRequest, jsonSpan, rawRequest, spanId, TEST_KEY } from '../helpers/bridge-harness.js';
import { until } from '../helpers/wait.js';
import { captureOutput } from '../helpers/capture-output.js';

let server: LocalServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await server?.close();
  server = undefined;
});

const post = (url: string) =>
  rawRequest(`${url}/v1/traces`, {
    headers: { 'content-type': 'application/json', authorization: 'Bearer bridge-secret-123' },
    body: JSON.stringify(jsonRequest([jsonSpan({ spanId: spanId(), name: 'via cli' })])),
  });

describe('parseBridgeArgs', () => {
  it('applies defaults: port 4318 on 127.0.0.1, everything else from the env', () => {
    const env = {};
    expect(parseBridgeArgs([], env)).toEqual({ kind: 'run', options: { port: 4318, host: '127.0.0.1', env }, warnings: [] });
  });

  it('reads every flag, and warns about secrets given as flags', () => {
    const env = {};
    const parsed = parseBridgeArgs(
      ['--port', '0', '--host', '::1', '--endpoint', 'http://127.0.0.1:1984', '--project', 'p', '--api-key', 'k', '--shared-secret', 's', '--max-body-bytes', '2048'],
      env,
    );
    expect(parsed).toEqual({
      kind: 'run',
      options: { port: 0, host: '::1', env, endpoint: 'http://127.0.0.1:1984', projectName: 'p', apiKey: 'k', sharedSecret: 's', maxBodyBytes: 2048 },
      warnings: [
        '--api-key is visible in the process list and shell history; prefer LANGSMITH_API_KEY',
        '--shared-secret is visible in the process list; prefer OTEL_LANGSMITH_BRIDGE_SECRET',
      ],
    });
    expect(parseBridgeArgs(['--help'], env)).toEqual({ kind: 'help' });
  });

  it('takes --grpc-port N, 0 or off (the default is left to startBridge: 4317, or 0 with --port 0)', () => {
    expect(parseBridgeArgs(['--grpc-port', '14317'], {})).toMatchObject({ kind: 'run', options: { grpcPort: 14317 } });
    expect(parseBridgeArgs(['--grpc-port', '0'], {})).toMatchObject({ kind: 'run', options: { grpcPort: 0 } });
    expect(parseBridgeArgs(['--grpc-port', 'off'], {})).toMatchObject({ kind: 'run', options: { grpcPort: false } });
    expect(parseBridgeArgs(['--grpc-port', 'x'], {})).toEqual({ kind: 'error', message: '--grpc-port must be 0-65535, got x (or off)' });
    expect(parseBridgeArgs(['--grpc-port', '65536'], {}).kind).toBe('error');
  });

  it('takes the shared secret from OTEL_LANGSMITH_BRIDGE_SECRET', () => {
    expect(parseBridgeArgs([], { OTEL_LANGSMITH_BRIDGE_SECRET: 'from-env' })).toMatchObject({ kind: 'run', options: { sharedSecret: 'from-env' }, warnings: [] });
  });

  it('takes --log-wait-ms (or OTEL_LANGSMITH_BRIDGE_LOG_WAIT_MS, the flag winning), 0 included, and refuses nonsense', () => {
    expect(parseBridgeArgs(['--log-wait-ms', '500'], {})).toMatchObject({ kind: 'run', options: { logWaitMillis: 500 } });
    expect(parseBridgeArgs(['--log-wait-ms', '0'], {})).toMatchObject({ kind: 'run', options: { logWaitMillis: 0 } });
    expect(parseBridgeArgs([], { OTEL_LANGSMITH_BRIDGE_LOG_WAIT_MS: '3000' })).toMatchObject({ kind: 'run', options: { logWaitMillis: 3000 } });
    expect(parseBridgeArgs(['--log-wait-ms', '100'], { OTEL_LANGSMITH_BRIDGE_LOG_WAIT_MS: '3000' })).toMatchObject({ kind: 'run', options: { logWaitMillis: 100 } });
    expect(parseBridgeArgs([], {})).not.toMatchObject({ options: { logWaitMillis: expect.anything() } });
    for (const bad of ['soon', '-1', '1.5', '60001']) expect(parseBridgeArgs(['--log-wait-ms', bad], {}).kind).toBe('error');
    expect(parseBridgeArgs([], { OTEL_LANGSMITH_BRIDGE_LOG_WAIT_MS: 'x' }).kind).toBe('error');
  });

  it('refuses a non-loopback host without a shared secret unless told', () => {
    expect(parseBridgeArgs(['--host', '0.0.0.0'], {})).toEqual({
      kind: 'error',
      message: '--host 0.0.0.0 is reachable from other machines: set OTEL_LANGSMITH_BRIDGE_SECRET (or --shared-secret), or add --allow-no-secret',
    });
    expect(parseBridgeArgs(['--host', '0.0.0.0'], { OTEL_LANGSMITH_BRIDGE_SECRET: 's' })).toMatchObject({ kind: 'run', warnings: [] });
    expect(parseBridgeArgs(['--host', '0.0.0.0', '--allow-no-secret'], {})).toMatchObject({
      kind: 'run',
      warnings: ['listening on 0.0.0.0 without a shared secret'],
    });
  });

  it.each([
    [['--port', 'abc'], '--port must be 0-65535'],
    [['--port', '70000'], '--port must be 0-65535'],
    [['--max-body-bytes', '0'], '--max-body-bytes must be a positive whole number'],
    [['--max-body-bytes', '1e6'], '--max-body-bytes must be a positive whole number'],
    [['--api-key', ''], '--api-key must not be empty'],
    [['--shared-secret', ' '], '--shared-secret must not be empty'],
    [['--nope'], "Unknown option '--nope'"],
    [['positional'], 'Unexpected argument'],
  ])('refuses %j', (argv, message) => {
    const parsed = parseBridgeArgs(argv, {});
    expect(parsed.kind).toBe('error');
    expect((parsed as { message: string }).message).toContain(message);
  });
});

describe('help', () => {
  it('explains every flag and the env vars', () => {
    for (const text of ['--port', '--grpc-port', '--host', '--endpoint', '--api-key', '--project', '--shared-secret', '--max-body-bytes', '--allow-no-secret', '--log-wait-ms', '--help']) {
      expect(BRIDGE_USAGE).toContain(text);
    }
    for (const env of ['LANGSMITH_API_KEY', 'LANGSMITH_ENDPOINT', 'LANGSMITH_PROJECT', 'LANGSMITH_WORKSPACE_ID', 'OTEL_LANGSMITH_BRIDGE_SECRET', 'OTEL_LANGSMITH_BRIDGE_LOG_WAIT_MS']) {
      expect(BRIDGE_USAGE).toContain(env);
    }
    expect(BRIDGE_USAGE).toMatch(/discouraged/);
  });

  it('is listed by the main command and printed by bridge --help', async () => {
    const output = captureOutput();
    expect(await main(['--help'])).toBe(0);
    expect(output.stdout()).toMatch(/^ {2}bridge +receive OTLP traces over HTTP and gRPC/m);
    expect(output.stdout()).toMatch(/^ {2}dev /m);
    expect(await main(['bridge', '--help'])).toBe(0);
    expect(output.stdout()).toContain(BRIDGE_USAGE);
    expect(await main(['bridge', '--port', 'x'])).toBe(2);
    expect(output.stderr()).toContain('otel-langsmith bridge: --port must be 0-65535, got x');
  });
});

describe('startBridgeFromArgs', () => {
  it('starts a bridge that delivers with the flags and env given, printing its address but never the key or secret', async () => {
    server = await startLocalServer({ apiKey: TEST_KEY });
    const printed: string[] = [];
    const errors: string[] = [];
    const started = await startBridgeFromArgs(['--port', '0', '--endpoint', server.url, '--project', 'cli-project', '--shared-secret', 'bridge-secret-123'], {
      env: { LANGSMITH_API_KEY: TEST_KEY },
      print: (text) => printed.push(text),
      printError: (text) => errors.push(text),
    });
    expect('bridge' in started).toBe(true);
    const { bridge } = started as { bridge: import('otel-langsmith/bridge').Bridge };
    try {
      expect(printed.join('\n')).toContain(`otel-langsmith bridge listening on ${bridge.url} (OTLP/HTTP: POST ${bridge.url}/v1/traces`);
      // --port 0: the gRPC receiver on a free port too, and the banner says which.
      expect(bridge.grpcPort).toBeGreaterThan(0);
      expect(printed.join('\n')).toContain(`OTLP/gRPC on http://127.0.0.1:${bridge.grpcPort} (port ${bridge.grpcPort}, TraceService/Export and LogsService/Export)`);
      expect(printed.join('\n')).toContain(`Delivering to LangSmith at ${server.url}, project "cli-project"`);
      expect(printed.join('\n')).toContain('Shared secret: required');
      expect(errors).toEqual(['otel-langsmith bridge: warning: --shared-secret is visible in the process list; prefer OTEL_LANGSMITH_BRIDGE_SECRET']);
      expect((await post(bridge.url)).status).toBe(200);
      expect(server.runs().map((r) => [r.name, r.session_name])).toEqual([['via cli', 'cli-project']]);
      const all = [...printed, ...errors].join('\n');
      expect(all).not.toContain(TEST_KEY);
      expect(all).not.toContain('bridge-secret-123');
    } finally {
      await bridge.close();
    }
  });

  it('reports a bad option with exit code 1, without echoing credentials', async () => {
    const errors: string[] = [];
    const result = await startBridgeFromArgs(['--port', '0', '--endpoint', 'http://user:pa55word@127.0.0.1:1'], { env: {}, print: () => {}, printError: (t) => errors.push(t) });
    expect(result).toEqual({ exitCode: 1 });
    expect(errors.join('\n')).toMatch(/must not carry credentials/);
    expect(errors.join('\n')).not.toContain('pa55word');
  });

  it('reports a port it cannot bind with exit code 1', async () => {
    server = await startLocalServer({ apiKey: TEST_KEY });
    const errors: string[] = [];
    const result = await startBridgeFromArgs(['--port', String(server.port)], { env: {}, print: () => {}, printError: (t) => errors.push(t) });
    expect(result).toEqual({ exitCode: 1 });
    expect(errors.join('\n')).toMatch(/EADDRINUSE/);
  });
});

describe('bridgeCommand', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('drains on %s and exits 0', async (signal) => {
    server = await startLocalServer({ apiKey: TEST_KEY });
    vi.stubEnv('LANGSMITH_API_KEY', TEST_KEY);
    vi.stubEnv('OTEL_LANGSMITH_BRIDGE_SECRET', 'bridge-secret-123');
    const output = captureOutput();
    const exit = bridgeCommand(['--port', '0', '--endpoint', server.url]);
    await until(() => output.stdout().includes('listening on'));
    const url = /listening on (http:\/\/[^ ]+) /.exec(output.stdout())![1]!;
    server.faults.inject({ delayMs: 200 });
    const inFlight = post(url);
    await until(() => server!.requests().length > 0 || server!.faults.pending() === 0);
    process.emit(signal);
    expect(await exit).toBe(0);
    expect((await inFlight).status).toBe(200); // answered before the bridge stopped
    expect(server.runs().map((r) => r.name)).toEqual(['via cli']);
    expect(output.stderr()).toContain('otel-langsmith bridge: stopped; 1 runs delivered, 0 rejected, 0 failed');
    expect(output.stdout() + output.stderr()).not.toMatch(/bridge-secret-123|lsv2_/);
    await expect(post(url)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('--orphan-timeout-ms', () => {
  it('sets how long spans wait for parents, and refuses nonsense', async () => {
    const { parseBridgeArgs } = await import('../../src/cli/bridge.js');
    const parsed = parseBridgeArgs(['--orphan-timeout-ms', '120000'], {});
    expect(parsed.kind === 'run' && parsed.options.orphanTimeoutMillis).toBe(120000);
    expect(parseBridgeArgs(['--orphan-timeout-ms', 'soon'], {}).kind).toBe('error');
  });
});
