import { resolveConfig } from '../config/resolve-config.js';
import { listensPublicly, type BridgeOptions } from '../bridge/bridge-options.js';
import { startBridge, type Bridge } from '../bridge/start-bridge.js';
import { parseFlags, portFlag, positiveFlag } from './args.js';
import { stopSignal } from './stop-signal.js';

export { BRIDGE_SUMMARY } from './bridge-summary.js';

export const SECRET_ENV = 'OTEL_LANGSMITH_BRIDGE_SECRET';
export const DATA_DIR_ENV = 'OTEL_LANGSMITH_BRIDGE_DATA_DIR';
export const LOG_WAIT_ENV = 'OTEL_LANGSMITH_BRIDGE_LOG_WAIT_MS';

export const BRIDGE_USAGE = `Usage: otel-langsmith bridge [options]

Receives OpenTelemetry traces over OTLP/HTTP (POST /v1/traces, protobuf or JSON, gzip or not)
and OTLP/gRPC (TraceService/Export, gzip or not) and delivers each span to LangSmith as a run,
parents first. OTLP logs too (POST /v1/logs, LogsService/Export): GenAI log records (the message
content of OpenTelemetry's GenAI instrumentations) join their span's run. Point an OTLP exporter
or an OpenTelemetry Collector's otlp_http, otlp (gRPC) or load_balancing exporter at the printed
addresses, for traces and logs. GET /health reports the ports and counters.

Options:
  --port N              OTLP/HTTP port (default 4318; 0 picks a free one)
  --grpc-port N|off     OTLP/gRPC port (default 4317, or 0 with --port 0; 0 picks a free one,
                        the banner and /health say which); off: no gRPC receiver. Plaintext
                        (no TLS), like the HTTP port
  --host H              address to listen on, both ports (default 127.0.0.1, this machine only)
  --shared-secret S     require "Authorization: Bearer S" on every request (gRPC: the same
                        authorization metadata); prefer the env var
                        ${SECRET_ENV}, flags show in the process list
  --allow-no-secret     allow a non-loopback --host without a shared secret (anyone who can reach
                        the port could then write to your LangSmith project)
  --endpoint URL        LangSmith API base URL (default: LANGSMITH_ENDPOINT, else
                        https://api.smith.langchain.com; self-hosted: .../api/v1)
  --project NAME        LangSmith project for runs (default: LANGSMITH_PROJECT, else "default")
  --api-key KEY         LangSmith API key; discouraged, use LANGSMITH_API_KEY instead (flags show
                        in the process list and shell history)
  --max-body-bytes N    largest request body accepted, as sent (default 16777216, 16 MiB);
                        decompressed bodies are capped at 64 MiB
  --orphan-timeout-ms N how long a span waits for a parent that has not arrived before it is
                        sent as a root (default 30000); a parent failing and being resent restarts it
  --data-dir DIR        write every request to DIR (fsynced) before answering 200, keep it until
                        its spans are delivered, and read it back on start: acknowledged spans
                        survive a crash or kill -9. Production runs use one, on a persistent
                        volume, one per bridge. Without it they are lost on a crash
                        (default: ${DATA_DIR_ENV})
  --max-data-dir-bytes N  most bytes kept in --data-dir; past it requests get 503 + Retry-After
                        and the sender keeps them (default 536870912, 512 MiB)
  --log-wait-ms N       how long a GenAI span waits for its GenAI log records before it is sent,
                        only while GenAI log records are arriving (default 2000; 0: never wait;
                        records arriving after their span was sent are counted, not added)
                        (default: ${LOG_WAIT_ENV})
  --help                show this help

Environment:
  LANGSMITH_API_KEY           API key (required by LangSmith)
  LANGSMITH_ENDPOINT          API base URL
  LANGSMITH_PROJECT           project for runs without langsmith.trace.session_name
  LANGSMITH_WORKSPACE_ID      workspace, for keys that span several
  ${SECRET_ENV}  shared secret senders must present (see --shared-secret)
  ${DATA_DIR_ENV}  data directory (see --data-dir)
  ${LOG_WAIT_ENV}  see --log-wait-ms

Stops on SIGTERM or SIGINT: stops accepting, finishes the requests in progress, delivers what
is pending within a bounded time, then exits 0.
`;

export interface BridgeCliIo {
  /** Where the banner goes; default stdout. */
  print?: (text: string) => void;
  /** Where warnings go; default stderr. */
  printError?: (text: string) => void;
}

export type ParsedBridgeArgs =
  | { kind: 'help' }
  | { kind: 'error'; message: string }
  | { kind: 'run'; options: BridgeOptions; warnings: string[] };

