import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { API_KEY, detailOf, postRun, runBody, send, type HttpResult } from '../helpers/local-server.js';

let server: LocalServer;
beforeEach(async () => {
  server = await startLocalServer();
});
afterEach(async () => {
  await server.close();
});

function postBatch(target: LocalServer, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return send(target, 'POST', '/runs/batch', {
    body,
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json', ...headers },
  });
}

// start_time and the dotted_order timestamp it must produce, written out independently of the server.
const ROOT_START = '2024-05-01T12:00:00.123456Z';
const ROOT_STAMP = '20240501T120000123456Z';
const CHILD_START = '2024-05-01T12:00:00.200000Z';
const CHILD_STAMP = '20240501T120000200000Z';
const GRANDCHILD_START = '2024-05-01T12:00:00.200001Z';
const GRANDCHILD_STAMP = '20240501T120000200001Z';

/** A root run carrying the lineage batch ingestion requires. */
function rootRun(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = randomUUID();
  return runBody({ id, name: 'root', start_time: ROOT_START, trace_id: id, dotted_order: `${ROOT_STAMP}${id}`, ...overrides });
}

/** A child of `parent`, starting at CHILD_START unless `stamp`/`start` say otherwise. */
function childRun(
  parent: Record<string, unknown>,
  overrides: Record<string, unknown> = {},
  stamp = CHILD_STAMP,
  start = CHILD_START,
): Record<string, unknown> {
  const id = randomUUID();
  return runBody({
    id,
    name: 'child',
    parent_run_id: parent['id'],
    start_time: start,
    trace_id: parent['trace_id'],
    dotted_order: `${parent['dotted_order'] as string}.${stamp}${id}`,
    ...overrides,
  });
}

const idOf = (run: Record<string, unknown>): string => run['id'] as string;

