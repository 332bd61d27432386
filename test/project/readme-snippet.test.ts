// The README's "Use" snippet is examples/use/app.mjs, character for character, and that file run
// as a user would (node, LANGSMITH_* env vars) gives one nested trace, not one trace per span.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url);
const APP = new URL('examples/use/app.mjs', ROOT);
const KEY = 'lsv2_readme_snippet';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: KEY });
});
afterAll(() => server.close());

/** The code block right after the `<!-- examples/use/app.mjs -->` marker. */
function readmeSnippet(): string {
  const readme = readFileSync(new URL('README.md', ROOT), 'utf8');
  const match = /<!-- examples\/use\/app\.mjs -->\s*```js\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('README.md has no code block after <!-- examples/use/app.mjs -->');
  return match[1]!;
}

it('is the example file, character for character', () => {
  expect(readmeSnippet()).toBe(readFileSync(APP, 'utf8'));
});

it('run as pasted, gives one trace with the spans nested under their parent', async () => {
  // The package's own dist (built by `npm test` first) through its name: as an installed package.
  const { stderr } = await run(process.execPath, [APP.pathname], {
    cwd: new URL('examples/use/', ROOT),
    env: { ...process.env, LANGSMITH_ENDPOINT: server.url, LANGSMITH_API_KEY: KEY, LANGSMITH_PROJECT: '' },
    timeout: 20_000,
  });
  expect(stderr).toBe('');
  const traces = server.traces();
  expect(traces).toHaveLength(1);
  expect(traces[0]!.run.name).toBe('answer question');
  expect(traces[0]!.children.map((child) => child.run.name).sort()).toEqual(['call model', 'retrieve documents']);
  expect(server.runs().every((run) => run.session_name === 'my-app')).toBe(true);
});
