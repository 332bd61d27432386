// HttpTransport drives undici's `dispatch` with its own response collector: status, headers,
// a capped body, one deadline for the whole response, abort signals. Real servers on 127.0.0.1.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpTransport } from '../../src/transport/http-transport.js';

const KEY = 'lsv2_pt_transport_test_key_0123456789';
const servers: Array<() => Promise<void>> = [];

async function serve(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; closed: Socket[] }> {
  const closed: Socket[] = [];
  const server = createServer(handle);
  server.on('connection', (socket) => socket.on('close', () => closed.push(socket)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, closed };
}

function transport(url: string, options: Partial<ConstructorParameters<typeof HttpTransport>[0]> = {}) {
  return new HttpTransport({ endpoint: url, headers: { 'x-api-key': KEY }, connections: 2, requestTimeoutMillis: 5000, ...options });
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((close) => close()));
});

describe('HttpTransport', () => {
  it('returns status, lower-case headers and the body, sent with the key and the JSON content type', async () => {
    const seen: Array<{ method?: string; url?: string; key?: string | string[]; type?: string; body: string }> = [];
    const { url } = await serve((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, key: req.headers['x-api-key'], type: req.headers['content-type'], body });
        res.writeHead(429, { 'Retry-After': '7', 'X-Twice': ['a', 'b'] }).end('{"detail":"slow down"}');
      });
    });
    const t = transport(`${url}/api/v1/`);
    const response = await t.post('/runs', '{"id":"é"}');
    expect(response).toEqual({ status: 429, headers: expect.objectContaining({ 'retry-after': '7', 'x-twice': ['a', 'b'] }), body: '{"detail":"slow down"}' });
    expect(seen).toEqual([{ method: 'POST', url: '/api/v1/runs', key: KEY, type: 'application/json', body: '{"id":"é"}' }]);
    await t.close();
  });

  it('assembles a body that arrives in pieces, and never returns the API key a server echoes', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(401);
      res.write(`{"detail":"bad key ${KEY.slice(0, 10)}`);
      setTimeout(() => res.end(`${KEY.slice(10)} for ünïcode"}`), 20);
    });
    const t = transport(url);
    const response = await t.get('/info');
    expect(response.body).toBe('{"detail":"bad key [REDACTED] for ünïcode"}');
    await t.close();
  });

  it('reads at most maxResponseBytes of a body and drops the connection', async () => {
    const { url, closed } = await serve((_req, res) => res.writeHead(500).end('x'.repeat(4 * 1024 * 1024)));
    const t = transport(url, { maxResponseBytes: 1000 });
    const response = await t.post('/runs', '{}');
    expect(response.status).toBe(500);
    expect(response.body).toBe('x'.repeat(1000));
    await expect.poll(() => closed.length).toBe(1); // the rest of the body is never read
    await t.close();
  });

  it('gives a response that is not complete within requestTimeoutMillis up, even while bytes still trickle in', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      const timer = setInterval(() => res.write(' '), 20);
      res.on('close', () => clearInterval(timer));
    });
    const t = transport(url, { requestTimeoutMillis: 200 });
    await expect(t.post('/runs', '{}')).rejects.toMatchObject({ code: 'UND_ERR_BODY_TIMEOUT' });
    await t.destroy();
  });

  it('ends a request when its signal aborts, before or after it started', async () => {
    const { url } = await serve(() => {}); // never answers
    const t = transport(url);
    const controller = new AbortController();
    const pending = t.get('/info', controller.signal);
    setTimeout(() => controller.abort(new Error('stop now')), 50);
    await expect(pending).rejects.toThrow('stop now');
    await expect(t.get('/info', AbortSignal.abort(new Error('already stopped')))).rejects.toThrow('already stopped');
    await t.destroy();
  });

  it('fails a request on a destroyed transport instead of throwing', async () => {
    const { url } = await serve((_req, res) => res.end('{}'));
    const t = transport(url);
    await t.destroy();
    await expect(t.post('/runs', '{}')).rejects.toThrow();
  });
});
