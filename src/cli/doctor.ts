import { parseArgs } from 'node:util';
import { doctorPassed, formatResults } from '../doctor/format.js';
import { runDoctor } from '../doctor/run-doctor.js';
import type { DoctorOptions } from '../doctor/types.js';

export const DOCTOR_SUMMARY = 'check the LangSmith configuration, the endpoint and the key (read-only); optionally send a test run';

export const DOCTOR_USAGE = `Usage: otel-langsmith doctor [options]

Checks the configuration exactly as the exporter resolves it from the environment (LANGSMITH_API_KEY,
LANGSMITH_ENDPOINT, LANGSMITH_PROJECT, LANGSMITH_WORKSPACE_ID and their LANGCHAIN_ forms), whether
the endpoint answers (GET /info), whether the key is accepted (GET /sessions?limit=1: read-only,
writes nothing), and, with --send-test-run, the write path by sending one run named
"otel-langsmith doctor test run". The API key is never printed.

Options:
  --send-test-run    also send one test run (POST /runs): the check that runs can be written
  --endpoint URL     check this endpoint instead of LANGSMITH_ENDPOINT
  --project NAME     check this project instead of LANGSMITH_PROJECT
  --timeout-ms N     deadline of each request (default 10000)
  --json             print the results as JSON
  --help             show this help

Exit code: 0 when no check failed, 1 when one did, 2 on a usage error.
`;

/** Where the command writes and what environment it reads; tests pass their own. */
export interface DoctorIo {
  env?: Readonly<Record<string, string | undefined>>;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

const DOCTOR_FLAGS = {
  'send-test-run': { type: 'boolean' },
  endpoint: { type: 'string' },
  project: { type: 'string' },
  'timeout-ms': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

type ParsedDoctorArgs =
  | { kind: 'help' }
  | { kind: 'error'; message: string }
  | { kind: 'run'; options: Omit<DoctorOptions, 'env'>; json: boolean };

export function parseDoctorArgs(argv: string[]): ParsedDoctorArgs {
  let values: ReturnType<typeof parseArgs<{ options: typeof DOCTOR_FLAGS }>>['values'];
  try {
    values = parseArgs({ args: argv, options: DOCTOR_FLAGS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return { kind: 'help' };
  const options: Omit<DoctorOptions, 'env'> = { sendTestRun: values['send-test-run'] ?? false };
  if (values['timeout-ms'] !== undefined) {
    const timeout = /^\d+$/.test(values['timeout-ms']) ? Number(values['timeout-ms']) : NaN;
    if (!(timeout >= 1 && timeout <= 600_000)) return { kind: 'error', message: `--timeout-ms must be 1-600000 milliseconds, got ${values['timeout-ms']}` };
    options.timeoutMillis = timeout;
  }
  if (values.endpoint !== undefined) {
    if (values.endpoint.trim() === '') return { kind: 'error', message: '--endpoint must not be empty' };
    options.endpoint = values.endpoint;
  }
  if (values.project !== undefined) {
    if (values.project.trim() === '') return { kind: 'error', message: '--project must not be empty' };
    options.projectName = values.project;
  }
  return { kind: 'run', options, json: values.json ?? false };
}

export async function doctorCommand(argv: string[], io: DoctorIo = {}): Promise<number> {
  const out = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const err = io.stderr ?? ((text: string) => void process.stderr.write(text));
  const parsed = parseDoctorArgs(argv);
  if (parsed.kind === 'help') {
    out(DOCTOR_USAGE);
    return 0;
  }
  if (parsed.kind === 'error') {
    err(`otel-langsmith doctor: ${parsed.message}\n\n${DOCTOR_USAGE}`);
    return 2;
  }
  let results;
  try {
    results = await runDoctor({ ...parsed.options, env: io.env ?? process.env });
  } catch (error) {
    err(`otel-langsmith doctor: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const ok = doctorPassed(results);
  if (parsed.json) out(`${JSON.stringify({ ok, checks: results }, null, 2)}\n`);
  else out(`otel-langsmith doctor\n\n${formatResults(results)}`);
  return ok ? 0 : 1;
}