describe('POST /runs/batch acceptance', () => {
  it('stores a parent and its child from one batch, in order, answering 202 {}', async () => {
    const root = rootRun();
    const child = childRun(root);
    const grandchild = childRun(child, { name: 'grandchild' }, GRANDCHILD_STAMP, GRANDCHILD_START);
    const res = await postBatch(server, { post: [root, child, grandchild], patch: [] });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({});
    expect(server.runs().map((run) => run.id)).toEqual([root, child, grandchild].map(idOf));
    expect(server.run(idOf(grandchild))).toMatchObject({
      trace_id: idOf(root),
      dotted_order: `${ROOT_STAMP}${idOf(root)}.${CHILD_STAMP}${idOf(child)}.${GRANDCHILD_STAMP}${idOf(grandchild)}`,
    });
    expect(server.formatTree(idOf(root)).split('\n').map((line) => line.split(' [')[0])).toEqual([
      'root',
      '  child',
      '    grandchild',
    ]);
  });

  it('records the batch in requests() with the posted ids', async () => {
    const root = rootRun();
    const child = childRun(root);
    await postBatch(server, { post: [root, child] });
    const [record] = server.requests();
    expect(record).toMatchObject({ method: 'POST', path: '/runs/batch', status: 202, runIds: [idOf(root), idOf(child)] });
    expect(record).not.toHaveProperty('runId');
    expect(record?.body).toEqual({ post: [root, child] });
  });

  it('records the posted ids of rejected batches too', async () => {
    const root = rootRun();
    await postBatch(server, { post: [root] }, { 'x-api-key': '' });
    await postBatch(server, { post: [root, { name: 'no id' }], patch: [] });
    expect(server.requests().map((r) => [r.status, r.runIds])).toEqual([
      [401, [idOf(root)]],
      [422, [idOf(root)]],
    ]);
  });

  it('accepts a child whose parent is stored already, by POST /runs or an earlier batch', async () => {
    const viaRuns = rootRun({ trace_id: undefined, dotted_order: undefined });
    expect((await postRun(server, viaRuns)).status).toBe(200);
    const viaBatch = rootRun();
    expect((await postBatch(server, { post: [viaBatch] })).status).toBe(202);
    const stored = server.run(idOf(viaRuns));
    const children = [childRun({ ...viaRuns, trace_id: stored?.trace_id, dotted_order: stored?.dotted_order }), childRun(viaBatch)];
    expect((await postBatch(server, { post: children })).status).toBe(202);
    expect(server.runs()).toHaveLength(4);
  });

  it.each([
    ['an empty object', {}],
    ['empty post and patch', { post: [], patch: [] }],
    ['null post and patch', { post: null, patch: null }],
  ])('accepts %s as an empty batch', async (_case, body) => {
    const res = await postBatch(server, body);
    expect(res).toMatchObject({ status: 202, json: {} });
    expect(server.runs()).toHaveLength(0);
  });

  it('compares the dotted_order timestamp with start_time at microsecond precision, after UTC conversion', async () => {
    const nanos = rootRun({ start_time: '2024-05-01T12:00:00.123456789Z' });
    const offset = rootRun({ start_time: '2024-05-01T14:00:00.123456+02:00' });
    const short = rootRun({ start_time: '2024-05-01T12:00:00.1234560Z' });
    expect((await postBatch(server, { post: [nanos, offset, short] })).status).toBe(202);
    const tenths = rootRun({ start_time: '2024-05-01T12:00:00.1Z' });
    tenths['dotted_order'] = `20240501T120000100000Z${idOf(tenths)}`;
    expect((await postBatch(server, { post: [tenths] })).status).toBe(202);
  });

  it('accepts ids and lineage differing only in letter case', async () => {
    const id = randomUUID();
    const root = runBody({ id, start_time: ROOT_START, trace_id: id.toUpperCase(), dotted_order: `${ROOT_STAMP}${id.toUpperCase()}` });
    const child = childRun(root, { parent_run_id: id.toUpperCase() });
    expect((await postBatch(server, { post: [root, child] })).status).toBe(202);
  });

  it('accepts a child starting at the same microsecond as its parent', async () => {
    const root = rootRun();
    expect((await postBatch(server, { post: [root, childRun(root, {}, ROOT_STAMP, ROOT_START)] })).status).toBe(202);
  });
});

describe('POST /runs/batch duplicates', () => {
  it('skips runs already stored, so a replayed batch succeeds and stores nothing twice', async () => {
    const root = rootRun({ name: 'first' });
    const child = childRun(root);
    expect((await postBatch(server, { post: [root, child] })).status).toBe(202);
    const replay = await postBatch(server, { post: [{ ...root, name: 'second' }, child] });
    expect(replay).toMatchObject({ status: 202, json: {} });
    expect(server.runs()).toHaveLength(2);
    expect(server.run(idOf(root))?.name).toBe('first');
    expect(server.requests()[1]).toMatchObject({
      status: 202,
      detail: `2 run(s) already stored or repeated in the batch, skipped: ${idOf(root)}, ${idOf(child)}`,
    });
  });

  it('stores the new runs of a batch that repeats stored ones', async () => {
    const root = rootRun();
    await postBatch(server, { post: [root] });
    const child = childRun(root);
    expect((await postBatch(server, { post: [root, child] })).status).toBe(202);
    expect(server.runs().map((run) => run.id)).toEqual([idOf(root), idOf(child)]);
  });

  it('stores a run repeated within one batch once, the first copy', async () => {
    const root = rootRun({ name: 'first' });
    expect((await postBatch(server, { post: [root, { ...root, name: 'second' }] })).status).toBe(202);
    expect(server.runs().map((run) => run.name)).toEqual(['first']);
  });

  it('still validates a duplicate, rejecting the batch when it is malformed', async () => {
    const root = rootRun();
    await postBatch(server, { post: [root] });
    const res = await postBatch(server, { post: [{ ...root, run_type: 'agent' }] });
    expect(res.status).toBe(422);
    expect(detailOf(res)).toContain('run_type: must be one of');
  });
});

