import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { SpanFilter, SpanPredicate } from '../filtering/span-filter.js';
import type { RunCreate } from '../schema/run.js';

/** Options of {@link LangSmithSpanExporter}. Every option has an env var or a default. */
export interface LangSmithExporterOptions {
  /**
   * LangSmith's switch: `false` sends nothing (every `export()` answers SUCCESS at once, no worker,
   * no connection), as LangSmith's own SDKs do with tracing off. Env: `LANGSMITH_TRACING`, then
   * `LANGCHAIN_TRACING_V2`, `LANGCHAIN_TRACING` (`false` or `0` is off). Default on: unlike
   * LangSmith's SDKs, an unset switch does not turn an exporter built in code off.
   */
  tracingEnabled?: boolean;
  /** LangSmith API key, sent as `x-api-key`. Env: `LANGSMITH_API_KEY`, then `LANGCHAIN_API_KEY`. */
  apiKey?: string;
  /**
   * Base URL of the LangSmith API. Env: `LANGSMITH_ENDPOINT`, then `LANGCHAIN_ENDPOINT`.
   * Default `https://api.smith.langchain.com`. Trailing slashes and a trailing `/runs` are tolerated.
   */
  endpoint?: string;
  /** Project (session) for runs without `langsmith.trace.session_name`. Env: `LANGSMITH_PROJECT`, `LANGCHAIN_PROJECT`; default `"default"`. */
  projectName?: string;
  /** Workspace id, sent as `x-tenant-id`. Env: `LANGSMITH_WORKSPACE_ID`. */
  workspaceId?: string;
  /** Extra HTTP headers on every request (e.g. for a proxy). Cannot override `x-api-key`. */
  headers?: Record<string, string>;
  /**
   * TLS for an https endpoint with a private CA (self-hosted LangSmith): `ca` (PEM) to trust, and
   * `cert`/`key` for client certificates. Certificate checks are never turned off.
   */
  tls?: { ca?: string | Buffer | Array<string | Buffer>; cert?: string | Buffer; key?: string | Buffer };

  /** How long a child run waits for its parent before it is sent as an orphan root. Default 30 000. */
  orphanTimeoutMillis?: number;
  /** Most child runs held waiting for their parents; past it the oldest go out as orphans. Default 10 000. */
  maxHeldRuns?: number;
  /** Most bytes (JSON bodies) held waiting for parents; past it the oldest go out as orphans. Default 64 MiB. */
  maxHeldBytes?: number;
  /**
   * What to do with a span whose parent came over the wire (`parentSpanContext.isRemote`: a
   * server span under the client span that called it).
   * `'auto'` (default): hold it like any child for at most `remoteParentTimeoutMillis`, so that a
   * parent exported through this same exporter (a handler calling another endpoint of the same
   * process) makes one trace; a parent that does not come by then (it is in another process)
   * leaves it a root run, `orphan_reason: remote_parent`, counted in `runsOrphaned`.
   * `'root'`: send it at once as a root run, the remote parent's span id in metadata.
   * `'wait'`: hold it like any child for `orphanTimeoutMillis`, and while its parent fails for now
   * (the OTLP bridge, whose senders resend).
   */
  remoteParents?: 'auto' | 'root' | 'wait';
  /** With `remoteParents: 'auto'`, how long a span waits for its remote parent. Default 10 000 (two of BatchSpanProcessor's 5 s rounds). */
  remoteParentTimeoutMillis?: number;

