import type { RateLimitOptions } from './rate-limit.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RunCreate } from '../schema/run.js';
import type { StoredFeedback } from './feedback.js';

/** Options of `startLocalServer`. */
export interface LocalServerOptions {
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default '127.0.0.1'. Any other than a loopback address is refused unless `allowNonLoopback`. */
  host?: string;
  allowNonLoopback?: boolean;
  /** When set, `x-api-key` must equal it; when unset, any non-empty `x-api-key` is accepted. */
  apiKey?: string;
  /** Default 20 MiB, LangSmith's batch size limit; larger bodies get 413. */
  maxBodyBytes?: number;
  /**
   * Most runs one `POST /runs/batch` may hold (post and patch entries together); default 100.
   * More get 422. Reported by `GET /info` as `batch_ingest_config.size_limit`.
   */
  maxBatchRuns?: number;
  /**
   * A per-key request limit, as LangSmith's cloud has (5 000 ingestion requests a minute per key):
   * past it `POST /runs` and `POST /runs/batch` get 429 with `Retry-After`. Off by default; also
   * `rateLimit.set()` at run time.
   */
  rateLimit?: RateLimitOptions;
  /** Called once a trace has received no run for `traceQuietMillis`. */
  onTraceComplete?: (traceId: string) => void;
  /** Default 500. */
  traceQuietMillis?: number;
  /** Called after each request to the LangSmith API surface has been answered (or faulted). */
  onRequest?: (record: RequestRecord) => void;
  /**
   * Serves paths the server does not own, e.g. a trace viewer's pages; return true once `res` is
   * handled, false to fall through to the 404. Called before the body is read, so a handler may
   * read it. Never consulted for `/runs` and everything under `/runs/`, `/info`, `/health` or
   * `/_local/*`, and not subject to API-key checks, faults or `requests()`; it answers every
   * client that can reach the server, so check `req.socket.remoteAddress` if that matters.
   * A throw (or rejection) becomes a 500 when nothing was sent yet.
   */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
  /** Interval of the comment lines that keep `GET /_local/events` streams alive; default 15000. */
  eventsHeartbeatMillis?: number;
}

export interface StoredRun extends RunCreate {
  trace_id: string;
  dotted_order: string;
  /** Date.now() at acceptance. */
  received_at: number;
}

/** One request the server answered (or dropped, with status 0), for assertions. The API key is never recorded. */
export interface RequestRecord {
  method: string;
  path: string;
  /** 0 when no complete response was sent (reset or hang fault). */
  status: number;
  at: number;
  apiKeyPresent: boolean;
  tenantId?: string;
  /** Parsed JSON body, when it parsed. */
  body?: unknown;
  runId?: string;
  /** `POST /runs/batch` only: the string ids of the `post` entries, in order (skipped duplicates included). */
  runIds?: string[];
  detail?: string;
}

/** A stored run and its children, for tree assertions. */
export interface RunNode {
  run: StoredRun;
  /** Sorted by start_time, then dotted_order. */
  children: RunNode[];
}

/** What a fault's `match` sees of a request. */
export interface FaultRequest {
  method: string;
  path: string;
  body: unknown;
}

/** A misbehaviour to inject: a status (with Retry-After), a connection reset, a delay or a hang. */
export interface Fault {
  /** Default: every request (the `/_local/` control endpoints are never faulted). */
  match?: (req: FaultRequest) => boolean;
  /** Matching requests this fault applies to; default 1, Infinity allowed. */
  times?: number;
  /** Wait before handling; alone, the request is then handled normally. */
  delayMs?: number;
  /** Answer with this status without storing anything. */
  status?: number;
  /** Retry-After header sent with `status`, verbatim (malformed values are allowed on purpose). */
  retryAfter?: string;
  /** JSON body sent with `status`; default `{"detail":"injected fault"}`. */
  body?: unknown;
  /** Destroy the socket before writing anything, or after the headers and part of the body. */
  reset?: 'before-headers' | 'after-headers';
  /** Read the request and never answer, until close(). */
  hang?: boolean;
}

/** A running strict LangSmith-compatible server, with inspection and fault injection. */
export interface LocalServer {
  /** e.g. 'http://127.0.0.1:PORT' */
  url: string;
  port: number;
  /** Accepted runs in acceptance order. */
  runs(): StoredRun[];
  /** The stored run with this id. */
  run(id: string): StoredRun | undefined;
  /** Accepted feedback (`POST /feedback`) in acceptance order; with a run id, that run's only. */
  feedback(runId?: string): StoredFeedback[];
  /** Every request to the LangSmith API surface, including rejected and faulted ones. */
  requests(): RequestRecord[];
  /** One root node per trace, ordered by the root's start_time. */
  traces(): RunNode[];
  /** The tree of one trace, by its trace id (the root run id). */
  tree(traceId: string): RunNode | undefined;
  /** One line per run, children indented two more spaces; throws for an unknown trace. */
  formatTree(traceId: string): string;
  /** Resolves once at least `count` runs are stored; rejects after `timeoutMs` (default 10 s). */
  waitForRuns(count: number, timeoutMs?: number): Promise<StoredRun[]>;
  faults: {
    /** Adds a fault; faults apply in injection order, each `times` times. */
    inject(fault: Fault): void;
    /** Removes every pending fault. */
    clear(): void;
    /** Faults with applications left. */
    pending(): number;
  };
  /**
   * Calls `listener` with each run stored from now on, in acceptance order (runs already stored
   * are in `runs()`); returns the unsubscribe function. A listener that throws is reported
   * through the OTel diag logger and stays subscribed.
   */
  onRun(listener: (run: StoredRun) => void): () => void;
  /** The per-key request limit (see {@link LocalServerOptions.rateLimit}). */
  rateLimit: {
    /** Turns the limit on or changes it; `undefined` turns it off. */
    set(options: RateLimitOptions | undefined): void;
  };
  /** Forgets runs, requests and faults; `GET /_local/events` streams get an `event: reset`. */
  reset(): void;
  /**
   * Ends `GET /_local/events` streams, then stops listening and destroys every open connection,
   * hanging ones included. Idempotent.
   */
  close(): Promise<void>;
}
