import type { LangSmithExporterOptions } from '../config/options.js';
import { ConfigError } from '../config/resolve-config.js';
import { isLoopback } from '../net/loopback.js';
import type { JournalLimits } from './journal/journal.js';
import type { LogJoinOptions } from './log-join.js';

/** Options of {@link startBridge}: the exporter's, plus the OTLP/HTTP and OTLP/gRPC receivers'. */
export interface BridgeOptions extends LangSmithExporterOptions {
  /** OTLP/HTTP port. Default 4318 (OTLP/HTTP's); 0 picks a free one. */
  port?: number;
  /**
   * OTLP/gRPC port (`opentelemetry.proto.collector.trace.v1.TraceService/Export`, on the same
   * `host`). Default 4317 (OTLP/gRPC's), except that it is 0 when `port` is 0, so a bridge on a
   * free HTTP port never collides on 4317; 0 picks a free one (see `Bridge.grpcPort`); `false`
   * turns the gRPC receiver off. Plaintext (h2c) only, like the HTTP receiver: no TLS.
   */
  grpcPort?: number | false;
  /** Address to listen on (both receivers). Default '127.0.0.1'; any other must be given explicitly. */
  host?: string;
  /**
   * When set, every request to `/v1/traces` needs `Authorization: Bearer <secret>` (else 401), and
   * every gRPC export the same `authorization` metadata (else UNAUTHENTICATED).
   * Strongly advised on a non-loopback `host`.
   */
  sharedSecret?: string;
  /**
   * Listen on a non-loopback `host` without a shared secret (anyone who can reach the port could
   * write to your LangSmith project). Without it, that combination is a ConfigError.
   */
  allowNoSecret?: boolean;
  /**
   * Most bytes of a request body as sent (compressed or not); larger gets 413. Default 16 MiB.
   * gRPC has one limit per message, applied by grpc-js both as sent and after gunzip
   * (RESOURCE_EXHAUSTED above it): the smaller of this and `maxDecompressedBytes`.
   */
  maxBodyBytes?: number;
  /**
   * Most spans in one request, counted from the raw bytes before decoding (a small body can hold
   * millions of empty spans); more gets 413 (gRPC: RESOURCE_EXHAUSTED). Default 100 000 (the
   * Collector batches 8 192).
   */
  maxSpansPerRequest?: number;
  /** Most bytes of a body after gunzip; larger (a zip bomb) gets 413. Default 64 MiB. */
  maxDecompressedBytes?: number;
  /**
   * Backpressure: while the exporter's pending work (queued + held runs + requests in flight)
   * exceeds this, requests get 429 with Retry-After (gRPC: RESOURCE_EXHAUSTED with RetryInfo), so
   * the sender keeps the data. Default 50 000.
   */
  maxPendingRuns?: number;
  /** Retry-After (seconds) sent with 429 and 503, and gRPC's RetryInfo delay. Default 2. */
  retryAfterSeconds?: number;
  /** Most time `close()` waits for requests in flight before it closes their connections. Default 30 000. */
  drainTimeoutMillis?: number;
  /**
   * A directory of the bridge's own (created 0700; one bridge per directory, on a persistent
   * volume in production). With it, every request is written and fsynced there before the 200,
   * and stays until each of its spans is delivered (or refused for good, failed and counted,
   * spooled); a restart reads it back, spans waiting for a parent with their original deadline.
   * Without it, spans acknowledged but not yet delivered are lost if the bridge crashes or is
   * killed (`/health` and the CLI banner say so).
   */
  dataDir?: string;
  /** Most bytes in `dataDir`; past it requests get 503 + Retry-After (gRPC: UNAVAILABLE). Default 512 MiB. */
  maxDataDirBytes?: number;
  /** Most requests kept in `dataDir` (settled or not, until their segment is deleted); past it 503. Default 1 000 000. */
  maxDataDirRecords?: number;
  /** `dataDir` segment size: a segment is deleted once all its requests settled. Default 8 MiB. */
  dataDirSegmentBytes?: number;
  /**
   * OTLP logs (`/v1/logs`, `LogsService/Export`): how long a GenAI span (one with `gen_ai.*`
   * attributes) waits for its GenAI log records before it is mapped, and only while this bridge
   * has received GenAI log records in the last 10 minutes; with no such logs, spans never wait.
   * The request it came in waits with it (its 200 too). Default 2000 (the SDKs' log batch delay,
   * 1 s, plus a Collector's batching); 0: spans never wait (records that come after their span
   * are then counted `late`). CLI `--log-wait-ms`, env OTEL_LANGSMITH_BRIDGE_LOG_WAIT_MS.
   */
  logWaitMillis?: number;
  /** How long a GenAI log record waits for its span before it is counted `unjoined`. Default 30 000. */
  logRecordWaitMillis?: number;
  /** Most GenAI log records waiting for their spans; past it the oldest are counted `unjoined`. Default 10 000. */
  maxWaitingLogRecords?: number;
  /** Most bytes (estimated) of GenAI log records waiting for their spans. Default 32 MiB. */
  maxWaitingLogBytes?: number;
}

