import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Client, request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { API_KEY, detailOf, postRun, runBody, send } from '../helpers/local-server.js';

let server: LocalServer;
beforeEach(async () => {
  server = await startLocalServer();
});
afterEach(async () => {
  await server.close();
});

describe('POST /runs acceptance', () => {
  it('stores a root run and derives dotted_order and trace_id from start_time and id', async () => {
    const root = runBody({ start_time: '2024-05-01T12:00:00.123456Z' });
    const res = await postRun(server, root);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({});
    const stored = server.run(root['id'] as string);
    expect(stored).toMatchObject(root);
    expect(stored?.trace_id).toBe(root['id']);
    expect(stored?.dotted_order).toBe(`20240501T120000123456Z${root['id'] as string}`);
    expect(stored?.received_at).toBeGreaterThan(Date.now() - 5000);
  });

  it('derives child and grandchild lineage from their stored parents', async () => {
    const root = runBody({ start_time: '2024-05-01T12:00:00Z' });
    const child = runBody({ parent_run_id: root['id'], start_time: '2024-05-01T12:00:00.5Z' });
    const grandchild = runBody({ parent_run_id: child['id'], start_time: '2024-05-01T12:00:00.500001Z' });
    for (const run of [root, child, grandchild]) expect((await postRun(server, run)).status).toBe(200);

    const rootOrder = `20240501T120000000000Z${root['id'] as string}`;
    const childOrder = `${rootOrder}.20240501T120000500000Z${child['id'] as string}`;
    expect(server.run(child['id'] as string)).toMatchObject({ trace_id: root['id'], dotted_order: childOrder });
    expect(server.run(grandchild['id'] as string)).toMatchObject({
      trace_id: root['id'],
      dotted_order: `${childOrder}.20240501T120000500001Z${grandchild['id'] as string}`,
    });
    expect(server.runs().map((r) => r.id)).toEqual([root['id'], child['id'], grandchild['id']]);
  });

  it('converts offsets to UTC and pads or truncates the fraction to microseconds', async () => {
    const offset = runBody({ start_time: '2024-05-01T14:00:00.1+02:00', end_time: undefined });
    const nanos = runBody({ start_time: '2024-05-01T12:00:00.123456789', end_time: undefined });
    await postRun(server, offset);
    await postRun(server, nanos);
    expect(server.run(offset['id'] as string)?.dotted_order).toMatch(/^20240501T120000100000Z/);
    expect(server.run(nanos['id'] as string)?.dotted_order).toMatch(/^20240501T120000123456Z/);
  });

  it("accepts LangSmith's OTel-derived ids (zero version and variant nibbles)", async () => {
    const root = runBody({ id: '00000000-0000-0000-0102-030405060708' });
    const child = runBody({ id: '00000000-0000-0000-1112-131415161718', parent_run_id: root['id'] });
    expect((await postRun(server, root)).status).toBe(200);
    expect((await postRun(server, child)).status).toBe(200);
    expect(server.run('00000000-0000-0000-1112-131415161718')?.trace_id).toBe(root['id']);
  });

  it('generates an id for a run posted without one', async () => {
    const { id: _omitted, ...withoutId } = runBody();
    expect((await postRun(server, withoutId)).status).toBe(200);
    const [stored] = server.runs();
    expect(stored?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(server.requests()[0]?.runId).toBe(stored?.id);
  });

  it('treats optional fields sent as null as absent', async () => {
    const run = runBody({ parent_run_id: null, error: null, end_time: null, tags: null });
    expect((await postRun(server, run)).status).toBe(200);
    expect(server.run(run['id'] as string)).not.toHaveProperty('parent_run_id');
  });

  it('serves keep-alive requests on one connection', async () => {
    const client = new Client(server.url);
    let connects = 0;
    client.on('connect', () => (connects += 1));
    try {
      for (let i = 0; i < 3; i += 1) {
        const res = await client.request({
          path: '/runs',
          method: 'POST',
          headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
          body: JSON.stringify(runBody()),
        });
        expect(res.statusCode).toBe(200);
        await res.body.dump();
      }
    } finally {
      await client.close();
    }
    expect(connects).toBe(1);
    expect(server.runs()).toHaveLength(3);
  });
});

describe('POST /runs rejections', () => {
  it('answers 401 without an x-api-key, with an empty one, and never records the key', async () => {
    const headerSets: Record<string, string>[] = [
      { 'content-type': 'application/json' },
      { 'x-api-key': '', 'content-type': 'application/json' },
    ];
    for (const headers of headerSets) {
      const res = await send(server, 'POST', '/runs', { body: runBody(), headers });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ detail: 'Unauthorized' });
    }
    expect(server.runs()).toHaveLength(0);
    expect(server.requests().map((r) => r.apiKeyPresent)).toEqual([false, false]);
  });

  it('answers 401 for a wrong key when apiKey is configured and 200 for the right one', async () => {
    const keyed = await startLocalServer({ apiKey: 'secret-key' });
    try {
      const wrong = await postRun(keyed, runBody(), { 'x-api-key': 'secret-kez' });
      expect(wrong.status).toBe(401);
      expect(JSON.stringify(wrong.json)).not.toContain('secret');
      expect((await postRun(keyed, runBody(), { 'x-api-key': 'secret-key' })).status).toBe(200);
      expect(JSON.stringify(keyed.requests())).not.toContain('secret');
      expect(keyed.requests()[0]).toMatchObject({ status: 401, apiKeyPresent: true });
    } finally {
      await keyed.close();
    }
  });

  it('records x-tenant-id', async () => {
    await postRun(server, runBody(), { 'x-tenant-id': 'workspace-1' });
    expect(server.requests()[0]?.tenantId).toBe('workspace-1');
  });

  it('answers 413 for a body over maxBodyBytes, declared or streamed', async () => {
    const small = await startLocalServer({ maxBodyBytes: 1000 });
    try {
      const big = JSON.stringify(runBody({ inputs: { text: 'x'.repeat(5000) } }));
      const declared = await postRun(small, big);
      expect(declared.status).toBe(413);
      expect(detailOf(declared)).toContain('1000 bytes');
      async function* chunks(): AsyncGenerator<Buffer> {
        for (let i = 0; i < 50; i += 1) yield Buffer.alloc(64 * 1024, 'a');
      }
      const streamed = await request(`${small.url}/runs`, {
        method: 'POST',
        headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
        body: Readable.from(chunks()),
      });
      expect(streamed.statusCode).toBe(413);
      await streamed.body.dump();
      expect(small.runs()).toHaveLength(0);
      expect(small.requests().map((r) => r.status)).toEqual([413, 413]);
    } finally {
      await small.close();
    }
  });

  it('answers 415 for a non-JSON content type', async () => {
    const res = await postRun(server, runBody(), { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect((await postRun(server, runBody(), { 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
  });

  it('answers 422 naming a JSON parse error', async () => {
    const res = await postRun(server, '{"name": ');
    expect(res.status).toBe(422);
    expect(detailOf(res)).toMatch(/^JSON parse error/);
  });

  it('answers 409 for an id already stored, keeping the first run', async () => {
    const run = runBody({ name: 'first' });
    await postRun(server, run);
    const again = await postRun(server, { ...run, name: 'second' });
    expect(again.status).toBe(409);
    expect(again.json).toEqual({ detail: 'Run already exists' });
    expect(server.run(run['id'] as string)?.name).toBe('first');
  });

  it('answers 404 for a parent that is not stored', async () => {
    const parentId = randomUUID();
    const res = await postRun(server, runBody({ parent_run_id: parentId }));
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ detail: `Parent run ${parentId} not found` });
    expect(server.runs()).toHaveLength(0);
  });

  it('answers 400 for a child starting before its parent, as LangSmith does', async () => {
    const root = runBody({ start_time: '2024-05-01T12:00:00.002Z' });
    await postRun(server, root);
    const res = await postRun(server, runBody({ parent_run_id: root['id'], start_time: '2024-05-01T12:00:00.001Z' }));
    expect(res.status).toBe(400);
    expect(detailOf(res)).toBe(
      'dotted_order has timestamp 20240501T120000001000Z earlier than parent timestamp 20240501T120000002000Z',
    );
    expect((await postRun(server, runBody({ parent_run_id: root['id'], start_time: '2024-05-01T12:00:00.002Z' }))).status).toBe(
      200,
    );
  });
});

describe('POST /runs with a given dotted_order or trace_id', () => {
  const ts = '20240501T120000000000Z';

  it('accepts a consistent dotted_order and trace_id for root and child', async () => {
    const rootId = randomUUID();
    const childId = randomUUID();
    const rootOrder = `${ts}${rootId}`;
    const childOrder = `${rootOrder}.20240501T120000000001Z${childId}`;
    expect((await postRun(server, runBody({ id: rootId, dotted_order: rootOrder, trace_id: rootId }))).status).toBe(200);
    const child = runBody({ id: childId, parent_run_id: rootId, dotted_order: childOrder, trace_id: rootId });
    expect((await postRun(server, child)).status).toBe(200);
    expect(server.run(childId)).toMatchObject({ dotted_order: childOrder, trace_id: rootId });
  });

  it.each([
    ['a root with two parts', () => rootWith((id) => `${ts}${randomUUID()}.${ts}${id}`), 'dotted_order must contain a single part for root runs'],
    ['a segment with 9 fraction digits', () => rootWith((id) => `20240501T120000000000000Z${id}`), "dotted_order part '20240501T120000000000000Z"],
    ['a segment with 3 fraction digits', () => rootWith((id) => `20240501T120000000Z${id}`), 'is not YYYYMMDDTHHMMSSffffffZ<uuid>'],
    ['a last uuid other than the id', () => rootWith(() => `${ts}${randomUUID()}`), 'does not match run id'],
    ['a trace_id other than the first uuid', () => ({ ...runBody(), trace_id: randomUUID() }), 'does not match first part of dotted_order'],
  ])('answers 400 for %s', async (_case, makeBody, detail) => {
    const res = await postRun(server, makeBody());
    expect(res.status).toBe(400);
    expect(detailOf(res)).toContain(detail);
  });

  it('answers 400 for child dotted_orders that are too short, detached or mismatched in trace_id', async () => {
    const root = runBody({ start_time: '2024-05-01T12:00:00Z' });
    await postRun(server, root);
    const rootOrder = server.run(root['id'] as string)?.dotted_order ?? '';
    const childId = randomUUID();
    const cases: [Record<string, unknown>, string][] = [
      [{ dotted_order: `${ts}${childId}` }, 'dotted_order must contain at least two parts for child runs'],
      [{ dotted_order: `${ts}${randomUUID()}.${ts}${childId}` }, 'does not match parent dotted_order'],
      [{ dotted_order: `${rootOrder}.20240501T115959000000Z${childId}` }, 'earlier than parent timestamp'],
      [{ trace_id: childId }, `trace_id ${childId} does not match first part of dotted_order ${root['id'] as string}`],
    ];
    for (const [fields, detail] of cases) {
      const res = await postRun(server, runBody({ id: childId, parent_run_id: root['id'], ...fields }));
      expect(res.status, detail).toBe(400);
      expect(detailOf(res)).toContain(detail);
    }
    expect(server.runs()).toHaveLength(1);
  });
});

function rootWith(dottedOrder: (id: string) => string): Record<string, unknown> {
  const id = randomUUID();
  return runBody({ id, dotted_order: dottedOrder(id) });
}

describe('other endpoints', () => {
  it('answers PATCH /runs/:id with 405 and records it', async () => {
    const res = await send(server, 'PATCH', '/runs/0f4e8a3c-1d2b-4c5d-8e9f-0a1b2c3d4e5f', {
      body: { outputs: {} },
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(405);
    expect(detailOf(res)).toContain('single-request runs');
    expect(server.requests()).toMatchObject([
      { method: 'PATCH', status: 405, runId: '0f4e8a3c-1d2b-4c5d-8e9f-0a1b2c3d4e5f', body: { outputs: {} } },
    ]);
  });

  it('serves /info and /health without a key', async () => {
    const info = await send(server, 'GET', '/info');
    expect(info.status).toBe(200);
    expect(info.json).toEqual({
      version: 'local',
      batch_ingest_config: { size_limit_bytes: 20 * 1024 * 1024, size_limit: 100 },
    });
    expect(await send(server, 'GET', '/health')).toMatchObject({ status: 200, json: { status: 'ok' } });
  });

  it('answers 404 for anything else, the multipart endpoint included', async () => {
    for (const [method, path] of [
      ['GET', '/runs'],
      ['POST', '/runs/multipart'],
      ['GET', '/nope'],
    ] as const) {
      const res = await send(server, method, path, { headers: { 'x-api-key': API_KEY } });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json).toEqual({ detail: 'Not Found' });
    }
  });
});
