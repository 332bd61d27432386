import { randomUUID } from 'node:crypto';
import { endpointNotFoundFix, SELF_HOSTED_HINT } from '../config/endpoint-advice.js';
import { ConfigError, DEFAULT_ENDPOINT, resolveConfig, type ConfigSource, type ResolvedConfig } from '../config/resolve-config.js';
import { isLoopback } from '../net/loopback.js';
import { explainNetworkError, explainRefusedKey } from './explain-error.js';
import { httpRequest, responseDetail, type HttpOutcome } from './http.js';
import { describeKeyShape, formatKeyShape } from './key-shape.js';
import { rateLimitOf } from './rate-limit.js';
import { TEST_RUN_NAME, type CheckResult, type DoctorOptions } from './types.js';

type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_TIMEOUT_MILLIS = 10_000;
const KEY_VARS = ['LANGSMITH_API_KEY', 'LANGCHAIN_API_KEY'];
const ENDPOINT_VARS = ['LANGSMITH_ENDPOINT', 'LANGCHAIN_ENDPOINT'];
const PROJECT_VARS = ['LANGSMITH_PROJECT', 'LANGCHAIN_PROJECT'];

/**
 * Checks the configuration as `LangSmithSpanExporter` resolves it, whether the endpoint answers,
 * whether the key is accepted (one read-only `GET /sessions?limit=1`, which writes nothing) and,
 * with `sendTestRun`, the full write path by sending one test run. Never throws; no result
 * contains the API key.
 */
export async function runDoctor(options: DoctorOptions = {}): Promise<CheckResult[]> {
  const env: Env = options.env ?? process.env;
  const timeoutMillis = options.timeoutMillis ?? DEFAULT_TIMEOUT_MILLIS;
  const overrides = {
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.projectName === undefined ? {} : { projectName: options.projectName }),
  };

  const results: CheckResult[] = [];
  let config: ResolvedConfig | undefined;
  let endpointError: string | undefined;
  try {
    config = resolveConfig(overrides, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    endpointError = error.message;
  }
  // Key, project and workspace resolve the same whatever the endpoint; read them even when it is invalid.
  const rest = config ?? resolveConfig({ ...overrides, endpoint: DEFAULT_ENDPOINT }, env);

  results.push(config ? checkEndpoint(config, env, options.endpoint) : endpointFailure(endpointError ?? 'invalid endpoint', endpointSource(options.endpoint, env)));
  results.push(checkProject(rest, env));
  results.push(checkWorkspace(rest));
  const keyResult = checkKey(rest, env, config?.endpoint);
  results.push(keyResult);
  if (config) results.push(rateLimitOf(config.endpoint));

  if (!config) {
    results.push(skipped('reachable', 'Endpoint reachable', 'not checked: the endpoint is invalid'));
    results.push(skipped('key-accepted', 'Key accepted', 'not checked: the endpoint is invalid'));
    results.push(skipped('test-run', 'Test run', 'not sent: the endpoint is invalid'));
    return results;
  }

  const reachable = await checkReachable(config.endpoint, timeoutMillis);
  results.push(reachable);
  if (reachable.status === 'fail') {
    results.push(skipped('key-accepted', 'Key accepted', 'not checked: the endpoint is unreachable'));
    results.push(skipped('test-run', 'Test run', 'not sent: the endpoint is unreachable'));
    return results;
  }
  if (!config.apiKey) {
    results.push(skipped('key-accepted', 'Key accepted', 'not checked: there is no API key'));
    results.push(skipped('test-run', 'Test run', options.sendTestRun ? 'not sent: there is no API key' : 'not requested (--send-test-run sends one)'));
    return results;
  }
  const keyAccepted = await checkKeyAccepted(config, timeoutMillis);
  if (keyAccepted.status === 'fail') {
    results.push(keyAccepted, skipped('test-run', 'Test run', options.sendTestRun ? 'not sent: the key was refused' : 'not requested (--send-test-run sends one)'));
    return results;
  }
  if (!options.sendTestRun) {
    results.push(keyAccepted, skipped('test-run', 'Test run', 'not requested (--send-test-run sends one)'));
    return results;
  }
  const [written, testRun] = await sendTestRun(config, timeoutMillis);
  // The read proved the key; the write can still show it may not write here (403), or decide it
  // when the read could not (a proxy without GET /sessions).
  results.push(keyAccepted.status === 'pass' && written.status !== 'fail' ? keyAccepted : written, testRun);
  return results;
}

