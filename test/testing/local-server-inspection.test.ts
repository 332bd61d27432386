import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer, type RequestRecord, type RunNode, type StoredRun } from 'otel-langsmith/testing';
import { isLoopback } from '../../src/net/loopback.js';
import { postRun, runBody, send } from '../helpers/local-server.js';

let server: LocalServer;
beforeEach(async () => {
  server = await startLocalServer();
});
afterEach(async () => {
  await server.close();
});

/** agent → (search, then chat with an error), posted parents first. */
async function postAgentTrace(target: LocalServer, rootStart = '2024-05-01T12:00:00Z'): Promise<string> {
  const root = runBody({ name: 'agent', start_time: rootStart, end_time: '2024-05-01T12:00:00.120Z' });
  const chat = runBody({
    name: 'chat',
    run_type: 'llm',
    parent_run_id: root['id'],
    start_time: '2024-05-01T12:00:00.050Z',
    end_time: '2024-05-01T12:00:00.1005Z',
    error: 'RateLimitError: slow down\n  at stack',
  });
  const search = runBody({
    name: 'search',
    run_type: 'tool',
    parent_run_id: root['id'],
    start_time: '2024-05-01T12:00:00.010Z',
    end_time: '2024-05-01T12:00:00.040Z',
  });
  for (const run of [root, chat, search]) expect((await postRun(target, run)).status).toBe(200);
  return root['id'] as string;
}

const names = (node: RunNode): unknown => ({ [node.run.name]: node.children.map(names) });

describe('trees', () => {
  it('builds each trace with children ordered by start_time', async () => {
    const traceId = await postAgentTrace(server);
    expect(names(server.tree(traceId) as RunNode)).toEqual({ agent: [{ search: [] }, { chat: [] }] });
    expect(server.tree('0f4e8a3c-1d2b-4c5d-8e9f-0a1b2c3d4e5f')).toBeUndefined();
  });

  it('breaks start_time ties by dotted_order', async () => {
    const root = runBody({ name: 'root', start_time: '2024-05-01T12:00:00Z' });
    const later = runBody({ id: 'ffffffff-0000-4000-8000-000000000000', name: 'b', parent_run_id: root['id'], start_time: '2024-05-01T12:00:00Z' });
    const earlier = runBody({ id: '00000000-0000-4000-8000-000000000000', name: 'a', parent_run_id: root['id'], start_time: '2024-05-01T12:00:00Z' });
    for (const run of [root, later, earlier]) await postRun(server, run);
    expect(names(server.tree(root['id'] as string) as RunNode)).toEqual({ root: [{ a: [] }, { b: [] }] });
  });

  it('lists one root per trace, by root start_time', async () => {
    const late = await postAgentTrace(server, '2024-05-01T12:00:00.001Z');
    const early = await postAgentTrace(server, '2024-05-01T11:59:59Z');
    expect(server.traces().map((node) => node.run.id)).toEqual([early, late]);
  });

  it('formats a trace as indented lines with run_type, duration and error marker', async () => {
    const traceId = await postAgentTrace(server);
    expect(server.formatTree(traceId)).toBe(
      ['agent [chain] 120 ms', '  search [tool] 30 ms', '  chat [llm] 50.5 ms  ERROR: RateLimitError: slow down'].join('\n'),
    );
    await postRun(server, runBody({ name: 'open', end_time: undefined }));
    const open = server.runs().at(-1) as StoredRun;
    expect(server.formatTree(open.trace_id)).toBe('open [chain] (no end_time)');
    expect(() => server.formatTree('0f4e8a3c-1d2b-4c5d-8e9f-0a1b2c3d4e5f')).toThrow(/no trace/);
  });
});

