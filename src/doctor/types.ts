/** `pass`: fine. `warn`: works, but worth fixing. `fail`: tracing will not work. `skip`: not checked. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export type CheckId = 'endpoint' | 'project' | 'workspace' | 'api-key' | 'rate-limit' | 'reachable' | 'key-accepted' | 'test-run';

export interface CheckResult {
  id: CheckId;
  /** Short human label, e.g. "API key". */
  title: string;
  status: CheckStatus;
  /** One line: what was found. Never contains the API key. */
  detail: string;
  /** One line: what to do about a `warn` or `fail`. */
  fix?: string;
  /** Machine-readable facts (sources, status codes, run id); never the API key. */
  data?: Record<string, unknown>;
}

export interface DoctorOptions {
  /** Default `process.env`; read exactly as the exporter reads it. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Overrides the endpoint as the exporter's `endpoint` option would. */
  endpoint?: string;
  /** Overrides the project as the exporter's `projectName` option would. */
  projectName?: string;
  /** Also sends one test run (POST /runs): the write path. The key is checked without it, read-only. Default false. */
  sendTestRun?: boolean;
  /** Deadline of each HTTP request. Default 10 000. */
  timeoutMillis?: number;
}

export const TEST_RUN_NAME = 'otel-langsmith doctor test run';
