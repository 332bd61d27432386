import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { deliverWithRetry } from '../../src/delivery/deliver-with-retry.js';
import { Throttle } from '../../src/delivery/throttle.js';
import { replaySpool } from '../../src/replay/replay-spool.js';
import { HttpTransport } from '../../src/transport/http-transport.js';
import { captureDiag, exportOnce, exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { recordingTracer } from '../helpers/tracing.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
});
afterAll(() => server.close());

function oneSpan(name = 'op') {
  const { tracer, spans } = recordingTracer();
  tracer.startSpan(name).end();
  return spans();
}

/** A raw HTTP server on 127.0.0.1 whose nth request gets `handlers[n]` (the last one repeats). */
async function scriptedServer(handlers: Array<(req: IncomingMessage, res: ServerResponse) => void>) {
  let count = 0;
  const seen: string[] = [];
  const http = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push(Buffer.concat(chunks).toString());
      handlers[Math.min(count++, handlers.length - 1)]!(req, res);
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => (http.closeAllConnections(), http.close(() => r()))),
  };
}

const ok = (_req: IncomingMessage, res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');

describe('network faults', () => {
  it('a slow drip body times out the attempt, which is retried; shutdown stays bounded', async () => {
    const drip = await scriptedServer([
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        const timer = setInterval(() => res.write(' '), 50); // a byte every 50 ms: never done in time
        res.on('close', () => clearInterval(timer));
      },
      ok,
    ]);
    const exporter = exporterFor(server, { endpoint: drip.url, requestTimeoutMillis: 300 });
    const result = await exportOnce(exporter, oneSpan());
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(drip.seen).toHaveLength(2);
    expect(exporter.stats()).toMatchObject({ runsDelivered: 1, retries: 1 });
    const started = Date.now();
    await exporter.shutdown();
    expect(Date.now() - started).toBeLessThan(2000);
    await drip.close();
  });

  it('a huge error body is read only up to its cap, then the retry succeeds', async () => {
    const huge = await scriptedServer([(_req, res) => res.writeHead(500).end('x'.repeat(20 * 1024 * 1024)), ok]);
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server, { endpoint: huge.url });
      const result = await exportOnce(exporter, oneSpan());
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expect(huge.seen).toHaveLength(2);
      await exporter.shutdown();
    } finally {
      diagLines.restore();
      await huge.close();
    }
  });

  it('a DNS failure is retried as an unreachable server and reported with its code', async () => {
    const transport = new HttpTransport({
      endpoint: 'http://langsmith.invalid',
      headers: {},
      connections: 1,
      requestTimeoutMillis: 1000,
      // No real lookup leaves this machine: the resolver is replaced by one that fails like DNS does.
      connect: {
        lookup: ((_host: string, _options: unknown, callback: (error: Error) => void) =>
          callback(Object.assign(new Error('getaddrinfo ENOTFOUND langsmith.invalid'), { code: 'ENOTFOUND' }))) as never,
      },
    });
    const throttle = new Throttle();
    const outcome = await deliverWithRetry('/runs', '{}', Date.now(), {
      transport,
      throttle,
      signal: new AbortController().signal,
      policy: { maxAttempts: 3, initialBackoffMillis: 10, maxBackoffMillis: 20, maxElapsedMillis: 5000 },
    });
    expect(outcome).toMatchObject({ kind: 'failed', attempts: 3 });
    expect(outcome.kind === 'failed' && outcome.reason).toMatch(/ENOTFOUND.*after 3 attempts/);
    await transport.destroy();
  });

  it('the server down past the retry budget, then back: failed runs spooled, later ones delivered, replay completes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outage-'));
    const outage = await startLocalServer({ apiKey: TEST_KEY });
    const { port, url } = outage;
    await outage.close();
    const diagLines = captureDiag();
    try {
      const exporter = exporterFor(server, { endpoint: url, failedRunsDir: dir, retry: { maxElapsedMillis: 300 } });
      const during = await exportOnce(exporter, oneSpan('during outage'));
      expect(during.code).toBe(ExportResultCode.FAILED);
      const back = await startLocalServer({ apiKey: TEST_KEY, port });
      const after = await exportOnce(exporter, oneSpan('after recovery'));
      expect(after.code).toBe(ExportResultCode.SUCCESS);
      const started = Date.now();
      await exporter.shutdown();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(exporter.stats()).toMatchObject({ runsSpooled: 1, runsDelivered: 1 });
      expect(await replaySpool(dir, { endpoint: url, apiKey: TEST_KEY, env: {} })).toMatchObject({ delivered: 1, remaining: 0 });
      expect(back.runs().map((r) => r.name).sort()).toEqual(['after recovery', 'during outage']);
      await back.close();
    } finally {
      diagLines.restore();
    }
  });
});

const opensslAvailable = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!opensslAvailable) console.warn('exporter-faults-network: TLS test skipped, openssl is not installed');

describe.runIf(opensslAvailable)('TLS', () => {
  it('reaches an https endpoint signed by a private CA given through options, and refuses it without', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tls-'));
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=otel-langsmith test CA');
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'ext.cnf');
    const received: string[] = [];
    const https = createHttpsServer({ key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) }, (req, res) => {
      req.resume().on('end', () => {
        received.push(req.url ?? '');
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
    const diagLines = captureDiag();
    try {
      const trusting = exporterFor(server, { endpoint: url, tls: { ca: readFileSync(join(dir, 'ca.pem'), 'utf8') } });
      expect((await exportOnce(trusting, oneSpan())).code).toBe(ExportResultCode.SUCCESS);
      await trusting.shutdown();
      const distrusting = exporterFor(server, { endpoint: url, retry: { maxAttempts: 1 } });
      const refused = await exportOnce(distrusting, oneSpan());
      expect(refused.code).toBe(ExportResultCode.FAILED);
      expect(refused.error?.message).toMatch(/certificate|UNABLE_TO_VERIFY|SELF_SIGNED/i);
      await distrusting.shutdown();
      expect(received).toEqual(['/runs']);
    } finally {
      diagLines.restore();
      https.closeAllConnections();
      https.close();
    }
  });
});
