// `npm run demo`'s output, from a real run of examples/quickstart/demo.mjs (a node child process
// against the embedded local server, 127.0.0.1 only): the run tree once, the llm run with its
// model and token counts, no raw ids, and what to try next. Needs dist/ (npm test builds it).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';

const root = REPO_ROOT;
const built = existsSync(`${root}/dist/testing.js`) || existsSync(`${root}/dist/index.js`);
if (!built) console.warn('demo-output.test.ts: skipped, dist/ is missing; run `npm run build` (npm test does)');

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe.runIf(built)('npm run demo output', () => {
  it('prints the tree once, the llm row with model and tokens, no run ids, then the next steps', async () => {
    const env: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) if (!/^(OTEL_|LANGSMITH_|LANGCHAIN_)/.test(name)) env[name] = value;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['examples/quickstart/demo.mjs'], { cwd: root, env, timeout: 60_000 });
    expect(stderr).toBe('');
    const lines = stdout.split('\n');

    // Each run appears on exactly one line: the tree is not listed a second time.
    for (const name of ['answer question', 'retrieve documents', 'lookup forecast', 'call model']) {
      expect(lines.filter((line) => line.includes(name)), name).toHaveLength(1);
    }
    expect(stdout).toMatch(/^answer question \[chain\] [\d.]+ ms$/m);
    expect(stdout).toMatch(/^ {2}retrieve documents \[chain\] [\d.]+ ms$/m);
    expect(stdout).toMatch(/^ {2}lookup forecast \[tool\] [\d.]+ ms {2}ERROR: Error: forecast service unavailable$/m);
    expect(stdout).toMatch(/^ {2}call model \[llm\] [\d.]+ ms {2}gpt-4o-mini, 24 in \/ 9 out tokens$/m);
    expect(stdout).not.toMatch(UUID);
    expect(stdout).not.toContain('parent=');
    expect(stdout).toContain('\n4 runs delivered in 4 requests, 0 rejected.\n');

    // It ends with what to try next: the dev server and its viewer.
    const next = stdout.trimEnd().split('\n\n').at(-1)!;
    expect(next).toMatch(/^Next:\n/);
    expect(next).toContain('npx otel-langsmith dev');
    expect(next).toContain('http://127.0.0.1:1984/');
    expect(next).toContain('LANGSMITH_ENDPOINT=http://127.0.0.1:1984');
  });
});
