import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { API_KEY, detailOf, postRun, runBody, send } from '../helpers/local-server.js';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A viewer-like handler serving /viewer and /viewer/echo, recording every path it is asked about. */
function viewerRoutes(asked: string[]) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    asked.push(`${req.method ?? ''} ${path}`);
    if (path === '/viewer') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<h1>traces</h1>');
      return true;
    }
    if (path === '/viewer/echo' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`echo ${Buffer.concat(chunks).toString('utf8')}`);
      return true;
    }
    return false;
  };
}

async function text(target: LocalServer, path: string, init: RequestInit = {}): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(`${target.url}${path}`, init);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

describe('extraRoutes', () => {
  it('serves a custom path, synchronously or asynchronously, bypassing the API surface', async () => {
    const asked: string[] = [];
    server = await startLocalServer({ apiKey: 'secret', extraRoutes: viewerRoutes(asked) });
    expect(await text(server, '/viewer?trace=1')).toEqual({ status: 200, body: '<h1>traces</h1>', type: 'text/html' });
    expect(server.requests()).toEqual([]);
    server.faults.inject({ status: 503, times: Infinity });
    expect((await text(server, '/viewer')).status).toBe(200);

    const sync = await startLocalServer({
      extraRoutes: (_req, res) => {
        res.writeHead(204);
        res.end();
        return true;
      },
    });
    try {
      expect((await text(sync, '/anything')).status).toBe(204);
    } finally {
      await sync.close();
    }
  });

  it('hands the request body over unread', async () => {
    server = await startLocalServer({ extraRoutes: viewerRoutes([]) });
    expect((await text(server, '/viewer/echo', { method: 'POST', body: 'hello' })).body).toBe('echo hello');
  });

  it('falls through to the logged 404 when the handler declines', async () => {
    const asked: string[] = [];
    server = await startLocalServer({ extraRoutes: viewerRoutes(asked) });
    const res = await send(server, 'GET', '/elsewhere');
    expect(res).toMatchObject({ status: 404, json: { detail: 'Not Found' } });
    expect(asked).toEqual(['GET /elsewhere']);
    expect(server.requests()).toMatchObject([{ method: 'GET', path: '/elsewhere', status: 404 }]);
  });

  it('cannot shadow /runs, /runs/batch, /runs/{id}, /info, /health or /_local/*', async () => {
    const asked: string[] = [];
    server = await startLocalServer({
      extraRoutes: (req, res) => {
        asked.push(`${req.method ?? ''} ${req.url ?? ''}`);
        res.writeHead(299, { 'content-type': 'text/plain' });
        res.end('shadowed');
        return true;
      },
    });
    const run = runBody();
    expect((await postRun(server, run)).status).toBe(200);
    expect(server.run(run['id'] as string)).toBeDefined();
    const headers = { 'x-api-key': API_KEY, 'content-type': 'application/json' };
    const owned: [string, string, number][] = [
      ['GET', '/runs', 404],
      ['POST', '/runs/batch', 202],
      ['GET', '/runs/batch', 405],
      ['PATCH', `/runs/${run['id'] as string}`, 405],
      ['GET', `/runs/${run['id'] as string}`, 404],
      ['GET', '/info', 200],
      ['GET', '/health', 200],
      ['GET', '/_local/runs', 200],
      ['GET', '/_local/nope', 404],
      ['GET', '/_local', 404],
    ];
    for (const [method, path, status] of owned) {
      const res = await send(server, method as 'GET', path, method === 'GET' ? {} : { body: {}, headers });
      expect(res.status, `${method} ${path}`).toBe(status);
    }
    expect(asked).toEqual([]);
    expect(await text(server, '/runs-viewer')).toMatchObject({ status: 299, body: 'shadowed' });
    expect(asked).toEqual(['GET /runs-viewer']);
  });

  it('does not shadow the event stream', async () => {
    server = await startLocalServer({ extraRoutes: () => true });
    const res = await fetch(`${server.url}/_local/events`);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await res.body?.cancel();
  });

  it('turns a handler that throws into a 500 and keeps serving', async () => {
    server = await startLocalServer({
      extraRoutes: async (req) => {
        if (req.url === '/boom') throw new Error('viewer bug');
        return false;
      },
    });
    const res = await send(server, 'GET', '/boom');
    expect(res.status).toBe(500);
    expect(detailOf(res)).toContain('viewer bug');
    expect((await postRun(server, runBody())).status).toBe(200);
  });

  it('refuses a non-function', async () => {
    await expect(startLocalServer({ extraRoutes: 'viewer' as never })).rejects.toThrow(TypeError);
  });
});
