import { randomUUID } from 'node:crypto';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startLocalServer, type LocalServer, type StoredRun } from 'otel-langsmith/testing';
import { API_KEY, postRun, runBody, send } from '../helpers/local-server.js';
import { isRun, openSse, type SseMessage } from '../helpers/sse-client.js';

let server: LocalServer;
beforeEach(async () => {
  server = await startLocalServer();
});
afterEach(async () => {
  await server.close();
});

const runOf = (message: SseMessage): StoredRun => JSON.parse(message.data ?? 'null') as StoredRun;

/** A root and its child as one POST /runs/batch. */
function batchOfTwo(): { ids: string[]; body: unknown } {
  const rootId = randomUUID();
  const childId = randomUUID();
  const rootOrder = `20240501T120000000000Z${rootId}`;
  const post = [
    runBody({ id: rootId, name: 'batch-root', start_time: '2024-05-01T12:00:00Z', trace_id: rootId, dotted_order: rootOrder }),
    runBody({
      id: childId,
      name: 'batch-child',
      parent_run_id: rootId,
      start_time: '2024-05-01T12:00:00.5Z',
      trace_id: rootId,
      dotted_order: `${rootOrder}.20240501T120000500000Z${childId}`,
    }),
  ];
  return { ids: [rootId, childId], body: { post } };
}

