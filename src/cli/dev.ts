import { describeRequest } from '../testing/request-log.js';
import { isLoopback } from '../net/loopback.js';
import { startLocalServer } from '../testing/local-server.js';
import type { LocalServer } from '../testing/types.js';
import { createViewerRoutes } from '../viewer/index.js';
import { parseFlags, portFlag, wholeNumber } from './args.js';
import { explainListenError } from './listen-error.js';
import { stopSignal } from './stop-signal.js';

export const DEV_SUMMARY = 'run a LangSmith-compatible local server and print each trace as it completes';

export const DEV_USAGE = `Usage: otel-langsmith dev [options]

Runs a LangSmith-compatible local server (POST /runs, POST /runs/batch) and prints each trace
as it completes. Its root (/) is a live trace viewer for browsers on this machine (it also shows
requests the server refused); /?static=1 renders it once from a snapshot, without the live stream,
so headless screenshots finish. GET /_local/events streams stored runs as Server-Sent Events.

Options:
  --port N         port to listen on (default 1984; 0 picks a free one)
  --host H         address to listen on (default 127.0.0.1)
  --allow-remote   allow a non-loopback --host (the server accepts any API key unless --api-key is set)
  --api-key K      require this x-api-key (default: any non-empty key)
  --quiet-ms N     print a trace once no run has arrived for it for N ms (default 500)
  --help           show this help
`;

export interface DevOptions {
  port: number;
  host: string;
  apiKey?: string;
  quietMillis?: number;
  allowRemote?: boolean;
  /** Where traces and the banner go; default stdout. */
  print?: (text: string) => void;
  /** Where rejected requests go; default stderr. */
  printError?: (text: string) => void;
}

/** Starts the server and wires its output; the caller owns closing it. */
export async function startDev(options: DevOptions): Promise<LocalServer> {
  const print = options.print ?? ((text: string) => process.stdout.write(`${text}\n`));
  const printError = options.printError ?? ((text: string) => process.stderr.write(`${text}\n`));
  const server: LocalServer = await startLocalServer({
    port: options.port,
    host: options.host,
    allowNonLoopback: options.allowRemote ?? false,
    // The page learns only whether a key is required, never the key; refused requests come from the log.
    extraRoutes: createViewerRoutes({ apiKeyRequired: options.apiKey !== undefined, requests: () => server.requests() }),
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.quietMillis === undefined ? {} : { traceQuietMillis: options.quietMillis }),
    onTraceComplete: (traceId) => {
      const runCount = server.runs().filter((run) => run.trace_id === traceId).length;
      print(`\ntrace ${traceId} (${runCount} run${runCount === 1 ? '' : 's'})\n${server.formatTree(traceId)}`);
    },
    onRequest: (record) => {
      if (record.status === 0 || record.status >= 400) printError(`rejected: ${describeRequest(record)}`);
    },
  });
  const apiKeyHint = options.apiKey === undefined ? '<any non-empty value>' : '<the --api-key value>';
  print(
    `LangSmith-compatible local server on ${server.url}\n` +
      `Point the exporter at it with:\n` +
      `  LANGSMITH_ENDPOINT=${server.url} LANGSMITH_API_KEY=${apiKeyHint}\n` +
      `Trace viewer: ${server.url}/${isLoopback(options.host) ? '' : ' (answers browsers on this machine only)'}\n` +
      `Traces print here once complete; Ctrl+C stops.`,
  );
  return server;
}

type ParsedDevArgs = { kind: 'help' } | { kind: 'error'; message: string } | { kind: 'run'; options: DevOptions };

const DEV_FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'allow-remote': { type: 'boolean' },
  'api-key': { type: 'string' },
  'quiet-ms': { type: 'string' },
  help: { type: 'boolean' },
} as const;

export function parseDevArgs(argv: string[]): ParsedDevArgs {
  const parsed = parseFlags(argv, DEV_FLAGS);
  if (parsed === 'help') return { kind: 'help' };
  if ('error' in parsed) return { kind: 'error', message: parsed.error };
  const { values } = parsed;

  const port = portFlag(values.port, 1984);
  if (typeof port === 'string') return { kind: 'error', message: port };
  const quietMillis = values['quiet-ms'] === undefined ? undefined : wholeNumber(values['quiet-ms']);
  if (values['quiet-ms'] !== undefined && quietMillis === undefined) {
    return { kind: 'error', message: `--quiet-ms must be a whole number of milliseconds, got ${values['quiet-ms']}` };
  }
  const host = values.host ?? '127.0.0.1';
  const allowRemote = values['allow-remote'] ?? false;
  if (!isLoopback(host) && !allowRemote) {
    return { kind: 'error', message: `--host ${host} is not a loopback address; add --allow-remote to listen on it anyway` };
  }
  if (values['api-key'] === '') return { kind: 'error', message: '--api-key must not be empty' };

  const options: DevOptions = { port, host, allowRemote };
  if (values['api-key'] !== undefined) options.apiKey = values['api-key'];
  if (quietMillis !== undefined) options.quietMillis = quietMillis;
  return { kind: 'run', options };
}

export async function devCommand(argv: string[]): Promise<number> {
  const parsed = parseDevArgs(argv);
  if (parsed.kind === 'help') {
    process.stdout.write(DEV_USAGE);
    return 0;
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`otel-langsmith dev: ${parsed.message}\n\n${DEV_USAGE}`);
    return 2;
  }
  let server: LocalServer;
  try {
    server = await startDev(parsed.options);
  } catch (error) {
    process.stderr.write(`otel-langsmith dev: ${explainListenError(error, parsed.options.host, parsed.options.port)}\n`);
    return 1;
  }
  await stopSignal();
  await server.close();
  return 0;
}