describe('waitForRuns', () => {
  it('resolves once enough runs are stored', async () => {
    const waiting = server.waitForRuns(2, 2000);
    await postRun(server, runBody());
    await postRun(server, runBody());
    expect(await waiting).toHaveLength(2);
    expect(await server.waitForRuns(1)).toHaveLength(2);
  });

  it('rejects at the timeout, saying what was rejected meanwhile', async () => {
    await postRun(server, runBody({ name: '' }));
    const started = Date.now();
    await expect(server.waitForRuns(1, 100)).rejects.toThrow(
      /expected 1 runs within 100 ms, got 0; 1 rejected request\(s\), latest:\n {2}422 POST \/runs: name: must be a non-empty string/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('rejects pending waits on close()', async () => {
    const waiting = server.waitForRuns(1, 10_000);
    await server.close();
    await expect(waiting).rejects.toThrow(/closed/);
  });
});

describe('callbacks', () => {
  it('reports a trace complete once it has been quiet, and each request as answered', async () => {
    const completed: string[] = [];
    const answered: RequestRecord[] = [];
    const watched = await startLocalServer({
      traceQuietMillis: 100,
      onTraceComplete: (traceId) => completed.push(traceId),
      onRequest: (record) => answered.push(record),
    });
    try {
      const traceId = await postAgentTrace(watched);
      expect(completed).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(completed).toEqual([traceId]);
      expect(answered.map((r) => r.status)).toEqual([200, 200, 200]);
    } finally {
      await watched.close();
    }
  });

  it('restarts the quiet period on every run of the trace', async () => {
    const completed: number[] = [];
    const watched = await startLocalServer({ traceQuietMillis: 150, onTraceComplete: () => completed.push(Date.now()) });
    try {
      const root = runBody();
      await postRun(watched, root);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const lastRunAt = Date.now();
      await postRun(watched, runBody({ parent_run_id: root['id'] }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(completed).toHaveLength(1);
      expect((completed[0] ?? 0) - lastRunAt).toBeGreaterThanOrEqual(140);
    } finally {
      await watched.close();
    }
  });
});

describe('inspection endpoints', () => {
  it('serve runs, traces and requests without a key', async () => {
    const traceId = await postAgentTrace(server);
    const runs = await send(server, 'GET', '/_local/runs');
    expect(runs.status).toBe(200);
    expect(runs.json).toEqual(server.runs());
    const traces = await send(server, 'GET', '/_local/traces');
    expect((traces.json as RunNode[]).map((node) => node.run.id)).toEqual([traceId]);
    expect(traces.json).toEqual(server.traces());
    const requests = await send(server, 'GET', '/_local/requests');
    expect(requests.json).toEqual(server.requests());
    expect(server.requests()).toHaveLength(3);
  });

  it('DELETE /_local/state forgets runs, requests and faults', async () => {
    await postAgentTrace(server);
    server.faults.inject({ status: 500 });
    expect((await send(server, 'DELETE', '/_local/state')).status).toBe(204);
    expect(server.runs()).toEqual([]);
    expect(server.requests()).toEqual([]);
    expect(server.faults.pending()).toBe(0);
  });

  it('reset() forgets the same things', async () => {
    await postAgentTrace(server);
    server.faults.inject({ status: 500 });
    server.reset();
    expect([server.runs(), server.requests(), server.faults.pending()]).toEqual([[], [], 0]);
  });

  it('answer 404 for unknown control paths and 405 for wrong methods', async () => {
    expect((await send(server, 'GET', '/_local/nothing')).status).toBe(404);
    const wrong = await send(server, 'POST', '/_local/runs');
    expect(wrong.status).toBe(405);
    expect(wrong.headers['allow']).toBe('GET');
  });
});

describe('listening', () => {
  it('listens on 127.0.0.1 on an ephemeral port by default', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('refuses a non-loopback host unless allowNonLoopback', async () => {
    await expect(startLocalServer({ host: '0.0.0.0' })).rejects.toThrow(/non-loopback host 0\.0\.0\.0.*allowNonLoopback/);
    await expect(startLocalServer({ host: '192.168.1.10' })).rejects.toThrow(/non-loopback/);
  });

  it('refuses an empty apiKey, which no request could match', async () => {
    await expect(startLocalServer({ apiKey: '' })).rejects.toThrow(/apiKey must not be empty/);
  });

  it('treats only loopback addresses as local', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', 'example.com', '128.0.0.1']) expect(isLoopback(host), host).toBe(false);
  });

  it('closes idempotently', async () => {
    await postRun(server, runBody());
    await Promise.all([server.close(), server.close()]);
    await server.close();
    await expect(postRun(server, runBody())).rejects.toThrow();
  });
});
