import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';

const root = REPO_ROOT;

it('the API reference builds from the TSDoc comments with no warning (every public type documented)', async () => {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['node_modules/typedoc/bin/typedoc', '--emit', 'none', '--treatWarningsAsErrors'], {
    cwd: root,
  });
  expect(`${stdout}${stderr}`).not.toMatch(/\[warning\]|\[error\]/);
}, 120_000);
