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

it('run as pasted against an endpoint that refuses every run, reports the failure and ends normally', async () => {
  // A path with no API behind it: every run refused at once (HTTP 404). provider.shutdown()
  // rejects; the program must say why on stderr and exit 0, not die of an unhandled rejection.
  const { stderr } = await run(process.execPath, [APP.pathname], {
    cwd: new URL('examples/use/', ROOT),
    env: { ...process.env, LANGSMITH_ENDPOINT: `${server.url}/no-api-here`, LANGSMITH_API_KEY: KEY, LANGSMITH_PROJECT: '' },
    timeout: 20_000,
  });
  expect(stderr).toMatch(/^LangSmith export failed: .*answered HTTP 404/m);
  expect(stderr).not.toMatch(/\n\s+at /);
});

it("the README's serverless snippet imports everything it uses", () => {
  const readme = readFileSync(new URL('README.md', ROOT), 'utf8');
  const snippet = /```ts\n((?:(?!```)[\s\S])*export async function handler[\s\S]*?)```/.exec(readme)?.[1];
  expect(snippet).toBeDefined();
  const imported = new Set([...snippet!.matchAll(/^import \{([^}]+)\} from /gm)].flatMap((m) => m[1]!.split(',').map((name) => name.trim())));
  for (const used of ['LangSmithExportError', 'provider', 'answer']) {
    expect(snippet).toContain(used);
    expect(imported.has(used), used).toBe(true);
  }
});