describe('POST /runs/batch: one bad run rejects the whole batch', () => {
  it('stores nothing when one run of several is invalid, naming that run', async () => {
    const root = rootRun();
    const child = childRun(root);
    const bad = childRun(root, { name: '' });
    const res = await postBatch(server, { post: [root, child, bad] });
    expect(res.status).toBe(422);
    expect(detailOf(res)).toBe(`batch rejected, nothing stored: post[2] run ${idOf(bad)}: name: must be a non-empty string`);
    expect(server.runs()).toHaveLength(0);
    expect(server.requests()[0]).toMatchObject({ status: 422, detail: detailOf(res) });
  });

  it('lists the problems of every bad run', async () => {
    const root = rootRun();
    const badType = childRun(root, { run_type: 'agent' });
    const badTrace = childRun(root, { trace_id: randomUUID() });
    const { trace_id: _t, ...noTrace } = rootRun({ name: 'lost' });
    const res = await postBatch(server, { post: [root, badType, badTrace, noTrace] });
    expect(res.status).toBe(422);
    const problems = detailOf(res).replace('batch rejected, nothing stored: ', '').split('; ');
    expect(problems).toEqual([
      `post[1] run ${idOf(badType)} ("child"): run_type: must be one of llm, chain, tool, retriever, embedding, prompt, parser`,
      `post[2] run ${idOf(badTrace)} ("child"): trace_id ${badTrace['trace_id'] as string} does not match first part of dotted_order ${idOf(root)}`,
      `post[3] run ${noTrace['id'] as string} ("lost"): trace_id: required in a batch (only POST /runs derives it)`,
    ]);
    expect(server.runs()).toHaveLength(0);
  });

  it('answers with the status of the most fundamental problem: 422, then 400, then 404', async () => {
    const root = rootRun();
    const orphan = childRun(rootRun());
    const early = childRun(root, {}, '20240501T115959000000Z', '2024-05-01T11:59:59Z');
    expect((await postBatch(server, { post: [orphan] })).status).toBe(404);
    expect((await postBatch(server, { post: [orphan, root, early] })).status).toBe(400);
    expect((await postBatch(server, { post: [orphan, root, early, rootRun({ inputs: 'x' })] })).status).toBe(422);
    expect(server.runs()).toHaveLength(0);
  });

  it('rejects a child whose parent comes later in the same batch', async () => {
    const root = rootRun();
    const child = childRun(root);
    const res = await postBatch(server, { post: [child, root] });
    expect(res.status).toBe(400);
    expect(detailOf(res)).toBe(
      `batch rejected, nothing stored: post[0] run ${idOf(child)} ("child"): parent run ${idOf(root)} comes later in the batch ` +
        '(post[1]); a parent must be stored already or come earlier in the same batch',
    );
    expect(server.runs()).toHaveLength(0);
  });

  it('rejects a child whose parent is neither stored nor in the batch', async () => {
    const child = childRun(rootRun());
    const res = await postBatch(server, { post: [child] });
    expect(res.status).toBe(404);
    expect(detailOf(res)).toContain(`Parent run ${child['parent_run_id'] as string} not found, neither stored nor earlier in this batch`);
  });

  it('reports a rejected parent once, not again through its children', async () => {
    const root = rootRun({ inputs: [] });
    const child = childRun(root);
    const res = await postBatch(server, { post: [root, child] });
    expect(res.status).toBe(422);
    expect(detailOf(res)).toBe(`batch rejected, nothing stored: post[0] run ${idOf(root)} ("root"): inputs: must be an object`);
  });
});