  /** Deadline of one `export()` call; its callback fires by then. Default 25 000 (below BatchSpanProcessor's 30 s). */
  exportTimeoutMillis?: number;
  /** Deadline of one HTTP attempt (headers and body). Default 10 000. */
  requestTimeoutMillis?: number;
  /** Most requests in flight (also the connection pool size). Default 10. */
  maxConcurrentRequests?: number;
  /** Most new runs queued for sending; past it new runs fail at once (counted and logged; spooled with failedRunsDir). Children released by their parent are always taken. Default 100 000. */
  maxQueuedRuns?: number;
  /**
   * `'runs'` (default): one `POST /runs` per run, the server derives `trace_id` and `dotted_order`.
   * `'batch'`: runs go in `POST /runs/batch` chunks (within the server's `GET /info` limits) with
   * `trace_id` and `dotted_order` computed here; parents are still acknowledged before children.
   * For volume: fewer requests against LangSmith's per-key request limits.
   * `'auto'`: single requests while they keep up; while LangSmith keeps answering 429 with runs
   * queued, the queued runs go in batches, and single requests resume when the pressure is gone.
   * `'batch'` and `'auto'` fall back to single requests (one warning) on a server that answers
   * 404 or 405 on `/runs/batch`.
   */
  transport?: 'runs' | 'batch' | 'auto';
  /**
   * Which thread does the exporter's work. `'auto'` (default): a worker thread of its own when
   * the machine has a core to spare (`os.availableParallelism() >= 2`) and the process is not a
   * serverless function (AWS_LAMBDA_FUNCTION_NAME, FUNCTION_TARGET, FUNCTIONS_WORKER_RUNTIME or
   * VERCEL set), else the application thread. `'worker'`: always the worker (the application
   * thread when no worker can start, with a warning). `'main'`: always the application thread.
   *
   * In the worker, spans are mapped and serialized there too: the application thread only copies
   * each ended span into plain data (a few µs). Function hooks (`spanFilter`, `transformRun`,
   * `hideInputs`/`hideOutputs`/`hideMetadata` given as functions) cannot cross threads: with any
   * of them set, mapping and the hooks run on the application thread and only ordering, HTTP and
   * retries move to the worker. `stats()`, export results, `forceFlush()`, `shutdown()` and `diag`
   * logs behave the same on every thread; `deliveryMode()` says which was chosen and why.
   * Env: `OTEL_LANGSMITH_DELIVERY_THREAD=auto|main|worker`.
   */
  deliveryThread?: 'auto' | 'main' | 'worker';
  /**
   * Client-side limit of requests a minute, spread evenly, so bursts queue here instead of
   * collecting 429s. Off by default; LangSmith's cloud allows 5 000 `POST /runs` a minute per API
   * key, so `4800` leaves headroom there.
   */
  maxRequestsPerMinute?: number;
  /**
   * Seconds over which sustained rate limiting is judged: when LangSmith answered 429 in most of
   * them and demand stayed above what it accepted, one `diag` error says so with the figures and
   * the fix. Default 60.
   */
  rateLimitWindowSeconds?: number;
  /**
   * Retry policy for network errors, timeouts, 408, 425, 500, 502, 503, 504. A 429 is backpressure:
   * the run waits (Retry-After, then a pace learned from the 429s) without spending this budget.
   */
  retry?: RetryOptions;
  /** Most time `shutdown()` spends delivering what is left before it gives up on it. Default 10 000. */
  shutdownTimeoutMillis?: number;

  /**
   * Which spans become runs (default: all): a predicate on the mapped run and the span, or a
   * preset from `SpanFilters` such as `SpanFilters.llmAndAncestors`. Children of a span left out
   * attach to its nearest kept ancestor. A predicate that throws keeps the span.
   */
  spanFilter?: SpanFilter | SpanPredicate;
  /** Hide inputs (`true`, or a function returning what to send). Env: `LANGSMITH_HIDE_INPUTS=true`. */
  hideInputs?: boolean | ((inputs: Record<string, unknown>) => Record<string, unknown>);
  /** Hide outputs; token usage stays. Env: `LANGSMITH_HIDE_OUTPUTS=true`. */
  hideOutputs?: boolean | ((outputs: Record<string, unknown>) => Record<string, unknown>);
  /** Hide metadata; model names (`ls_*`) and the exporter's own keys stay. Env: `LANGSMITH_HIDE_METADATA=true`. */
  hideMetadata?: boolean | ((metadata: Record<string, unknown>) => Record<string, unknown>);
  /**
   * Last look at each run before it is sent (after hiding): return the run to send (changed or
   * not), or `null` to leave it out (its children attach to its nearest kept ancestor). If it
   * throws, the run is left out and the error logged, so a redaction bug never leaks data.
   */
  transformRun?: (run: RunCreate, span: ReadableSpan) => RunCreate | null | undefined | void;
  /**
   * Most bytes of one run's JSON body. Larger runs lose base64 data URLs, then the tails of their
   * longest strings, and are still sent. Default 10 MiB (LangSmith's request cap is about 25 MB).
   */
  maxRunBytes?: number;

  /**
   * Directory where runs that cannot be delivered are kept as NDJSON (server down past the retry
   * budget, shutdown deadline, refusals a retry may overcome such as 401/403/404/429); resend them
   * with `otel-langsmith replay DIR`. Env: `LANGSMITH_FAILED_TRACES_DIR`. Default: none (failed
   * runs are counted and logged).
   */
  failedRunsDir?: string;
  /** Most bytes the spool directory may hold; past it failed runs are lost (counted, logged). Default 100 MiB. */
  maxFailedRunsBytes?: number;

  /**
   * Log each request's method, path, status and latency at OTel `diag` debug level (never headers
   * or bodies). Env: `OTEL_LANGSMITH_DEBUG=true`. Default false.
   */
  debug?: boolean;

  /** Environment to read instead of `process.env` (tests, embedding). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** How failed attempts are retried: exponential backoff with ±20% jitter, within a time budget. */
export interface RetryOptions {
  /** Attempts per run, the first included. Default 6. */
  maxAttempts?: number;
  /** First backoff. Default 500. */
  initialBackoffMillis?: number;
  /** Cap of the computed backoff (a Retry-After is honoured as given, within maxElapsedMillis). Default 10 000. */
  maxBackoffMillis?: number;
  /** No retry starts later than this after the first attempt (OTel JS exporters use 10 s too). Default 10 000. */
  maxElapsedMillis?: number;
}