function skipped(id: CheckResult['id'], title: string, detail: string): CheckResult {
  return { id, title, status: 'skip', detail };
}

function describeSource(source: ConfigSource): string {
  if (source === 'option') return 'command-line option';
  if (source === 'default') return 'default';
  return source.slice('env:'.length);
}

function rawValue(source: ConfigSource, env: Env, option: string | undefined): string | undefined {
  if (source === 'option') return option?.trim();
  if (source.startsWith('env:')) return env[source.slice('env:'.length)]?.trim();
  return undefined;
}

/** Env vars of the same setting that are set but lost to the winner, e.g. LANGCHAIN_PROJECT under LANGSMITH_PROJECT. */
function shadowed(names: string[], source: ConfigSource, env: Env, winner: string | undefined): string[] {
  return names.filter((name) => `env:${name}` !== source && env[name]?.trim() && env[name]?.trim() !== winner);
}

/** Where the endpoint came from, as `resolveConfig` decides it (used when it failed to resolve). */
function endpointSource(option: string | undefined, env: Env): ConfigSource {
  if (option !== undefined && option.trim() !== '') return 'option';
  const name = ENDPOINT_VARS.find((candidate) => env[candidate]?.trim());
  return name === undefined ? 'default' : `env:${name}`;
}

function endpointFailure(message: string, source: ConfigSource): CheckResult {
  const where = source === 'option' ? '--endpoint' : describeSource(source);
  return {
    id: 'endpoint',
    title: 'Endpoint',
    status: 'fail',
    detail: message,
    fix: `set ${where} to the API base URL (${SELF_HOSTED_HINT})`,
    data: { source },
  };
}

function checkEndpoint(config: ResolvedConfig, env: Env, option: string | undefined): CheckResult {
  const source = config.sources.endpoint;
  const raw = rawValue(source, env, option);
  const endpoint = config.endpoint;
  const data: Record<string, unknown> = { endpoint, source };
  const from = `from ${describeSource(source)}`;
  const setting = source === 'option' ? '--endpoint' : source === 'default' ? 'LANGSMITH_ENDPOINT' : describeSource(source);
  if (raw !== undefined && raw !== endpoint) data['raw'] = raw;
  const others = shadowed(ENDPOINT_VARS, source, env, raw);
  const shadowNote = others.length > 0 ? `; ${others.join(', ')} also set, ignored` : '';

  const rawPath = raw === undefined ? '' : safePath(raw).replace(/\/+$/, '');
  if (rawPath.endsWith('/runs')) {
    return {
      id: 'endpoint',
      title: 'Endpoint',
      status: 'warn',
      detail: `${endpoint} (${from}; the trailing /runs was stripped${shadowNote})`,
      fix: `set ${setting}=${endpoint}: it is the API base URL, and LangSmith's own SDKs do not strip /runs`,
      data: { ...data, normalized: 'trailing /runs stripped' },
    };
  }
  const url = new URL(endpoint);
  if (url.hostname === 'smith.langchain.com' || url.hostname === 'eu.smith.langchain.com') {
    return {
      id: 'endpoint',
      title: 'Endpoint',
      status: 'warn',
      detail: `${endpoint} (${from}) is the LangSmith web app, not its API`,
      fix: `set ${setting}=https://${url.hostname.replace('smith.', 'api.smith.')}`,
      data,
    };
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname.replace(/^\[|\]$/g, ''))) {
    return {
      id: 'endpoint',
      title: 'Endpoint',
      status: 'warn',
      detail: `${endpoint} (${from}) is plain http: the API key would cross the network unencrypted`,
      fix: `use https:// in ${setting}`,
      data,
    };
  }
  const note = raw !== undefined && raw !== endpoint ? `; normalized from ${raw}` : '';
  return { id: 'endpoint', title: 'Endpoint', status: 'pass', detail: `${endpoint} (${from}${note}${shadowNote})`, data };
}

function safePath(raw: string): string {
  try {
    return new URL(raw).pathname;
  } catch {
    return '';
  }
}