export interface ResolvedBridgeOptions {
  port: number;
  /** undefined: the gRPC receiver is off. */
  grpcPort: number | undefined;
  host: string;
  sharedSecret: string | undefined;
  allowNoSecret: boolean;
  maxBodyBytes: number;
  maxDecompressedBytes: number;
  maxSpansPerRequest: number;
  maxPendingRuns: number;
  retryAfterSeconds: number;
  drainTimeoutMillis: number;
  /** undefined: no data directory (acknowledged spans are in memory only). */
  dataDir: string | undefined;
  dataDirLimits: JournalLimits;
  logJoin: LogJoinOptions;
  exporter: LangSmithExporterOptions;
}

/** Spans wait for log records only while GenAI log records arrived within this long. */
export const LOGS_ACTIVE_MILLIS = 10 * 60_000;

const MiB = 1024 * 1024;

/**
 * Splits the bridge's own options from the exporter's and applies the bridge's defaults to both:
 * remote parents wait (they come through this same bridge), and the send queue holds more than
 * the backpressure threshold, so senders get 429 before runs fail for a full queue.
 * @throws ConfigError
 */
export function resolveBridgeOptions(options: BridgeOptions = {}): ResolvedBridgeOptions {
  if (options === null || typeof options !== 'object') throw new ConfigError('options must be an object');
  const {
    port,
    grpcPort,
    host,
    sharedSecret,
    allowNoSecret,
    maxBodyBytes,
    maxDecompressedBytes,
    maxSpansPerRequest,
    maxPendingRuns,
    retryAfterSeconds,
    drainTimeoutMillis,
    dataDir,
    maxDataDirBytes,
    maxDataDirRecords,
    dataDirSegmentBytes,
    logWaitMillis,
    logRecordWaitMillis,
    maxWaitingLogRecords,
    maxWaitingLogBytes,
    ...exporterOptions
  } = options;
  const httpPort = integer('port', port, 4318, 0, 65535);
  const resolved: ResolvedBridgeOptions = {
    port: httpPort,
    grpcPort: grpcPort === false ? undefined : integer('grpcPort', grpcPort, httpPort === 0 ? 0 : 4317, 0, 65535),
    host: host ?? '127.0.0.1',
    sharedSecret,
    allowNoSecret: allowNoSecret === true,
    maxBodyBytes: integer('maxBodyBytes', maxBodyBytes, 16 * MiB, 1),
    maxDecompressedBytes: integer('maxDecompressedBytes', maxDecompressedBytes, 64 * MiB, 1),
    maxSpansPerRequest: integer('maxSpansPerRequest', maxSpansPerRequest, 100_000, 1),
    maxPendingRuns: integer('maxPendingRuns', maxPendingRuns, 50_000, 1),
    retryAfterSeconds: integer('retryAfterSeconds', retryAfterSeconds, 2, 0),
    drainTimeoutMillis: integer('drainTimeoutMillis', drainTimeoutMillis, 30_000, 0),
    dataDir,
    dataDirLimits: {
      maxBytes: integer('maxDataDirBytes', maxDataDirBytes, 512 * MiB, 1),
      maxRecords: integer('maxDataDirRecords', maxDataDirRecords, 1_000_000, 1),
      segmentBytes: integer('dataDirSegmentBytes', dataDirSegmentBytes, 8 * MiB, 1),
    },
    logJoin: {
      spanWaitMillis: integer('logWaitMillis', logWaitMillis, 2000, 0, 60_000),
      recordWaitMillis: integer('logRecordWaitMillis', logRecordWaitMillis, 30_000, 0),
      activeMillis: LOGS_ACTIVE_MILLIS,
      maxRecords: integer('maxWaitingLogRecords', maxWaitingLogRecords, 10_000, 0),
      maxBytes: integer('maxWaitingLogBytes', maxWaitingLogBytes, 32 * MiB, 0),
    },
    exporter: exporterOptions,
  };
  if (typeof resolved.host !== 'string' || resolved.host === '') throw new ConfigError('host must be a non-empty string');
  if (dataDir !== undefined && (typeof dataDir !== 'string' || dataDir.trim() === '')) throw new ConfigError('dataDir must be a non-empty path');
  if (sharedSecret !== undefined && (typeof sharedSecret !== 'string' || sharedSecret === '')) {
    throw new ConfigError('sharedSecret must be a non-empty string');
  }
  resolved.exporter = {
    ...exporterOptions,
    remoteParents: exporterOptions.remoteParents ?? 'wait',
    maxQueuedRuns: exporterOptions.maxQueuedRuns ?? resolved.maxPendingRuns + 20_000,
  };
  return resolved;
}

function integer(name: string, value: number | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** Whether the bridge is reachable from other machines. */
export function listensPublicly(host: string): boolean {
  return !isLoopback(host);
}