describe('POST /runs/batch lineage requirements', () => {
  it.each(['trace_id', 'dotted_order'])('answers 422 naming a run without %s (null counts as missing)', async (field) => {
    for (const value of [undefined, null]) {
      const run = rootRun({ [field]: value });
      const res = await postBatch(server, { post: [run] });
      expect(res.status).toBe(422);
      expect(detailOf(res)).toBe(
        `batch rejected, nothing stored: post[0] run ${idOf(run)} ("root"): ${field}: required in a batch (only POST /runs derives it)`,
      );
    }
  });

  it('names a run without id by its index and name', async () => {
    const { id: _omitted, ...run } = rootRun({ name: 'anonymous' });
    const res = await postBatch(server, { post: [run] });
    expect(res.status).toBe(422);
    expect(detailOf(res)).toContain('post[0] run without id ("anonymous"): id: required');
  });

  it('validates each run with the POST /runs schema', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [rootRun({ span_id: 'abc' }), 'span_id: unknown field'],
      [rootRun({ inputs: undefined }), 'inputs: required'],
      [rootRun({ start_time: '2024-05-01' }), 'start_time: must be an ISO 8601 timestamp'],
      [rootRun({ end_time: '2024-05-01T11:00:00Z' }), 'end_time: must not be earlier than start_time'],
      [rootRun({ trace_id: 'trace' }), 'trace_id: must be a UUID'],
      [rootRun({ dotted_order: 7 }), 'dotted_order: must be a string'],
      [rootRun({ id: 'run-1' }), 'id: must be a UUID'],
    ];
    for (const [run, detail] of cases) {
      const res = await postBatch(server, { post: [run] });
      expect(res.status, detail).toBe(422);
      expect(detailOf(res)).toContain(detail);
    }
    const res = await postBatch(server, { post: ['run', [1]] });
    expect(detailOf(res)).toBe(
      'batch rejected, nothing stored: post[0] run without id: body: must be a JSON object; post[1] run without id: body: must be a JSON object',
    );
  });

  const mismatched = randomUUID();
  it.each<[string, (root: Record<string, unknown>) => Record<string, unknown>[], string]>([
    [
      'a root with two parts',
      () => {
        const run = rootRun();
        return [{ ...run, dotted_order: `${ROOT_STAMP}${mismatched}.${ROOT_STAMP}${idOf(run)}`, trace_id: mismatched }];
      },
      'dotted_order must contain a single part for root runs',
    ],
    [
      'a child with one part',
      (root) => {
        const child = childRun(root);
        return [root, { ...child, dotted_order: `${CHILD_STAMP}${idOf(child)}`, trace_id: idOf(child) }];
      },
      'dotted_order must contain at least two parts for child runs',
    ],
    [
      'a segment with 9 fraction digits',
      () => {
        const run = rootRun();
        return [{ ...run, dotted_order: `20240501T120000123456000Z${idOf(run)}` }];
      },
      "dotted_order part '20240501T120000123456000Z",
    ],
    [
      'a segment with 3 fraction digits',
      () => {
        const run = rootRun();
        return [{ ...run, dotted_order: `20240501T120000123Z${idOf(run)}` }];
      },
      'is not YYYYMMDDTHHMMSSffffffZ<uuid>',
    ],
    [
      'a segment with an impossible date',
      () => {
        const run = rootRun();
        return [{ ...run, dotted_order: `20240230T120000123456Z${idOf(run)}` }];
      },
      'is not YYYYMMDDTHHMMSSffffffZ<uuid>',
    ],
    [
      'a last uuid other than the id',
      () => [rootRun({ dotted_order: `${ROOT_STAMP}${mismatched}`, trace_id: mismatched })],
      `dotted_order last part uuid ${mismatched} does not match run id`,
    ],
    [
      'a trace_id other than the first uuid',
      () => [rootRun({ trace_id: mismatched })],
      `trace_id ${mismatched} does not match first part of dotted_order`,
    ],
    [
      "a root timestamp other than its start_time's",
      () => [rootRun({ start_time: '2024-05-01T12:00:00.123457Z' })],
      `dotted_order timestamp ${ROOT_STAMP} does not match start_time 2024-05-01T12:00:00.123457Z (20240501T120000123457Z)`,
    ],
    [
      "a child timestamp other than its start_time's",
      (root) => [root, childRun(root, {}, CHILD_STAMP, GRANDCHILD_START)],
      `dotted_order timestamp ${CHILD_STAMP} does not match start_time ${GRANDCHILD_START}`,
    ],
    [
      "a child dotted_order not extending its parent's",
      (root) => {
        const other = rootRun();
        const child = childRun(other, { parent_run_id: root['id'], trace_id: root['id'] });
        return [root, { ...child, dotted_order: `${ROOT_STAMP}${idOf(root)}.${ROOT_STAMP}${mismatched}.${CHILD_STAMP}${idOf(child)}` }];
      },
      'does not match parent dotted_order',
    ],
    [
      'a child starting before its parent',
      (root) => [root, childRun(root, {}, '20240501T120000123455Z', '2024-05-01T12:00:00.123455Z')],
      `dotted_order has timestamp 20240501T120000123455Z earlier than parent timestamp ${ROOT_STAMP}`,
    ],
  ])('answers 400 for %s', async (_case, makeRuns, detail) => {
    const res = await postBatch(server, { post: makeRuns(rootRun()) });
    expect(res.status).toBe(400);
    expect(detailOf(res)).toContain(detail);
    expect(server.runs()).toHaveLength(0);
  });

  it("names the parent's dotted_order a detached child fails to extend", async () => {
    const root = rootRun();
    const child = childRun(rootRun(), { parent_run_id: root['id'], trace_id: root['id'] });
    const given = (child['dotted_order'] as string).split('.')[0];
    const res = await postBatch(server, { post: [root, { ...child, trace_id: given?.slice(ROOT_STAMP.length) }] });
    expect(res.status).toBe(400);
    expect(detailOf(res)).toContain(`dotted_order ${given} does not match parent dotted_order ${ROOT_STAMP}${idOf(root)}`);
  });

  it('checks a child against a parent stored earlier, including its timestamp', async () => {
    const root = rootRun();
    await postBatch(server, { post: [root] });
    const res = await postBatch(server, { post: [childRun(root, {}, '20240501T120000000000Z', '2024-05-01T12:00:00Z')] });
    expect(res.status).toBe(400);
    expect(detailOf(res)).toContain(`dotted_order has timestamp 20240501T120000000000Z earlier than parent timestamp ${ROOT_STAMP}`);
  });
});

