import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainListenError } from '../../src/cli/listen-error.js';
import { REPO_ROOT } from '../helpers/paths.js';

// `otel-langsmith dev` on a port something else holds: say so and suggest --port, not just EADDRINUSE.
const run = promisify(execFile);
const root = REPO_ROOT;
const CLI = `${root}dist/cli.js`;
const built = existsSync(CLI);
if (!built) console.warn('local-server-cli-port.test.ts: the CLI process test is skipped, dist/cli.js is missing; run `npm run build` (npm test does)');

let busy: Server;
let port: number;
beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
  port = (busy.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

describe('otel-langsmith dev on a busy port', () => {
  it.runIf(built)('exits 1 saying the port is in use and how to pick another with --port', async () => {
    const failed = await run(process.execPath, [CLI, 'dev', '--port', String(port)], { cwd: root, timeout: 20_000 }).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failed, 'the CLI should have failed').toBeDefined();
    expect(failed!.code).toBe(1);
    expect(failed!.stderr.trim()).toBe(
      `otel-langsmith dev: port ${port} on 127.0.0.1 is already in use (another otel-langsmith dev, or another server): stop that one, ` +
        `or start on another port with --port N (e.g. --port ${port + 1}; --port 0 picks a free one) and point LANGSMITH_ENDPOINT at it`,
    );
  });

  it('explains the other listen failures and keeps any other message', () => {
    expect(explainListenError(Object.assign(new Error('listen EACCES'), { code: 'EACCES' }), '127.0.0.1', 80)).toMatch(/ports below 1024 need privileges\): use --port N/);
    expect(explainListenError(Object.assign(new Error('x'), { code: 'EADDRNOTAVAIL' }), '10.9.9.9', 1984)).toMatch(/^10\.9\.9\.9 is not an address of this machine/);
    expect(explainListenError(new Error('something else'), '127.0.0.1', 1984)).toBe('something else');
  });
});
