import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { diag } from '@opentelemetry/api';
import { ConfigError } from '../config/resolve-config.js';
import { LangSmithSpanExporter } from '../exporter/langsmith-span-exporter.js';
import { listensPublicly, resolveBridgeOptions, type BridgeOptions } from './bridge-options.js';
import { emptyBridgeCounters, type BridgeStats } from './bridge-stats.js';
import { startGrpcReceiver, type GrpcReceiver } from './grpc-server.js';
import { createRequestHandler } from './http-server.js';
import { Durability, notDurable, type RecoverySummary } from './journal/durability.js';
import { LogJoin, REAL_CLOCK, type JoinClock } from './log-join.js';
import { sharedSecretCheck } from './shared-secret.js';

/** A running OTLP → LangSmith bridge. */
export interface Bridge {
  /** e.g. 'http://127.0.0.1:4318'; OTLP/HTTP senders post to `${url}/v1/traces` and `${url}/v1/logs`. */
  url: string;
  port: number;
  /**
   * The OTLP/gRPC receiver, e.g. 'http://127.0.0.1:4317' (the form OTLP gRPC exporters take as
   * their endpoint; plaintext); undefined when `grpcPort: false`.
   */
  grpcUrl: string | undefined;
  /** The gRPC port actually bound (a free one for `grpcPort: 0`); undefined when off. */
  grpcPort: number | undefined;
  /** The exporter the bridge delivers through (its stats, forceFlush). */
  exporter: LangSmithSpanExporter;
  /** The bridge's counters, its requests in progress and the exporter's stats. */
  stats(): BridgeStats;
  /** With `dataDir`: what the start read back from it (spans handed to the exporter again). */
  recovered: RecoverySummary | undefined;
  /**
   * Stops accepting (new requests get 503, gRPC calls UNAVAILABLE with RetryInfo), waits up to
   * `drainTimeoutMillis` for requests in progress to be answered, closes the connections (gRPC:
   * GOAWAY, then cut after a short grace), then shuts the exporter down (bounded by its
   * `shutdownTimeoutMillis`). Idempotent.
   */
  close(): Promise<void>;
}

/** Not options, not public: what tests inject (`startBridgeWithInternals`). */
export interface BridgeInternals {
  /** The clock of the log join's waits (log-join.ts). */
  logJoinClock?: JoinClock;
}

/**
 * Starts an OTLP/HTTP trace receiver (`POST /v1/traces`, protobuf or JSON, gzip or not) and an
 * OTLP/gRPC one (`TraceService/Export`, gzip or not; `grpcPort`, default 4317) that hand every
 * span to a {@link LangSmithSpanExporter}: one LangSmith run per span, parents first. Both
 * receivers share every step after reading the request (receive-traces.ts).
 * Spans whose parent is in another service wait for it (`remoteParents: 'wait'`), since that
 * service's spans come through the same bridge. Both also take OTLP logs (`POST /v1/logs`,
 * `LogsService/Export`), whose GenAI records join their spans' runs (log-join.ts).
 *
 * @throws ConfigError for an invalid option; rejects when a port cannot be bound.
 */
export function startBridge(options: BridgeOptions = {}): Promise<Bridge> {
  return startBridgeWithInternals(options, {});
}