const BRIDGE_FLAGS = {
  port: { type: 'string' },
  'grpc-port': { type: 'string' },
  host: { type: 'string' },
  endpoint: { type: 'string' },
  'api-key': { type: 'string' },
  project: { type: 'string' },
  'shared-secret': { type: 'string' },
  'allow-no-secret': { type: 'boolean' },
  'max-body-bytes': { type: 'string' },
  'orphan-timeout-ms': { type: 'string' },
  'data-dir': { type: 'string' },
  'max-data-dir-bytes': { type: 'string' },
  'log-wait-ms': { type: 'string' },
  help: { type: 'boolean' },
} as const;

/** Flags and env to bridge options. Never echoes the key or the secret. */
export function parseBridgeArgs(argv: string[], env: Readonly<Record<string, string | undefined>> = process.env): ParsedBridgeArgs {
  const parsed = parseFlags(argv, BRIDGE_FLAGS);
  if (parsed === 'help') return { kind: 'help' };
  if ('error' in parsed) return { kind: 'error', message: parsed.error };
  const { values } = parsed;

  const port = portFlag(values.port, 4318);
  if (typeof port === 'string') return { kind: 'error', message: port };
  const grpcPort = values['grpc-port'] === undefined ? undefined : values['grpc-port'] === 'off' ? false : portFlag(values['grpc-port'], 4317, 'grpc-port');
  if (typeof grpcPort === 'string') return { kind: 'error', message: `${grpcPort} (or off)` };
  const maxBodyBytes = positiveFlag('max-body-bytes', values['max-body-bytes']);
  if (typeof maxBodyBytes === 'string') return { kind: 'error', message: maxBodyBytes };
  const orphanTimeout = positiveFlag('orphan-timeout-ms', values['orphan-timeout-ms']);
  if (typeof orphanTimeout === 'string') return { kind: 'error', message: orphanTimeout };
  const maxDataDirBytes = positiveFlag('max-data-dir-bytes', values['max-data-dir-bytes']);
  if (typeof maxDataDirBytes === 'string') return { kind: 'error', message: maxDataDirBytes };
  const logWait = nonNegativeFlag('log-wait-ms', values['log-wait-ms'] ?? (env[LOG_WAIT_ENV]?.trim() || undefined));
  if (typeof logWait === 'string') return { kind: 'error', message: logWait };
  const dataDir = values['data-dir'] ?? (env[DATA_DIR_ENV]?.trim() || undefined);
  for (const flag of ['api-key', 'shared-secret', 'endpoint', 'project', 'host', 'data-dir'] as const) {
    if (values[flag] !== undefined && values[flag].trim() === '') return { kind: 'error', message: `--${flag} must not be empty` };
  }
  const host = values.host ?? '127.0.0.1';
  const sharedSecret = values['shared-secret'] ?? (env[SECRET_ENV]?.trim() || undefined);
  if (listensPublicly(host) && sharedSecret === undefined && !values['allow-no-secret']) {
    return {
      kind: 'error',
      message: `--host ${host} is reachable from other machines: set ${SECRET_ENV} (or --shared-secret), or add --allow-no-secret`,
    };
  }

  const warnings: string[] = [];
  if (values['api-key'] !== undefined) warnings.push('--api-key is visible in the process list and shell history; prefer LANGSMITH_API_KEY');
  if (values['shared-secret'] !== undefined) warnings.push(`--shared-secret is visible in the process list; prefer ${SECRET_ENV}`);
  if (listensPublicly(host) && sharedSecret === undefined) warnings.push(`listening on ${host} without a shared secret`);

  const options: BridgeOptions = { port, host, env };
  if (grpcPort !== undefined) options.grpcPort = grpcPort;
  if (values['allow-no-secret']) options.allowNoSecret = true;
  if (sharedSecret !== undefined) options.sharedSecret = sharedSecret;
  if (maxBodyBytes !== undefined) options.maxBodyBytes = maxBodyBytes;
  if (orphanTimeout !== undefined) options.orphanTimeoutMillis = orphanTimeout;
  if (dataDir !== undefined) options.dataDir = dataDir;
  if (maxDataDirBytes !== undefined) options.maxDataDirBytes = maxDataDirBytes;
  if (logWait !== undefined) options.logWaitMillis = logWait;
  if (values.endpoint !== undefined) options.endpoint = values.endpoint;
  if (values.project !== undefined) options.projectName = values.project;
  if (values['api-key'] !== undefined) options.apiKey = values['api-key'];
  return { kind: 'run', options, warnings };
}