function checkProject(config: ResolvedConfig, env: Env): CheckResult {
  const source = config.sources.projectName;
  const others = shadowed(PROJECT_VARS, source, env, config.projectName);
  const shadowNote = others.length > 0 ? `; ${others.join(', ')} also set, ignored` : '';
  const detail =
    source === 'default'
      ? `default (LANGSMITH_PROJECT is not set; runs without langsmith.trace.session_name go to the project "default")`
      : `${config.projectName} (from ${describeSource(source)}${shadowNote})`;
  return { id: 'project', title: 'Project', status: 'pass', detail, data: { project: config.projectName, source } };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkWorkspace(config: ResolvedConfig): CheckResult {
  const source = config.sources.workspaceId;
  if (!config.workspaceId) {
    return {
      id: 'workspace',
      title: 'Workspace',
      status: 'pass',
      detail: "none (LANGSMITH_WORKSPACE_ID is not set; the key's default workspace is used)",
      data: { source },
    };
  }
  const data = { workspaceId: config.workspaceId, source };
  if (!UUID.test(config.workspaceId)) {
    return {
      id: 'workspace',
      title: 'Workspace',
      status: 'warn',
      detail: `${config.workspaceId} (from ${describeSource(source)}) is not a UUID, as LangSmith workspace ids are`,
      fix: `copy the workspace id from LangSmith (Settings → Workspaces) into ${describeSource(source)}`,
      data,
    };
  }
  return { id: 'workspace', title: 'Workspace', status: 'pass', detail: `${config.workspaceId} (from ${describeSource(source)}), sent as x-tenant-id`, data };
}

function checkKey(config: ResolvedConfig, env: Env, endpoint: string | undefined): CheckResult {
  const source = config.sources.apiKey;
  const local = endpoint !== undefined && isLoopback(new URL(endpoint).hostname.replace(/^\[|\]$/g, ''));
  if (!config.apiKey) {
    return {
      id: 'api-key',
      title: 'API key',
      status: 'fail',
      detail: 'missing: neither LANGSMITH_API_KEY nor LANGCHAIN_API_KEY is set; every run would be refused with 401',
      fix: local
        ? 'export LANGSMITH_API_KEY=<any non-empty value> (the local server accepts any unless started with --api-key)'
        : 'export LANGSMITH_API_KEY=<your key> (create one in LangSmith: Settings → API Keys)',
      data: { present: false, source },
    };
  }
  const shape = describeKeyShape(config.apiKey);
  const from = `from ${describeSource(source)}`;
  const others = shadowed(KEY_VARS, source, env, config.apiKey);
  const shadowNote = others.length > 0 ? `; ${others.join(', ')} also set to another key, ignored` : '';
  const data = { present: true, source, length: shape.length, kind: shape.kind, ...(shape.prefix ? { prefix: shape.prefix } : {}) };
  const detail = `present (${from}): ${formatKeyShape(shape)}${shadowNote}`;
  if (shape.problems.length > 0) {
    return {
      id: 'api-key',
      title: 'API key',
      status: 'warn',
      detail: `${detail}; ${shape.problems.join(', ')}`,
      fix: `set ${describeSource(source)} to the whole key exactly as LangSmith shows it (no quotes or spaces)`,
      data: { ...data, problems: shape.problems },
    };
  }
  if (shape.kind === 'unrecognized' && !local) {
    return {
      id: 'api-key',
      title: 'API key',
      status: 'warn',
      detail,
      fix: 'LangSmith keys start with lsv2_pt_ (personal) or lsv2_sk_ (service); check you copied a LangSmith API key',
      data,
    };
  }
  return { id: 'api-key', title: 'API key', status: 'pass', detail, data };
}

async function checkReachable(endpoint: string, timeoutMillis: number): Promise<CheckResult> {
  const url = `${endpoint}/info`;
  const outcome = await httpRequest(url, { method: 'GET', headers: { accept: 'application/json' }, timeoutMillis });
  const base = { id: 'reachable' as const, title: 'Endpoint reachable' };
  if (outcome.kind === 'error') {
    const explained = explainNetworkError(outcome.error, url, timeoutMillis);
    return { ...base, status: 'fail', detail: `GET ${url}: ${explained.problem}`, fix: explained.fix, data: { url, ...(explained.code ? { code: explained.code } : {}) } };
  }
  const data = { url, status: outcome.status, millis: outcome.millis };
  if (outcome.status >= 200 && outcome.status < 300) {
    const info = parseObject(outcome.body);
    if (!info) {
      return {
        ...base,
        status: 'fail',
        detail: `GET ${url} answered ${outcome.status} with ${outcome.contentType || 'no content type'}, not LangSmith's JSON: this is not the API base URL`,
        fix: `set the endpoint to the API base URL (${SELF_HOSTED_HINT})`,
        data,
      };
    }
    const version = typeof info['version'] === 'string' ? info['version'] : undefined;
    return {
      ...base,
      status: 'pass',
      detail: `GET /info answered ${outcome.status} in ${outcome.millis} ms${version ? ` (version ${version})` : ''}`,
      data: { ...data, ...(version ? { version } : {}) },
    };
  }
  if (outcome.status === 401 || outcome.status === 403) {
    return { ...base, status: 'pass', detail: `reachable: GET /info answered ${outcome.status} (it wants a key here) in ${outcome.millis} ms`, data };
  }
  if (outcome.status >= 300 && outcome.status < 400) {
    return {
      ...base,
      status: 'fail',
      detail: `GET ${url} was redirected (${outcome.status}); the exporter does not follow redirects`,
      fix: `set the endpoint to the URL it redirects to, minus /info (${SELF_HOSTED_HINT})`,
      data,
    };
  }
  if (outcome.status === 404 || outcome.status === 405) {
    return {
      ...base,
      status: 'fail',
      detail: `GET ${url} answered ${outcome.status}: no LangSmith API at this path`,
      fix: endpointNotFoundFix(endpoint),
      data,
    };
  }
  return {
    ...base,
    status: outcome.status >= 500 ? 'fail' : 'warn',
    detail: `GET ${url} answered ${outcome.status}: ${responseDetail(outcome.body)}`,
    fix: outcome.status >= 500 ? 'the server has a problem; try again later (LangSmith cloud: check its status page)' : 'check the endpoint URL and any proxy in front of it',
    data,
  };
}

function parseObject(body: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(body) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** What to do about a key the endpoint refused (401), for the endpoint it is: the local server or LangSmith. */
function refusedKeyFix(config: ResolvedConfig): string {
  return explainRefusedKey(config.endpoint, describeSource(config.sources.apiKey));
}

function forbiddenFix(config: ResolvedConfig, what: 'read' | 'write'): string {
  return config.workspaceId
    ? `check that LANGSMITH_WORKSPACE_ID is a workspace this key belongs to, and that the key may ${what} runs`
    : `set LANGSMITH_WORKSPACE_ID to the workspace to trace into (needed for org-scoped and service keys), or use a key with ${what} access`;
}

function authHeaders(config: ResolvedConfig): Record<string, string> {
  const headers: Record<string, string> = { 'x-api-key': config.apiKey ?? '' };
  if (config.workspaceId) headers['x-tenant-id'] = config.workspaceId;
  return headers;
}

/** What the server said, minus the key and minus a bare "Unauthorized"/"Forbidden" the status already says. */
function serverWords(config: ResolvedConfig, body: string): string {
  const said = responseDetail(config.apiKey ? body.split(config.apiKey).join('[REDACTED]') : body);
  return /^(unauthorized|forbidden)$/i.test(said) ? '' : said;
}

/** One `GET /sessions?limit=1`: an authenticated request that reads one project and writes nothing. */
async function checkKeyAccepted(config: ResolvedConfig, timeoutMillis: number): Promise<CheckResult> {
  const url = `${config.endpoint}/sessions?limit=1`;
  const outcome = await httpRequest(url, { method: 'GET', headers: { accept: 'application/json', ...authHeaders(config) }, timeoutMillis });
  const keySource = describeSource(config.sources.apiKey);
  const base = { id: 'key-accepted' as const, title: 'Key accepted' };
  if (outcome.kind === 'error') {
    const explained = explainNetworkError(outcome.error, url, timeoutMillis);
    return { ...base, status: 'fail', detail: `GET ${url}: ${explained.problem}`, fix: explained.fix, data: { ...(explained.code ? { code: explained.code } : {}) } };
  }
  const status = outcome.status;
  const detail = serverWords(config, outcome.body);
  const data = { status, request: 'GET /sessions?limit=1' };
  if (status >= 200 && status < 300) {
    return { ...base, status: 'pass', detail: `accepted (GET /sessions answered ${status}, nothing written; key from ${keySource})`, data };
  }
  if (status === 401) {
    return {
      ...base,
      status: 'fail',
      detail: `refused: GET /sessions answered 401 Unauthorized${detail ? ` (${detail})` : ''}; the key came from ${keySource}`,
      fix: refusedKeyFix(config),
      data,
    };
  }
  if (status === 403) {
    return {
      ...base,
      status: 'fail',
      detail: `forbidden: GET /sessions answered 403${detail ? ` (${detail})` : ''}; the key (from ${keySource}) is known but may not read this workspace`,
      fix: forbiddenFix(config, 'read'),
      data,
    };
  }
  return {
    ...base,
    status: 'skip',
    detail: `not verified: GET /sessions answered ${status}${detail ? ` (${detail})` : ''} before the key could be judged`,
    fix: status === 429 ? 'rate limited: wait a minute and run doctor again' : 'run `otel-langsmith doctor --send-test-run`: it checks the key by writing one test run',
    data,
  };
}

/** One POST /runs: the full write path, and proof a run lands in the project. */
async function sendTestRun(config: ResolvedConfig, timeoutMillis: number): Promise<[CheckResult, CheckResult]> {
  const runId = randomUUID();
  const now = new Date();
  const body = {
    id: runId,
    name: TEST_RUN_NAME,
    run_type: 'chain',
    inputs: { check: 'otel-langsmith doctor --send-test-run' },
    outputs: { ok: true },
    start_time: now.toISOString(),
    end_time: now.toISOString(),
    session_name: config.projectName,
    tags: ['otel-langsmith-doctor'],
    extra: { metadata: { 'otel_langsmith.doctor': true } },
  };
  const headers: Record<string, string> = { 'content-type': 'application/json', ...authHeaders(config) };
  const url = `${config.endpoint}/runs`;
  const outcome: HttpOutcome = await httpRequest(url, { method: 'POST', headers, body: JSON.stringify(body), timeoutMillis });
  const keySource = describeSource(config.sources.apiKey);
  const keyCheck = { id: 'key-accepted' as const, title: 'Key accepted' };
  const runCheck = { id: 'test-run' as const, title: 'Test run' };

  if (outcome.kind === 'error') {
    const explained = explainNetworkError(outcome.error, url, timeoutMillis);
    return [
      { ...keyCheck, status: 'skip', detail: 'not verified: the test run could not be sent' },
      { ...runCheck, status: 'fail', detail: `POST ${url}: ${explained.problem}`, fix: explained.fix, data: { runId, ...(explained.code ? { code: explained.code } : {}) } },
    ];
  }
  const status = outcome.status;
  const detail = serverWords(config, outcome.body);
  const data = { runId, status, project: config.projectName };
  if (status >= 200 && status < 300) {
    return [
      { ...keyCheck, status: 'pass', detail: `accepted (POST /runs answered ${status}; key from ${keySource})`, data: { status } },
      {
        ...runCheck,
        status: 'pass',
        detail: `sent "${TEST_RUN_NAME}" to project "${config.projectName}": run id ${runId}`,
        data,
      },
    ];
  }
  if (status === 401) {
    return [
      {
        ...keyCheck,
        status: 'fail',
        detail: `refused: POST /runs answered 401 Unauthorized${detail ? ` (${detail})` : ''}; the key came from ${keySource}`,
        fix: refusedKeyFix(config),
        data: { status },
      },
      { ...runCheck, status: 'skip', detail: 'not stored: the key was refused', data },
    ];
  }
  if (status === 403) {
    return [
      {
        ...keyCheck,
        status: 'fail',
        detail: `forbidden: POST /runs answered 403${detail ? ` (${detail})` : ''}; the key (from ${keySource}) is known but may not write here`,
        fix: forbiddenFix(config, 'write'),
        data: { status },
      },
      { ...runCheck, status: 'skip', detail: 'not stored: the key was not allowed to write', data },
    ];
  }
  // Past authentication: a validation error or a server-side problem.
  const authenticated = status === 400 || status === 409 || status === 413 || status === 415 || status === 422;
  const keyResult: CheckResult = authenticated
    ? { ...keyCheck, status: 'pass', detail: `accepted (the run was refused later, with ${status}; key from ${keySource})`, data: { status } }
    : { ...keyCheck, status: 'skip', detail: `not verified: POST /runs answered ${status} before the key could be judged`, data: { status } };
  let fix: string;
  if (status === 429) fix = 'rate limited: wait a minute and run doctor again';
  else if (status === 404 || status === 405) fix = `no POST /runs at ${url}: ${endpointNotFoundFix(config.endpoint)}`;
  else if (status >= 500) fix = 'the server has a problem; try again later (LangSmith cloud: check its status page)';
  else fix = 'the server refused a minimal run: report this output at the otel-langsmith issue tracker';
  return [keyResult, { ...runCheck, status: 'fail', detail: `not stored: POST /runs answered ${status}${detail ? ` (${detail})` : ''}`, fix, data }];
}