/** {@link startBridge} with what tests inject (the log join's clock). */
export async function startBridgeWithInternals(options: BridgeOptions, internals: BridgeInternals): Promise<Bridge> {
  const resolved = resolveBridgeOptions(options);
  if (listensPublicly(resolved.host) && resolved.sharedSecret === undefined) {
    if (!resolved.allowNoSecret) throw new ConfigError(`host ${resolved.host} is reachable from other machines: set sharedSecret (or allowNoSecret: true)`);
    diag.warn(`otel-langsmith bridge: listening on ${resolved.host} without a shared secret; anyone who can reach it can send traces to LangSmith`);
  }
  // With a data directory, the journal is opened (and read) before the exporter exists, so the
  // exporter can report every run's final state to it, and given back to the exporter before
  // the bridge listens, so a restart continues where the killed bridge stopped.
  const durability = resolved.dataDir === undefined ? undefined : await Durability.open(resolved.dataDir, resolved.dataDirLimits);
  let exporter: LangSmithSpanExporter;
  let recovered: RecoverySummary | undefined;
  try {
    exporter = new LangSmithSpanExporter(resolved.exporter, { ...durability?.exporterInternals, spansFromElsewhere: true });
  } catch (error) {
    await durability?.close();
    throw error;
  }
  const counters = emptyBridgeCounters();
  const logJoin = new LogJoin(resolved.logJoin, internals.logJoinClock ?? REAL_CLOCK, (spanId) => durability?.releaseLogs(spanId));
  const active = new Set<Promise<unknown>>();
  let draining = false;

  const stats = (): BridgeStats => ({
    ...counters,
    activeRequests: active.size,
    exporter: exporter.stats(),
    durability: durability?.report() ?? notDurable(),
    logs: logJoin.stats(),
  });
  const shared = {
    options: resolved,
    exporter,
    counters,
    authorized: sharedSecretCheck(resolved.sharedSecret),
    draining: () => draining,
    durability,
    logJoin,
    track(done: Promise<unknown>) {
      active.add(done);
      void done.finally(() => active.delete(done));
    },
  };
  let grpc: GrpcReceiver | undefined;
  const server: Server = createServer(
    createRequestHandler({ ...shared, stats, listening: () => ({ httpPort: (server.address() as AddressInfo).port, grpcPort: grpc?.port ?? null }) }),
  );

  // A connection that never sends a byte is otherwise held forever (headersTimeout starts with a request).
  server.timeout = 60_000;
  try {
    recovered = await durability?.recover(exporter, logJoin);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(resolved.port, resolved.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    if (resolved.grpcPort !== undefined) {
      const maxMessageBytes = Math.min(resolved.maxBodyBytes, resolved.maxDecompressedBytes);
      grpc = await startGrpcReceiver(shared, resolved.host, resolved.grpcPort, maxMessageBytes);
    }
  } catch (error) {
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    durability?.beginClose();
    await exporter.shutdown();
    await durability?.close();
    throw error;
  }

  const port = (server.address() as AddressInfo).port;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  let closing: Promise<void> | undefined;

  const drain = async (): Promise<void> => {
    draining = true;
    // Spans waiting for their log records go now, with what they have.
    logJoin.releaseAll();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // gRPC keeps listening meanwhile: calls get UNAVAILABLE with RetryInfo from the shared step.
    await settledWithin([...active], resolved.drainTimeoutMillis);
    server.closeAllConnections();
    await Promise.all([closed, grpc?.shutdown(Math.min(GRPC_SHUTDOWN_GRACE_MILLIS, resolved.drainTimeoutMillis))]);
    // With a data directory, runs still waiting for a parent stay there for the next start
    // (the exporter keeps them rather than send them as orphans), and so does a run that fails
    // because the shutdown deadline cut its delivery short.
    // Records still waiting for their spans: kept in the data directory for the next start, or
    // (without one) lost here, which is counted and said.
    logJoin.stopTimers();
    if (!durability) logJoin.dropAllWaiting('the bridge stopped before their spans arrived');
    durability?.beginClose();
    await exporter.shutdown();
    await durability?.close();
  };

  return {
    url: `http://${host}:${port}`,
    port,
    grpcUrl: grpc ? `http://${host}:${grpc.port}` : undefined,
    grpcPort: grpc?.port,
    exporter,
    stats,
    recovered,
    close: () => (closing ??= drain()),
  };
}

/** After the drain, how long gRPC connections get to close by themselves (GOAWAY) before they are cut. */
const GRPC_SHUTDOWN_GRACE_MILLIS = 1000;

/** Waits for the promises, or for the timeout, whichever comes first. */
async function settledWithin(promises: Promise<unknown>[], timeoutMillis: number): Promise<void> {
  if (promises.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMillis);
  });
  await Promise.race([Promise.allSettled(promises), timeout]);
  clearTimeout(timer);
}
