import { describe, expect, it } from 'vitest';
import { parseDoctorArgs } from '../../src/cli/doctor.js';
import { explainNetworkError, explainRefusedKey } from '../../src/doctor/explain-error.js';
import { doctorPassed, formatResults } from '../../src/doctor/format.js';
import { describeKeyShape, formatKeyShape } from '../../src/doctor/key-shape.js';
import { rateLimitOf } from '../../src/doctor/rate-limit.js';
import type { CheckResult } from '../../src/doctor/types.js';

describe('describeKeyShape', () => {
  it('recognizes LangSmith key prefixes and never keeps the key', () => {
    const key = 'lsv2_sk_0123456789abcdef0123456789abcdef_0123456789';
    const shape = describeKeyShape(key);
    expect(shape).toEqual({ length: key.length, prefix: 'lsv2_sk_', kind: 'service key', problems: [] });
    expect(JSON.stringify(shape) + formatKeyShape(shape)).not.toContain(key.slice(8));
    expect(describeKeyShape('lsv2_pt_0123456789abcdef0123456789abcdef_0123456789').kind).toBe('personal access token');
    expect(describeKeyShape('ls__0123456789abcdef0123456789abcdef').kind).toBe('legacy key');
  });

  it('names paste mistakes without echoing the key', () => {
    expect(describeKeyShape('"lsv2_pt_0123456789abcdef0123456789abcdef_0123456789"')).toMatchObject({
      kind: 'personal access token',
      problems: ['it is wrapped in quotes (they become part of the key)'],
    });
    expect(describeKeyShape('lsv2_pt_0123 456789abcdef').problems).toContain('it contains whitespace');
    expect(describeKeyShape('your-api-key').problems).toContain('it looks like a placeholder');
    expect(describeKeyShape('lsv2_pt_abc').problems).toContain('it is too short to be complete');
    const unknown = describeKeyShape('sk-proj-0123456789');
    expect(unknown).toEqual({ length: 18, kind: 'unrecognized', problems: [] });
    expect(formatKeyShape(unknown)).toBe('unrecognized format (not lsv2_pt_/lsv2_sk_), 18 characters');
  });
});

describe('explainNetworkError', () => {
  const url = 'https://api.example.test/info';
  const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });
  const wrapped = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });

  it.each([
    ['ENOTFOUND', /cannot resolve the host api\.example\.test/, /typo/],
    ['EAI_AGAIN', /DNS lookup of api\.example\.test failed temporarily/, /DNS/],
    ['ECONNREFUSED', /nothing is listening at api\.example\.test:443/, /start the server/],
    ['UND_ERR_CONNECT_TIMEOUT', /connecting to api\.example\.test:443 timed out after 5000 ms/, /firewall/],
    ['UND_ERR_HEADERS_TIMEOUT', /no answer from api\.example\.test:443 within 5000 ms/, /--timeout-ms/],
    ['SELF_SIGNED_CERT_IN_CHAIN', /TLS certificate of api\.example\.test is not trusted/, /NODE_EXTRA_CA_CERTS/],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', /not trusted/, /NODE_EXTRA_CA_CERTS/],
    ['CERT_HAS_EXPIRED', /expired or not yet valid/, /clock/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', /is not for api\.example\.test/, /host name/],
    ['ERR_SSL_WRONG_VERSION_NUMBER', /seems to speak plain HTTP/, /use http:\/\//],
    ['ECONNRESET', /closed before an answer/, /proxy or firewall/],
    ['EHOSTUNREACH', /no network route/, /VPN or firewall/],
  ])('%s', (code, problem, fix) => {
    for (const error of [withCode(code), wrapped(withCode(code))]) {
      const explained = explainNetworkError(error, url, 5000);
      expect(explained.code).toBe(code);
      expect(explained.problem).toMatch(problem);
      expect(explained.fix).toMatch(fix);
    }
  });

  it('an abort by the overall deadline is a timeout; anything else keeps its message', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(explainNetworkError(timeout, 'http://127.0.0.1:1984/info', 250).problem).toBe('no answer from 127.0.0.1:1984 within 250 ms');
    const other = explainNetworkError(new Error('something odd'), url, 5000);
    expect(other.problem).toBe('request to api.example.test:443 failed: something odd');
    expect(other.code).toBeUndefined();
  });
});

