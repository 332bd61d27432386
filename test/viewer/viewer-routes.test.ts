// The trace viewer's HTTP side, without a browser: what `otel-langsmith dev` serves at / and under
// /_viewer/, its headers, and what it leaves to the server. test/viewer/viewer.test.ts drives the page.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LocalServer } from 'otel-langsmith/testing';
import { startDev } from '../../src/cli/dev.js';
import { VIEWER_ASSETS } from '../../src/viewer/assets/index.js';
import { VIEWER_CSP } from '../../src/viewer/index.js';

// Every test client is on 127.0.0.1; this makes the server take it for a remote one.
const network = vi.hoisted(() => ({ clientsAreRemote: false }));
vi.mock('../../src/net/loopback.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/net/loopback.js')>();
  return { ...actual, isLoopback: (host: string): boolean => !network.clientsAreRemote && actual.isLoopback(host) };
});

let server: LocalServer | undefined;
let printed: string[] = [];
let rejected: string[] = [];
afterEach(async () => {
  network.clientsAreRemote = false;
  await server?.close();
  server = undefined;
});

async function dev(): Promise<LocalServer> {
  printed = [];
  rejected = [];
  server = await startDev({ port: 0, host: '127.0.0.1', print: (t) => printed.push(t), printError: (t) => rejected.push(t) });
  return server;
}

describe('the trace viewer routes of otel-langsmith dev', () => {
  it('prints the viewer URL and serves the page with a strict CSP', async () => {
    const target = await dev();
    expect(printed[0]).toContain(`Trace viewer: ${target.url}/\n`);
    const res = await fetch(`${target.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toBe(VIEWER_CSP);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/_viewer/app.js"></script>');
    // No inline script or style: every <script> has a src, no style attributes or elements.
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script type="module" src="/_viewer/app.js">']);
    expect(html).not.toMatch(/<style|style=|\son[a-z]+=/i);
    // The viewer's requests are not LangSmith API requests.
    expect(target.requests()).toEqual([]);
    expect(rejected).toEqual([]);
  });

  it('serves every asset the page and the modules refer to, with its type', async () => {
    const target = await dev();
    const referenced = new Set<string>();
    for (const match of VIEWER_ASSETS.page.body.matchAll(/(?:src|href)="\/_viewer\/([^"]+)"/g)) referenced.add(match[1]!);
    for (const [name, asset] of VIEWER_ASSETS.files) {
      if (name.endsWith('.js')) for (const match of asset.body.matchAll(/from '\.\/([^']+)'/g)) referenced.add(match[1]!);
    }
    expect([...referenced].sort()).toEqual(['app.js', 'detail.js', 'dom.js', 'icon.svg', 'model.js', 'viewer.css']);
    for (const name of referenced) {
      const res = await fetch(`${target.url}/_viewer/${name}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type'), name).toMatch(name.endsWith('.js') ? /^text\/javascript/ : name.endsWith('.css') ? /^text\/css/ : /^image\/svg\+xml/);
      expect(await res.text()).toBe(VIEWER_ASSETS.files.get(name)?.body);
    }
    const head = await fetch(`${target.url}/_viewer/app.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(Buffer.byteLength(VIEWER_ASSETS.files.get('app.js')!.body));
  });

  it('builds the page with DOM APIs only: no HTML parsing of strings, no eval, no console', () => {
    for (const [name, asset] of VIEWER_ASSETS.files) {
      if (!name.endsWith('.js')) continue;
      expect(asset.body, name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|console\.|setAttribute\('style'/);
      // String.raw templates: a backtick or ${ would have ended or interpolated the constant.
      expect(asset.body, name).not.toMatch(/`|\$\{/);
    }
  });

  it('answers unknown viewer paths and other methods itself, and leaves the rest to the server', async () => {
    const target = await dev();
    for (const path of ['/_viewer/nope.js', '/_viewer/constructor', '/_viewer/']) {
      expect((await fetch(`${target.url}${path}`)).status, path).toBe(404);
    }
    expect((await fetch(`${target.url}/favicon.ico`)).status).toBe(204);
    const post = await fetch(`${target.url}/`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(target.requests()).toEqual([]);
    expect(rejected).toEqual([]);
    // Anything else is the server's, as before.
    expect((await fetch(`${target.url}/elsewhere`)).status).toBe(404);
    expect((await fetch(`${target.url}/info`)).status).toBe(200);
    expect(target.requests().map((r) => `${r.status} ${r.path}`)).toEqual(['404 /elsewhere', '200 /info']);
  });

  it('tells the page whether a key is required and which requests were refused, never the key', async () => {
    const open = await dev();
    expect(await (await fetch(`${open.url}/_viewer/state`)).json()).toEqual({ apiKey: 'any', refused: { count: 0, recent: [] } });
    await open.close();

    const key = 'lsv2_routes_secret_key_42';
    printed = [];
    rejected = [];
    server = await startDev({ port: 0, host: '127.0.0.1', apiKey: key, print: (t) => printed.push(t), printError: (t) => rejected.push(t) });
    expect((await fetch(`${server.url}/runs`, { method: 'POST', headers: { 'x-api-key': 'not-the-key' }, body: '{}' })).status).toBe(401);
    const res = await fetch(`${server.url}/_viewer/state`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    expect(text).not.toContain(key);
    expect(text).not.toContain('not-the-key');
    expect(JSON.parse(text)).toEqual({
      apiKey: 'required',
      refused: {
        count: 1,
        recent: [{ at: expect.any(Number), status: 401, method: 'POST', path: '/runs', detail: 'Unauthorized', hint: 'wrong API key: LANGSMITH_API_KEY is not the key this server was started with (--api-key)' }],
      },
    });
    // Reading it is no API request.
    expect(server.requests()).toHaveLength(1);
  });

  it('answers only loopback clients, like /_local/ whose data it shows', async () => {
    const target = await dev();
    network.clientsAreRemote = true;
    for (const path of ['/', '/_viewer/app.js', '/_viewer/state']) {
      const res = await fetch(`${target.url}${path}`);
      expect(res.status, path).toBe(403);
      expect(await res.text()).toContain('only answers loopback clients');
    }
  });
});

describe('DNS rebinding', () => {
  it('refuses /_local/ and the viewer when the Host header names a foreign host', async () => {
    const s = await dev();
    const { request } = await import('undici');
    for (const path of ['/', '/_local/runs', '/_viewer/app.js']) {
      const foreign = await request(`${s.url}${path}`, { headers: { host: 'attacker.example:1984' } });
      await foreign.body.dump();
      expect(foreign.statusCode, path).toBe(403);
      const local = await request(`${s.url}${path}`, { headers: { host: `localhost:${s.port}` } });
      await local.body.dump();
      expect(local.statusCode, path).not.toBe(403);
    }
  });
});
