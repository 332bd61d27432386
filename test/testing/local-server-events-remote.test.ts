import { afterEach, describe, expect, it, vi } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { send } from '../helpers/local-server.js';
import { openSse } from '../helpers/sse-client.js';

// Every test client here is on 127.0.0.1; this makes the server take it for a remote one.
const network = vi.hoisted(() => ({ clientsAreRemote: false }));
vi.mock('../../src/net/loopback.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/net/loopback.js')>();
  return { ...actual, isLoopback: (host: string): boolean => !network.clientsAreRemote && actual.isLoopback(host) };
});

let server: LocalServer | undefined;
afterEach(async () => {
  network.clientsAreRemote = false;
  await server?.close();
});

describe('GET /_local/events from a non-loopback client', () => {
  it('answers 403 instead of streaming', async () => {
    server = await startLocalServer();
    const local = await openSse(server);
    expect(local.res.statusCode).toBe(200);
    local.destroy();
    network.clientsAreRemote = true;
    const res = await send(server, 'GET', '/_local/events');
    expect(res.status).toBe(403);
    expect(res.json).toEqual({ detail: 'The /_local/ endpoints only answer loopback clients addressing a loopback host' });
  });
});
