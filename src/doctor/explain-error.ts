import { isLoopback } from '../net/loopback.js';

/** A network failure in words, with the one thing to try. */
export interface Explanation {
  problem: string;
  fix: string;
  /** The error code that decided it (e.g. ECONNREFUSED), when there was one. */
  code?: string;
}

const TLS_UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);
const TLS_EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** Explains a connection-level error for `url` (DNS, refused, timeout, TLS, not HTTP). */
export function explainNetworkError(error: unknown, url: string, timeoutMillis: number): Explanation {
  const { codes, messages, names } = unwrap(error);
  const target = new URL(url);
  const host = target.hostname;
  const hostPort = `${host}:${target.port || (target.protocol === 'https:' ? '443' : '80')}`;
  const has = (...candidates: string[]): string | undefined => candidates.find((c) => codes.includes(c));
  const text = messages.join(' | ');

  let code: string | undefined;
  if ((code = has('ENOTFOUND'))) {
    return { code, problem: `cannot resolve the host ${host} (DNS: not found)`, fix: `check the host name in the endpoint for a typo; LangSmith cloud is https://api.smith.langchain.com (EU: https://eu.api.smith.langchain.com)` };
  }
  if ((code = has('EAI_AGAIN'))) {
    return { code, problem: `DNS lookup of ${host} failed temporarily`, fix: 'check the network connection and DNS settings, then run doctor again' };
  }
  if ((code = has('ECONNREFUSED'))) {
    return { code, problem: `connection refused: nothing is listening at ${hostPort}`, fix: `start the server or correct the port in the endpoint (\`otel-langsmith dev\` listens on 127.0.0.1:1984)` };
  }
  if ((code = has('EHOSTUNREACH', 'ENETUNREACH'))) {
    return { code, problem: `no network route to ${hostPort}`, fix: 'check the network, VPN or firewall between this machine and the endpoint' };
  }
  if ((code = has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'))) {
    return { code, problem: `the connection to ${hostPort} was closed before an answer`, fix: 'a proxy or firewall may be cutting it, or the port may expect https:// (or http://): check the endpoint scheme' };
  }
  if ((code = has(...TLS_UNTRUSTED))) {
    return { code, problem: `the TLS certificate of ${host} is not trusted (${code})`, fix: 'behind a TLS-inspecting proxy or with a private CA, point NODE_EXTRA_CA_CERTS at its CA certificate (PEM)' };
  }
  if ((code = has(...TLS_EXPIRED))) {
    return { code, problem: `the TLS certificate of ${host} is expired or not yet valid (${code})`, fix: "check this machine's clock, then the server's certificate" };
  }
  if ((code = has('ERR_TLS_CERT_ALTNAME_INVALID'))) {
    return { code, problem: `the TLS certificate presented by ${hostPort} is not for ${host}`, fix: 'use the host name the certificate was issued for, or check for a proxy intercepting the connection' };
  }
  if (has('ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO') || /wrong version number|packet length too long/i.test(text)) {
    code = has('ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO') ?? 'EPROTO';
    return { code, problem: `TLS handshake with ${hostPort} failed: the port seems to speak plain HTTP`, fix: `use http:// instead of https:// in the endpoint (or the TLS port of the server)` };
  }
  if ((code = has('HPE_INVALID_CONSTANT', 'HPE_INVALID_STATUS', 'UND_ERR_INFO'))) {
    return { code, problem: `${hostPort} did not answer in HTTP`, fix: 'the port may expect https:// (use https:// in the endpoint) or not be an HTTP server at all' };
  }
  if ((code = has('UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT'))) {
    return { code, problem: `connecting to ${hostPort} timed out after ${timeoutMillis} ms`, fix: 'a firewall may drop the traffic; check outbound access to the endpoint (or raise --timeout-ms)' };
  }
  if ((code = has('UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT')) || names.includes('TimeoutError') || names.includes('AbortError')) {
    return { ...(code ? { code } : {}), problem: `no answer from ${hostPort} within ${timeoutMillis} ms`, fix: 'the server is overloaded or a proxy holds the request; try again or raise --timeout-ms' };
  }
  code = codes[0];
  return {
    ...(code ? { code } : {}),
    problem: `request to ${hostPort} failed: ${messages[0] ?? String(error)}`,
    fix: 'check the endpoint URL and the network path to it',
  };
}

function unwrap(error: unknown): { codes: string[]; messages: string[]; names: string[] } {
  const codes: string[] = [];
  const messages: string[] = [];
  const names: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const { code, message, name, cause, errors } = current as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string') codes.push(code);
    if (typeof message === 'string' && message !== '') messages.push(message);
    if (typeof name === 'string') names.push(name);
    // AggregateError (several addresses tried): look at the first.
    current = cause ?? (Array.isArray(errors) ? errors[0] : undefined);
  }
  return { codes, messages, names };
}

/**
 * The fix for a key the endpoint refused with 401, fitting what the endpoint is: a local server
 * (`otel-langsmith dev`, which refuses keys only when started with --api-key) or LangSmith.
 * `setting` names where the key came from (e.g. LANGSMITH_API_KEY); the key itself is never shown.
 */
export function explainRefusedKey(endpoint: string, setting: string): string {
  const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || isLoopback(host)) {
    return (
      `this is a local server (otel-langsmith dev) started with --api-key: set ${setting} to the key it was started with, ` +
      'or restart it without --api-key (`npx otel-langsmith dev`) to accept any key'
    );
  }
  return (
    `the key is wrong, revoked or from another LangSmith instance or region: create one for ${endpoint} ` +
    `(smith.langchain.com → Settings → API Keys) and set ${setting}; org-scoped keys also need LANGSMITH_WORKSPACE_ID`
  );
}
