import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';

// Issue 18, item 7: a fresh `npm install` must not rewrite the committed lock, and CI must fail
// (not just print a note) when it does; packed tarballs are not to be committed.
const run = promisify(execFile);
const root = REPO_ROOT;
const ciScript = readFileSync(join(root, '.ci/run'), 'utf8');

/** The lines of .ci/run that judge the lock after its install, run on their own. */
function lockCheck(): string {
  const lines = ciScript.split('\n');
  const start = lines.findIndex((line) => line.includes('git diff') && line.includes('package-lock.json'));
  expect(start, '.ci/run compares package-lock.json after installing').toBeGreaterThan(-1);
  let end = start;
  if (/^\s*if\b/.test(lines[start]!)) while (!/^\s*fi\s*$/.test(lines[end]!)) end++;
  return `set -euo pipefail\n${lines.slice(start, end + 1).join('\n')}\n`;
}

async function git(cwd: string, ...args: string[]): Promise<void> {
  await run('git', ['-c', 'user.email=ci@example.invalid', '-c', 'user.name=ci', ...args], { cwd });
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('.ci/run and the lock', () => {
  it('fails the run when the install changed package-lock.json, and passes when it did not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ci-lock-'));
    dirs.push(dir);
    await git(dir, 'init', '-q');
    writeFileSync(join(dir, 'package-lock.json'), '{"lockfileVersion": 3}\n');
    await git(dir, 'add', 'package-lock.json');
    await git(dir, 'commit', '-q', '-m', 'lock');
    writeFileSync(join(dir, 'check.sh'), lockCheck());

    await expect(run('bash', ['check.sh'], { cwd: dir })).resolves.toBeDefined();
    writeFileSync(join(dir, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {}}\n');
    const changed = await run('bash', ['check.sh'], { cwd: dir }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(changed.code).not.toBe(0);
    expect(changed.stderr).toMatch(/npm install changed package-lock\.json/);
  });

  it('ignores packed tarballs (npm pack output)', async () => {
    await expect(run('git', ['check-ignore', '-q', 'otel-langsmith-0.1.0.tgz'], { cwd: root })).resolves.toBeDefined();
  });
});