describe('POST /runs/batch request checks', () => {
  it('answers 401 without a key or with a wrong one', async () => {
    expect((await postBatch(server, { post: [rootRun()] }, { 'x-api-key': '' })).status).toBe(401);
    const keyed = await startLocalServer({ apiKey: 'secret-key' });
    try {
      expect((await postBatch(keyed, { post: [rootRun()] }, { 'x-api-key': 'other' })).status).toBe(401);
      expect((await postBatch(keyed, { post: [rootRun()] }, { 'x-api-key': 'secret-key' })).status).toBe(202);
    } finally {
      await keyed.close();
    }
    expect(server.runs()).toHaveLength(0);
  });

  it('answers 415 for a non-JSON content type and 422 for malformed JSON', async () => {
    expect((await postBatch(server, { post: [] }, { 'content-type': 'text/plain' })).status).toBe(415);
    const res = await postBatch(server, '{"post": [');
    expect(res.status).toBe(422);
    expect(detailOf(res)).toMatch(/^JSON parse error/);
  });

  it.each<[string, unknown, string]>([
    ['an array body', [rootRun()], 'body: must be a JSON object {"post": [...], "patch": [...]}'],
    ['post that is not an array', { post: rootRun() }, 'post: must be an array'],
    ['patch that is not an array', { patch: {} }, 'patch: must be an array'],
    ['an unknown top-level field', { post: [], runs: [] }, 'runs: unknown field (a batch holds post and patch)'],
  ])('answers 422 for %s', async (_case, body, detail) => {
    const res = await postBatch(server, body);
    expect(res.status).toBe(422);
    expect(detailOf(res)).toContain(detail);
  });

  it('refuses patch entries with 422, storing none of the posted runs', async () => {
    const root = rootRun();
    const res = await postBatch(server, { post: [root], patch: [{ id: idOf(root), outputs: {} }] });
    expect(res.status).toBe(422);
    expect(detailOf(res)).toBe(
      'patch: 1 entry refused: this local server only accepts complete runs in post (outputs, error and end_time ' +
        'included), as the otel-langsmith exporter sends them; it never patches',
    );
    expect(server.runs()).toHaveLength(0);
  });

  it('answers 405 for other methods on /runs/batch', async () => {
    for (const method of ['GET', 'PATCH', 'PUT'] as const) {
      const res = await send(server, method, '/runs/batch', { headers: { 'x-api-key': API_KEY } });
      expect(res.status, method).toBe(405);
      expect(res.headers['allow']).toBe('POST');
    }
  });

  it('enforces and reports the byte limit (413) and the run-count limit (422)', async () => {
    const small = await startLocalServer({ maxBodyBytes: 4000, maxBatchRuns: 2 });
    try {
      const info = await send(small, 'GET', '/info');
      expect(info.json).toEqual({ version: 'local', batch_ingest_config: { size_limit_bytes: 4000, size_limit: 2 } });

      const tooBig = await postBatch(small, { post: [rootRun({ inputs: { text: 'x'.repeat(5000) } })] });
      expect(tooBig.status).toBe(413);
      expect(detailOf(tooBig)).toContain('4000 bytes');

      const root = rootRun();
      const tooMany = await postBatch(small, { post: [root, childRun(root), childRun(root)] });
      expect(tooMany.status).toBe(422);
      expect(detailOf(tooMany)).toBe('batch holds 3 runs, more than size_limit 2 (see GET /info)');
      const withPatch = await postBatch(small, { post: [root, childRun(root)], patch: [{}] });
      expect(detailOf(withPatch)).toContain('batch holds 3 runs, more than size_limit 2');

      expect((await postBatch(small, { post: [root, childRun(root)] })).status).toBe(202);
      expect(small.runs()).toHaveLength(2);
      const batches = small.requests().filter((r) => r.path === '/runs/batch');
      expect(batches.map((r) => r.status)).toEqual([413, 422, 422, 202]);
    } finally {
      await small.close();
    }
  });

  it('defaults size_limit to 100 runs', async () => {
    const root = rootRun();
    const children = Array.from({ length: 100 }, () => childRun(root));
    expect(detailOf(await postBatch(server, { post: [root, ...children] }))).toContain('batch holds 101 runs, more than size_limit 100');
    expect((await postBatch(server, { post: [root, ...children.slice(1)] })).status).toBe(202);
    expect(server.runs()).toHaveLength(100);
  });

  it.each([0, -1, 1.5, Number.NaN, Infinity])('refuses maxBatchRuns %s', async (maxBatchRuns) => {
    await expect(startLocalServer({ maxBatchRuns })).rejects.toThrow(RangeError);
  });

  it('is subject to injected faults, like POST /runs', async () => {
    server.faults.inject({ status: 503, match: (req) => req.path === '/runs/batch' });
    const root = rootRun();
    expect((await postBatch(server, { post: [root] })).status).toBe(503);
    expect((await postBatch(server, { post: [root] })).status).toBe(202);
    expect(server.requests().map((r) => [r.status, r.runIds])).toEqual([
      [503, [idOf(root)]],
      [202, [idOf(root)]],
    ]);
  });

  it('makes waitForRuns resolve once the batch is stored', async () => {
    const root = rootRun();
    const waiting = server.waitForRuns(2, 5000);
    await postBatch(server, { post: [root, childRun(root)] });
    expect((await waiting).map((run) => run.id)).toEqual(server.runs().map((run) => run.id));
  });
});