describe('formatting', () => {
  const results: CheckResult[] = [
    { id: 'endpoint', title: 'Endpoint', status: 'pass', detail: 'http://x (from LANGSMITH_ENDPOINT)' },
    { id: 'api-key', title: 'API key', status: 'fail', detail: 'missing', fix: 'export LANGSMITH_API_KEY=<your key>' },
    { id: 'test-run', title: 'Test run', status: 'skip', detail: 'not requested' },
  ];

  it('prints each problem with its fix on one line under it', () => {
    expect(formatResults(results)).toBe(
      '[ok  ] Endpoint  http://x (from LANGSMITH_ENDPOINT)\n' +
        '[FAIL] API key   missing\n' +
        '                 fix: export LANGSMITH_API_KEY=<your key>\n' +
        '[skip] Test run  not requested\n' +
        '\n' +
        'FAILED: 1 check failed (1 skipped).\n',
    );
    expect(doctorPassed(results)).toBe(false);
    expect(doctorPassed(results.filter((r) => r.status !== 'fail'))).toBe(true);
  });
});

describe('parseDoctorArgs', () => {
  it('reads every flag', () => {
    expect(parseDoctorArgs(['--send-test-run', '--json', '--endpoint', 'http://h', '--project', 'p', '--timeout-ms', '250'])).toEqual({
      kind: 'run',
      json: true,
      options: { sendTestRun: true, endpoint: 'http://h', projectName: 'p', timeoutMillis: 250 },
    });
    expect(parseDoctorArgs([])).toEqual({ kind: 'run', json: false, options: { sendTestRun: false } });
    expect(parseDoctorArgs(['--help', '--bogus']).kind).toBe('error');
    expect(parseDoctorArgs(['--help']).kind).toBe('help');
  });
});

describe('the rate limit that applies', () => {

  it("names LangSmith cloud's per-key limit and the fix, the local server's, and says when it cannot tell (from the URL alone)", () => {
    expect(rateLimitOf('https://api.smith.langchain.com')).toMatchObject({ status: 'pass', data: { requestsPerMinute: 5000, kind: 'cloud' } });
    expect((rateLimitOf('https://eu.api.smith.langchain.com'))?.fix).toContain("transport: 'auto'");
    expect(rateLimitOf('http://127.0.0.1:9')).toMatchObject({ status: 'pass', data: { kind: 'local' } });
    expect(rateLimitOf('https://langsmith.example.internal/api/v1')).toMatchObject({ status: 'skip', data: { kind: 'unknown' } });
  });
});

describe('explainRefusedKey', () => {
  it('fits the endpoint: the local server wants the key it was started with, LangSmith a new key (and a workspace for org keys)', () => {
    for (const local of ['http://127.0.0.1:1984', 'http://localhost:1984', 'http://[::1]:1984']) {
      const fix = explainRefusedKey(local, 'LANGSMITH_API_KEY');
      expect(fix).toMatch(/^this is a local server \(otel-langsmith dev\) started with --api-key: set LANGSMITH_API_KEY to the key it was started with/);
      expect(fix).not.toContain('smith.langchain.com');
    }
    const cloud = explainRefusedKey('https://api.smith.langchain.com', 'LANGCHAIN_API_KEY');
    expect(cloud).toContain('create one for https://api.smith.langchain.com (smith.langchain.com → Settings → API Keys) and set LANGCHAIN_API_KEY');
    expect(cloud).toContain('org-scoped keys also need LANGSMITH_WORKSPACE_ID');
    expect(cloud).not.toContain('local server');
  });
});
