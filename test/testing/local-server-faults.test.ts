import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { API_KEY, postRun, runBody, send } from '../helpers/local-server.js';
import { until } from '../helpers/wait.js';

let server: LocalServer;
beforeEach(async () => {
  server = await startLocalServer();
});
afterEach(async () => {
  await server.close();
});

function rawPost(target: LocalServer, body: unknown = runBody()): ReturnType<typeof request> {
  return request(`${target.url}/runs`, {
    method: 'POST',
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('status faults', () => {
  it('answers with the status and Retry-After without storing, once by default', async () => {
    server.faults.inject({ status: 429, retryAfter: '1' });
    const run = runBody();
    const faulted = await postRun(server, run);
    expect(faulted.status).toBe(429);
    expect(faulted.headers['retry-after']).toBe('1');
    expect(faulted.json).toEqual({ detail: 'injected fault' });
    expect(server.runs()).toHaveLength(0);
    expect(server.faults.pending()).toBe(0);
    expect((await postRun(server, run)).status).toBe(200);
    expect(server.requests().map((r) => r.status)).toEqual([429, 200]);
  });

  it('sends a malformed Retry-After verbatim and a custom body', async () => {
    server.faults.inject({ status: 503, retryAfter: 'garbage', body: { error: 'overloaded' } });
    const res = await postRun(server, runBody());
    expect(res).toMatchObject({ status: 503, json: { error: 'overloaded' } });
    expect(res.headers['retry-after']).toBe('garbage');
  });
});

describe('connection faults', () => {
  it('resets before headers: the client sees a socket error and nothing is stored', async () => {
    server.faults.inject({ reset: 'before-headers' });
    await expect(rawPost(server)).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(server.runs()).toHaveLength(0);
    expect(server.requests()).toMatchObject([{ status: 0, detail: 'injected fault: connection reset before headers' }]);
  });

  it('resets after headers: the client gets a 200 whose body fails', async () => {
    server.faults.inject({ reset: 'after-headers' });
    const res = await rawPost(server);
    expect(res.statusCode).toBe(200);
    await expect(res.body.text()).rejects.toThrow();
    expect(server.runs()).toHaveLength(0);
    expect(server.requests()[0]?.status).toBe(0);
  });

  it('hangs until close(), which then finishes promptly and fails the request', async () => {
    server.faults.inject({ hang: true });
    const pending = rawPost(server);
    const outcome = pending.then(
      () => 'answered',
      () => 'failed',
    );
    await until(() => server.requests().length === 1);
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await outcome).toBe('failed');
    expect(server.runs()).toHaveLength(0);
  });
});

describe('delay faults', () => {
  it('delays, then handles the request normally', async () => {
    server.faults.inject({ delayMs: 150 });
    const started = Date.now();
    const res = await postRun(server, runBody());
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(res.status).toBe(200);
    expect(server.runs()).toHaveLength(1);
  });

  it('delays, then applies the fault action', async () => {
    server.faults.inject({ delayMs: 100, status: 502 });
    const started = Date.now();
    expect((await postRun(server, runBody())).status).toBe(502);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('is cut short by close(), and the delayed run is never stored', async () => {
    server.faults.inject({ delayMs: 200 });
    const outcome = rawPost(server).then(
      () => 'answered',
      () => 'failed',
    );
    await until(() => server.faults.pending() === 0);
    await server.close();
    expect(await outcome).toBe('failed');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.runs()).toHaveLength(0);
    expect(server.requests()).toHaveLength(0);
  });
});

describe('fault selection', () => {
  it('applies the first matching fault with applications left, in injection order', async () => {
    server.faults.inject({ match: (req) => (req.body as { name?: string }).name === 'flaky', status: 500, times: 2 });
    server.faults.inject({ status: 503 });
    server.faults.inject({ status: 504 });
    expect(server.faults.pending()).toBe(3);

    const statusFor = async (name: string): Promise<number> => (await postRun(server, runBody({ name }))).status;
    expect(await statusFor('steady')).toBe(503);
    expect(await statusFor('flaky')).toBe(500);
    expect(await statusFor('flaky')).toBe(500);
    expect(server.faults.pending()).toBe(1);
    expect(await statusFor('flaky')).toBe(504);
    expect(await statusFor('flaky')).toBe(200);
  });

  it('keeps a times: Infinity fault until cleared', async () => {
    server.faults.inject({ match: (req) => req.path === '/info', status: 500, times: Infinity });
    for (let i = 0; i < 3; i += 1) expect((await send(server, 'GET', '/info')).status).toBe(500);
    expect((await postRun(server, runBody())).status).toBe(200);
    expect(server.faults.pending()).toBe(1);
    server.faults.clear();
    expect((await send(server, 'GET', '/info')).status).toBe(200);
  });

  it('never faults the /_local/ control endpoints', async () => {
    server.faults.inject({ status: 500, times: Infinity });
    expect((await send(server, 'GET', '/_local/runs')).status).toBe(200);
    expect((await send(server, 'DELETE', '/_local/state')).status).toBe(204);
    expect(server.faults.pending()).toBe(0);
  });

  it.each([
    [{}, 'needs delayMs, status, reset or hang'],
    [{ status: 500, hang: true }, 'at most one of'],
    [{ status: 99 }, 'status'],
    [{ status: 500, times: 0 }, 'times'],
    [{ delayMs: -1 }, 'delayMs'],
    [{ reset: 'later' }, 'reset'],
    [{ delayMs: 1, retryAfter: '1' }, 'need fault.status'],
    [{ status: 503, retryAfter: 'a\nb' }, 'retry-after'],
  ])('refuses the malformed fault %j', (fault, message) => {
    expect(() => server.faults.inject(fault as never)).toThrow(message);
    expect(server.faults.pending()).toBe(0);
  });
});

describe('POST /_local/faults', () => {
  it('injects a fault matched by path and run name, with times "Infinity"', async () => {
    const injected = await send(server, 'POST', '/_local/faults', {
      body: { path: '/runs', runName: 'flaky', status: 503, retryAfter: '2', times: 'Infinity' },
      headers: { 'content-type': 'application/json' },
    });
    expect(injected.status).toBe(204);
    for (let i = 0; i < 2; i += 1) {
      const res = await postRun(server, runBody({ name: 'flaky' }));
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('2');
    }
    expect((await postRun(server, runBody({ name: 'steady' }))).status).toBe(200);
  });

  it('answers 422 for unknown fields, a match function or invalid JSON', async () => {
    for (const body of [{ status: 500, match: 'x' }, { status: 'x' }, '{']) {
      const res = await send(server, 'POST', '/_local/faults', { body, headers: { 'content-type': 'application/json' } });
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
    expect(server.faults.pending()).toBe(0);
  });
});