/** A flag (or env value) that is an integer from 0 to 60 000, or an error message. */
function nonNegativeFlag(name: string, value: string | undefined): number | undefined | string {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > 60_000) return `--${name} must be an integer from 0 to 60000, got ${JSON.stringify(value)}`;
  return n;
}

/** Starts the bridge and prints where it listens and where it delivers; the caller owns closing it. */
export async function startBridgeCli(options: BridgeOptions, io: BridgeCliIo = {}): Promise<Bridge> {
  const print = io.print ?? ((text: string) => process.stdout.write(`${text}\n`));
  const bridge = await startBridge(options);
  const config = resolveConfig(options, options.env ?? process.env);
  const grpc = bridge.grpcUrl ? `OTLP/gRPC on ${bridge.grpcUrl} (port ${bridge.grpcPort}, TraceService/Export and LogsService/Export)` : 'OTLP/gRPC off';
  print(
    `otel-langsmith bridge listening on ${bridge.url} (OTLP/HTTP: POST ${bridge.url}/v1/traces and /v1/logs, GET ${bridge.url}/health)\n` +
      `${grpc}\n` +
      `Delivering to LangSmith at ${printableUrl(config.endpoint)}, project ${JSON.stringify(config.projectName)}` +
      `${config.apiKey ? '' : ' (no API key: set LANGSMITH_API_KEY)'}\n` +
      `${durabilityLine(bridge)}\n` +
      `Shared secret: ${options.sharedSecret === undefined ? 'none' : 'required'}. SIGTERM or Ctrl+C drains and stops.`,
  );
  return bridge;
}

/** Whether acknowledged spans survive a crash, for the banner. */
function durabilityLine(bridge: Bridge): string {
  const durability = bridge.stats().durability;
  if (durability.dataDir === null) return `WARNING: ${durability.warning}.`;
  const back = bridge.recovered;
  const read = back && back.spans > 0 ? `; read back ${back.spans} spans of ${back.records} requests not yet delivered` : '';
  return `Data directory: ${durability.dataDir} (every request on disk before its 200, until delivered${read}).`;
}

/** Parses the flags and starts the bridge (for tests and embedding); resolves to the bridge or an exit code. */
export async function startBridgeFromArgs(
  argv: string[],
  io: BridgeCliIo & { env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<{ bridge: Bridge } | { exitCode: number }> {
  const printError = io.printError ?? ((text: string) => process.stderr.write(`${text}\n`));
  const parsed = parseBridgeArgs(argv, io.env ?? process.env);
  if (parsed.kind === 'help') {
    (io.print ?? ((text: string) => process.stdout.write(text)))(BRIDGE_USAGE);
    return { exitCode: 0 };
  }
  if (parsed.kind === 'error') {
    printError(`otel-langsmith bridge: ${parsed.message}\n\n${BRIDGE_USAGE}`);
    return { exitCode: 2 };
  }
  for (const warning of parsed.warnings) printError(`otel-langsmith bridge: warning: ${warning}`);
  try {
    return { bridge: await startBridgeCli(parsed.options, io) };
  } catch (error) {
    printError(`otel-langsmith bridge: ${error instanceof Error ? error.message : String(error)}`);
    return { exitCode: 1 };
  }
}

/** Longest a signal-triggered stop may take: the drain (30 s), the exporter's shutdown (10 s), slack. */
export const STOP_DEADLINE_MILLIS = 45_000;

export async function bridgeCommand(argv: string[]): Promise<number> {
  const started = await startBridgeFromArgs(argv);
  if ('exitCode' in started) return started.exitCode;
  await stopSignal();
  process.stderr.write('otel-langsmith bridge: draining…\n');
  const stopped = await closeWithin(started.bridge, STOP_DEADLINE_MILLIS);
  if (!stopped) process.stderr.write(`otel-langsmith bridge: gave up draining after ${STOP_DEADLINE_MILLIS} ms\n`);
  const exporter = started.bridge.stats().exporter;
  process.stderr.write(
    `otel-langsmith bridge: stopped; ${exporter.runsDelivered} runs delivered, ${exporter.runsRejected} rejected, ${exporter.runsFailed} failed\n`,
  );
  return 0;
}

/** Closes the bridge, waiting at most `millis`; false when it did not finish in time. */
export async function closeWithin(bridge: Bridge, millis: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), millis);
    timer.unref();
  });
  const result = await Promise.race([bridge.close().then(() => true as const), deadline]);
  clearTimeout(timer);
  return result;
}

/** The endpoint without any user info it may carry. */
function printableUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable endpoint)';
  }
}
