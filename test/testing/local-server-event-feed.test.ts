import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventFeed } from '../../src/testing/events.js';
import { RunStore } from '../../src/testing/store.js';
import { openSse } from '../helpers/sse-client.js';
import { until } from '../helpers/wait.js';

/** The feed behind a bare node:http server, to watch its bookkeeping from outside. */
let http: Server | undefined;
afterEach(async () => {
  http?.closeAllConnections();
  await new Promise((resolve) => http?.close(resolve) ?? resolve(undefined));
  http = undefined;
});

async function serve(feed: EventFeed): Promise<{ url: string }> {
  http = createServer((_req, res) => feed.open(res));
  await new Promise<void>((resolve) => http?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

describe('EventFeed bookkeeping', () => {
  it('unsubscribes from the store and forgets a client once it hangs up', async () => {
    const store = new RunStore();
    const feed = new EventFeed(store, 60_000);
    const target = await serve(feed);
    const [gone, staying] = await Promise.all([openSse(target), openSse(target)]);
    await Promise.all([gone.waitFor(1), staying.waitFor(1)]);
    expect(store.subscriberCount()).toBe(2);
    expect(feed.size).toBe(2);
    gone.destroy();
    await until(() => feed.size === 1);
    expect(store.subscriberCount()).toBe(1);
    staying.destroy();
    await until(() => feed.size === 0 && store.subscriberCount() === 0);
  });

  it('ends streams on closeAll() and answers 503 to streams opened after it', async () => {
    const store = new RunStore();
    const feed = new EventFeed(store, 60_000);
    const target = await serve(feed);
    const stream = await openSse(target);
    await stream.waitFor(1);
    await feed.closeAll();
    await stream.ended;
    expect(feed.size).toBe(0);
    expect(store.subscriberCount()).toBe(0);
    const late = await fetch(`${target.url}/_local/events`);
    expect(late.status).toBe(503);
    expect(await late.json()).toEqual({ detail: 'The local server is closing' });
  });

  it('resolves closeAll() after its grace period when a stream cannot flush', async () => {
    const store = new RunStore();
    const feed = new EventFeed(store, 60_000);
    let opened: ServerResponse | undefined;
    http = createServer((_req, res) => {
      opened = res;
      feed.open(res);
      // Simulate a peer that never drains: the end never finishes.
      res.end = (() => res) as typeof res.end;
    });
    await new Promise<void>((resolve) => http?.listen(0, '127.0.0.1', resolve));
    const stream = await openSse({ url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` });
    await stream.waitFor(1);
    expect(opened).toBeDefined();
    const started = Date.now();
    await feed.closeAll();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    stream.destroy();
  });
});
