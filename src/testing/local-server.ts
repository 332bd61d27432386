import { setMaxListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createApiKeyCheck } from './api-key.js';
import type { ServerContext } from './context.js';
import { EventFeed } from './events.js';
import { FaultQueue } from './faults.js';
import { FeedbackStore } from './feedback.js';
import { KeyRateLimit } from './rate-limit.js';
import { createRequestListener } from './http-server.js';
import { isLoopback } from '../net/loopback.js';
import { RequestLog } from './request-log.js';
import { RunStore } from './store.js';
import { TraceQuietWatch } from './trace-quiet.js';
import { buildTraces, buildTree, formatTree } from './tree.js';
import type { LocalServer, LocalServerOptions } from './types.js';

const DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024;
const DEFAULT_TRACE_QUIET_MILLIS = 500;
const DEFAULT_WAIT_FOR_RUNS_MILLIS = 10_000;
const DEFAULT_MAX_BATCH_RUNS = 100;
const DEFAULT_EVENTS_HEARTBEAT_MILLIS = 15_000;

/** A LangSmith-compatible `POST /runs` endpoint that rejects what the real service rejects. */
export async function startLocalServer(opts: LocalServerOptions = {}): Promise<LocalServer> {
  const host = opts.host ?? '127.0.0.1';
  // Any non-empty API key is accepted by default, so exposing the server must be deliberate.
  if (!isLoopback(host) && !opts.allowNonLoopback) {
    throw new Error(`Refusing to listen on non-loopback host ${host}; pass allowNonLoopback: true to expose the local server`);
  }
  if (opts.apiKey === '') throw new RangeError('apiKey must not be empty: no request could match it');
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) throw new RangeError('maxBodyBytes must be a non-negative integer');
  const quietMillis = opts.traceQuietMillis ?? DEFAULT_TRACE_QUIET_MILLIS;
  if (!(Number.isFinite(quietMillis) && quietMillis >= 0)) throw new RangeError('traceQuietMillis must be a non-negative number');
  const maxBatchRuns = opts.maxBatchRuns ?? DEFAULT_MAX_BATCH_RUNS;
  if (!Number.isInteger(maxBatchRuns) || maxBatchRuns < 1) throw new RangeError('maxBatchRuns must be a positive integer');
  const heartbeatMillis = opts.eventsHeartbeatMillis ?? DEFAULT_EVENTS_HEARTBEAT_MILLIS;
  // setInterval caps its delay at 2^31 - 1 ms.
  if (!(Number.isFinite(heartbeatMillis) && heartbeatMillis >= 1 && heartbeatMillis <= 2 ** 31 - 1)) {
    throw new RangeError('eventsHeartbeatMillis must be a number from 1 to 2147483647');
  }
  if (opts.extraRoutes !== undefined && typeof opts.extraRoutes !== 'function') {
    throw new TypeError('extraRoutes must be a function');
  }

  const store = new RunStore();
  const feedback = new FeedbackStore();
  const faults = new FaultQueue();
  const requestLog = new RequestLog(opts.onRequest);
  const traceWatch = new TraceQuietWatch(quietMillis, opts.onTraceComplete);
  const shutdown = new AbortController();
  // Every delayed or hanging request listens to this one signal; Node's leak warning would misfire.
  setMaxListeners(0, shutdown.signal);
  const events = new EventFeed(store, heartbeatMillis, feedback);
  const reset = (): void => {
    store.clear();
    feedback.clear();
    requestLog.clear();
    faults.clear();
    traceWatch.clear();
  };
  const ctx: ServerContext = {
    maxBodyBytes,
    maxBatchRuns,
    checkApiKey: createApiKeyCheck(opts.apiKey),
    store,
    feedback,
    faults,
    rateLimit: opts.rateLimit ? new KeyRateLimit(opts.rateLimit) : undefined,
    requestLog,
    traceWatch,
    events,
    extraRoutes: opts.extraRoutes,
    shutdown: shutdown.signal,
    reset,
  };

  const server = createServer(createRequestListener(ctx));
  const sockets = trackSockets(server);
  await listen(server, opts.port ?? 0, host);
  const address = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    shutdown.abort();
    traceWatch.clear();
    store.rejectWaiters(new Error('waitForRuns: the local server was closed'));
    // Stop accepting first, so no new stream opens while the open ones end.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await events.closeAll();
    server.closeAllConnections();
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  return {
    url: `http://${urlHost(address)}:${address.port}`,
    port: address.port,
    runs: () => store.all(),
    run: (id) => store.get(id),
    feedback: (runId) => feedback.all(runId),
    requests: () => requestLog.all(),
    traces: () => buildTraces(store.all()),
    tree: (traceId) => buildTree(store.all(), traceId),
    formatTree: (traceId) => {
      const root = buildTree(store.all(), traceId);
      if (!root) throw new Error(`formatTree: no trace ${traceId} on the local server`);
      return formatTree(root);
    },
    waitForRuns: (count, timeoutMs = DEFAULT_WAIT_FOR_RUNS_MILLIS) =>
      store.waitFor(count, timeoutMs, () => requestLog.describeRecentRejections()),
    rateLimit: {
      set: (options) => {
        ctx.rateLimit = options ? new KeyRateLimit(options) : undefined;
      },
    },
    faults: {
      inject: (fault) => faults.inject(fault),
      clear: () => faults.clear(),
      pending: () => faults.pending(),
    },
    onRun: (listener) => {
      if (typeof listener !== 'function') throw new TypeError('onRun: listener must be a function');
      return store.subscribe({ added: listener });
    },
    reset,
    close: () => (closing ??= close()),
  };
}

/** Hanging and keep-alive sockets would otherwise hold close() open. */
function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A host clients on this machine can dial, even when bound to every interface. */
function urlHost({ address, family }: AddressInfo): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return family === 'IPv6' ? `[${address}]` : address;
}