describe('GET /_local/events', () => {
  it('sends the runs stored so far, then each new run as it is stored, in order', async () => {
    const first = runBody({ name: 'first' });
    const second = runBody({ name: 'second', parent_run_id: first['id'] });
    await postRun(server, first);
    await postRun(server, second);

    const stream = await openSse(server);
    try {
      expect(stream.res.statusCode).toBe(200);
      expect(stream.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(stream.res.headers['cache-control']).toContain('no-cache');
      const initial = await stream.waitFor(2, isRun);
      expect(initial.map(runOf)).toEqual(server.runs());

      const batch = batchOfTwo();
      const third = runBody({ name: 'third' });
      expect((await send(server, 'POST', '/runs/batch', { body: batch.body, headers: jsonHeaders })).status).toBe(202);
      expect((await postRun(server, third)).status).toBe(200);
      const all = await stream.waitFor(5, isRun);
      expect(all.map((m) => runOf(m).id)).toEqual([first['id'], second['id'], ...batch.ids, third['id']]);
      expect(all.map(runOf)).toEqual(server.runs());
      expect(stream.messages.filter((m) => !isRun(m) && m.comment === undefined)).toEqual([]);
    } finally {
      stream.destroy();
    }
  });

  it('sends nothing for rejected runs and a comment on connecting to an empty store', async () => {
    const stream = await openSse(server);
    try {
      await stream.waitFor(1);
      expect(stream.messages).toEqual([{ comment: 'connected' }]);
      await postRun(server, runBody({ name: '' }));
      const kept = runBody({ name: 'kept' });
      await postRun(server, kept);
      const [only] = await stream.waitFor(1, isRun);
      expect(only && runOf(only).id).toBe(kept['id']);
    } finally {
      stream.destroy();
    }
  });

  it('feeds every open stream', async () => {
    const streams = await Promise.all([openSse(server), openSse(server)]);
    try {
      const run = runBody();
      await postRun(server, run);
      for (const stream of streams) expect((await stream.waitFor(1, isRun)).map((m) => runOf(m).id)).toEqual([run['id']]);
    } finally {
      for (const stream of streams) stream.destroy();
    }
  });

  it('is ended cleanly by close(), which then completes', async () => {
    await postRun(server, runBody());
    const stream = await openSse(server);
    await stream.waitFor(1, isRun);
    await server.close();
    await expect(stream.ended).resolves.toBeUndefined();
    expect(stream.res.complete).toBe(true);
  });

  it('survives the store changing between close() ending the streams and their flushing', async () => {
    const stream = await openSse(server);
    await stream.waitFor(1);
    const closing = server.close();
    server.reset();
    await closing;
    await expect(stream.ended).resolves.toBeUndefined();
    expect(stream.messages.some((m) => m.event === 'reset')).toBe(false);
  });

  it('lets close() complete while a client is still connected and idle', async () => {
    const streams = await Promise.all([openSse(server), openSse(server)]);
    const started = Date.now();
    await server.close();
    await Promise.all(streams.map((s) => s.ended));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('stops feeding a client that hung up', async () => {
    const stream = await openSse(server);
    await stream.waitFor(1);
    stream.destroy();
    await new Promise((resolve) => stream.res.once('close', resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await postRun(server, runBody())).status).toBe(200);
    const other = await openSse(server);
    try {
      expect(await other.waitFor(1, isRun)).toHaveLength(1);
    } finally {
      other.destroy();
    }
  });

  it('sends event: reset when the store is cleared, then the runs stored after', async () => {
    await postRun(server, runBody());
    const stream = await openSse(server);
    try {
      await stream.waitFor(1, isRun);
      server.reset();
      expect((await send(server, 'DELETE', '/_local/state')).status).toBe(204);
      const after = runBody({ name: 'after' });
      await postRun(server, after);
      await stream.waitFor(2, isRun);
      const events = stream.messages.filter((m) => m.event !== undefined);
      expect(events.map((m) => m.event)).toEqual(['run', 'reset', 'reset', 'run']);
      expect(events[1]?.data).toBe('{}');
      expect(runOf(events[3] as SseMessage).id).toBe(after['id']);
    } finally {
      stream.destroy();
    }
  });

  it('sends heartbeat comments every eventsHeartbeatMillis', async () => {
    const quick = await startLocalServer({ eventsHeartbeatMillis: 30 });
    try {
      const stream = await openSse(quick);
      const beats = await stream.waitFor(2, (m) => m.comment === 'heartbeat');
      expect(beats).toHaveLength(2);
      stream.destroy();
    } finally {
      await quick.close();
    }
  });

  it('heartbeats every 15 s by default', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const stream = await openSse(server);
      await stream.waitFor(1);
      vi.advanceTimersByTime(14_999);
      await new Promise((resolve) => setImmediate(resolve));
      expect(stream.messages.filter((m) => m.comment === 'heartbeat')).toHaveLength(0);
      vi.advanceTimersByTime(1);
      await stream.waitFor(1, (m) => m.comment === 'heartbeat');
      stream.destroy();
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([0, -5, Number.NaN, 2 ** 31])('refuses eventsHeartbeatMillis %s', async (eventsHeartbeatMillis) => {
    await expect(startLocalServer({ eventsHeartbeatMillis })).rejects.toThrow(RangeError);
  });

  it('answers other methods with 405 and is not part of requests()', async () => {
    const res = await send(server, 'POST', '/_local/events', { body: {} });
    expect(res.status).toBe(405);
    expect(res.headers['allow']).toBe('GET');
    expect(server.requests()).toEqual([]);
  });
});

const jsonHeaders = { 'x-api-key': API_KEY, 'content-type': 'application/json' };

describe('onRun', () => {
  it('calls listeners with each newly stored run, in order, until unsubscribed', async () => {
    const before = runBody({ name: 'before' });
    await postRun(server, before);
    const seen: string[] = [];
    const unsubscribe = server.onRun((run) => seen.push(run.name));
    const batch = batchOfTwo();
    await send(server, 'POST', '/runs/batch', { body: batch.body, headers: jsonHeaders });
    await postRun(server, runBody({ name: 'single' }));
    await postRun(server, runBody({ name: '' }));
    unsubscribe();
    unsubscribe();
    await postRun(server, runBody({ name: 'after' }));
    expect(seen).toEqual(['batch-root', 'batch-child', 'single']);
  });

  it('hands over the stored run, lineage included', async () => {
    const seen: StoredRun[] = [];
    server.onRun((run) => seen.push(run));
    const run = runBody();
    await postRun(server, run);
    expect(seen).toEqual([server.run(run['id'] as string)]);
    expect(seen[0]?.dotted_order).toMatch(/^\d{8}T\d{12}Z/);
  });

  it('keeps storing and notifying when a listener throws, reporting it through diag', async () => {
    const errors: unknown[][] = [];
    const logger: DiagLogger = {
      error: (...args: unknown[]) => errors.push(args),
      warn: () => {},
      info: () => {},
      debug: () => {},
      verbose: () => {},
    };
    diag.setLogger(logger, DiagLogLevel.ERROR);
    try {
      const seen: string[] = [];
      server.onRun(() => {
        throw new Error('listener bug');
      });
      server.onRun((run) => seen.push(run.id));
      const run = runBody();
      expect((await postRun(server, run)).status).toBe(200);
      expect(seen).toEqual([run['id']]);
      expect(String(errors[0]?.[0])).toContain('run listener threw');
    } finally {
      diag.disable();
    }
  });

  it('subscribes the same function twice independently', async () => {
    const seen: string[] = [];
    const listener = (run: StoredRun): void => {
      seen.push(run.id);
    };
    const first = server.onRun(listener);
    server.onRun(listener);
    first();
    await postRun(server, runBody());
    expect(seen).toHaveLength(1);
  });
});
