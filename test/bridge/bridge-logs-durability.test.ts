// GenAI log records acknowledged with 200 by a bridge with a data directory survive kill -9: the
// bridge (the CLI, a child process) takes the records, is killed with SIGKILL, and a bridge
// started on the same directory reads them back and joins them to their span when it comes. Also
// in process: a graceful stop keeps records still waiting, and records already joined to a
// delivered run are not read back again.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bridge } from 'otel-langsmith/bridge';
import { startBridgeWithInternals } from '../../src/bridge/start-bridge.js';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { jsonRequest, rawRequest, runIdOf, spanId, TEST_KEY } from '../helpers/bridge-harness.js';
import { genAiSpan, logProducer, ManualClock } from '../helpers/bridge-logs.js';
import { childEnv, startService } from '../helpers/polyglot-harness.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { until } from '../helpers/wait.js';

const CLI = join(REPO_ROOT, 'dist/cli.js');
const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const USER = 'Summarise the durability contract.';

async function setup(): Promise<{ server: LocalServer; dir: string }> {
  const server = await startLocalServer({ apiKey: TEST_KEY });
  const dir = mkdtempSync(join(tmpdir(), 'bridge-logs-durable-'));
  cleanup.push(() => server.close(), () => rmSync(dir, { recursive: true, force: true }));
  return { server, dir };
}

async function inProcessBridge(server: LocalServer, dir: string, clock: ManualClock): Promise<Bridge> {
  const bridge = await startBridgeWithInternals({ port: 0, grpcPort: false, endpoint: server.url, apiKey: TEST_KEY, env: {}, dataDir: dir }, { logJoinClock: clock });
  cleanup.push(() => bridge.close());
  return bridge;
}

async function postSpan(url: string, id: string): Promise<number> {
  const res = await rawRequest(`${url}/v1/traces`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(jsonRequest([genAiSpan(id)])) });
  return res.status;
}

describe('GenAI log records with a data directory', () => {
  it.skipIf(!existsSync(CLI))('acknowledged (200), then kill -9: the next bridge on the directory joins them to their span', async () => {
    const { server, dir } = await setup();
    const child = await startService(
      process.execPath,
      [CLI, 'bridge', '--port', '0', '--grpc-port', 'off', '--data-dir', dir, '--endpoint', server.url],
      childEnv({ LANGSMITH_API_KEY: TEST_KEY }),
      /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    );
    cleanup.push(() => child.stop(1000));
    const url = child.match[1]!;
    const producer = logProducer('protobuf', { url, grpcUrl: undefined });
    const id = spanId();
    expect((await producer.emit(id, 'gen_ai.user.message', { content: USER })).code).toBe(0);
    await producer.shutdown();
    child.child.kill('SIGKILL');
    await child.stop();

    const clock = new ManualClock();
    const second = await inProcessBridge(server, dir, clock);
    expect(second.recovered).toMatchObject({ logRecords: 1 });
    expect(second.stats().logs.waitingRecords).toBe(1);
    // Read back, not received: no GenAI logs flowed into this bridge, so the span does not wait.
    expect(await postSpan(second.url, id)).toBe(200);
    await server.waitForRuns(1);
    expect(JSON.stringify(server.runs()[0]!.inputs)).toContain(USER);
    expect(second.stats().logs).toMatchObject({ joined: 1, waitingRecords: 0 });
  });

  it('a graceful stop keeps waiting records for the next start; joined and delivered, they are not read back again', async () => {
    const { server, dir } = await setup();
    const clock = new ManualClock();
    const first = await inProcessBridge(server, dir, clock);
    const producer = logProducer('json', first);
    const id = spanId();
    await producer.emit(id, 'gen_ai.user.message', { content: USER });
    await producer.shutdown();
    await first.close();
    expect(first.stats().logs.unjoined).toBe(0);

    const second = await inProcessBridge(server, dir, clock);
    expect(second.recovered).toMatchObject({ logRecords: 1 });
    expect(await postSpan(second.url, id)).toBe(200);
    await server.waitForRuns(1);
    expect(JSON.stringify(server.runs().find((run) => run.id === runIdOf(id))!.inputs)).toContain(USER);
    // The run settled, and with it the logs request: its segment goes once it is not written to.
    await until(() => second.stats().durability.dataDir !== null && (second.stats().durability as { journal: { pendingRuns: number } }).journal.pendingRuns === 0);
    await second.close();

    const third = await inProcessBridge(server, dir, clock);
    expect(third.recovered).toMatchObject({ logRecords: 0, spans: 0 });
    expect(readdirSync(dir).filter((name) => name.startsWith('segment-'))).toEqual([]);
  });

  it('records given up on (expired) release their request from the directory', async () => {
    const { server, dir } = await setup();
    const clock = new ManualClock();
    const bridge = await inProcessBridge(server, dir, clock);
    const producer = logProducer('protobuf', bridge);
    await producer.emit(spanId(), 'gen_ai.user.message', { content: 'never joined' });
    await producer.shutdown();
    const journal = () => (bridge.stats().durability as { journal: { pendingRuns: number } }).journal;
    expect(journal().pendingRuns).toBe(1);
    clock.advance(30_000);
    expect(bridge.stats().logs.unjoined).toBe(1);
    expect(journal().pendingRuns).toBe(0);
  });
});
