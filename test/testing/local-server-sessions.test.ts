import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { API_KEY, detailOf, postRun, runBody, send } from '../helpers/local-server.js';

// GET /sessions: LangSmith's project list, read-only and authenticated as POST /runs is, so
// `otel-langsmith doctor` can prove a key against the local server without writing anything.
let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: API_KEY });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe('GET /sessions', () => {
  it('lists the projects runs were stored in, with an id and a name each, honouring limit', async () => {
    expect(await send(server, 'GET', '/sessions?limit=1', { headers: { 'x-api-key': API_KEY } })).toMatchObject({ status: 200, json: [] });
    expect((await postRun(server, runBody({ session_name: 'alpha' }))).status).toBe(200);
    expect((await postRun(server, runBody({ session_name: 'alpha' }))).status).toBe(200);
    expect((await postRun(server, runBody())).status).toBe(200); // no session_name: LangSmith's "default"

    const all = await send(server, 'GET', '/sessions', { headers: { 'x-api-key': API_KEY } });
    expect(all.status).toBe(200);
    const sessions = all.json as Array<{ id: string; name: string; run_count: number }>;
    expect(sessions.map((s) => [s.name, s.run_count])).toEqual([
      ['alpha', 2],
      ['default', 1],
    ]);
    for (const session of sessions) expect(session.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new Set(sessions.map((s) => s.id)).size).toBe(2);

    const one = await send(server, 'GET', '/sessions?limit=1', { headers: { 'x-api-key': API_KEY } });
    expect((one.json as unknown[]).length).toBe(1);
    const named = await send(server, 'GET', '/sessions?name=default', { headers: { 'x-api-key': API_KEY } });
    expect((named.json as Array<{ name: string }>).map((s) => s.name)).toEqual(['default']);
  });

  it('refuses a wrong or missing key with 401, as POST /runs does', async () => {
    const wrong = await send(server, 'GET', '/sessions?limit=1', { headers: { 'x-api-key': 'not-the-key' } });
    expect(wrong.status).toBe(401);
    expect(detailOf(wrong)).toBe('Unauthorized');
    expect((await send(server, 'GET', '/sessions?limit=1')).status).toBe(401);
  });

  it('writes nothing, rejects a bad limit with 422 and other methods with 405', async () => {
    expect((await send(server, 'GET', '/sessions?limit=0', { headers: { 'x-api-key': API_KEY } })).status).toBe(422);
    expect((await send(server, 'GET', '/sessions?limit=abc', { headers: { 'x-api-key': API_KEY } })).status).toBe(422);
    expect((await send(server, 'POST', '/sessions', { headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' }, body: {} })).status).toBe(405);
    expect(server.runs()).toEqual([]);
  });
});
