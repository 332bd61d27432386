/**
 * What to change when the endpoint has no LangSmith API at its path (HTTP 404/405): one home for
 * the advice, used by the exporter's export errors and `diag`, and by `otel-langsmith doctor`.
 * LangSmith's cloud serves the API at the root; self-hosted LangSmith under `/api/v1` (LangSmith's
 * self-hosting docs; /work/shared/reference/facts.md); the local server (`otel-langsmith dev`) and
 * many proxies at the root. An endpoint with the prefix against a server without it, or the
 * reverse, answers a bare 404: say which way to change it.
 */
export const SELF_HOSTED_HINT = 'LangSmith cloud https://api.smith.langchain.com, EU https://eu.api.smith.langchain.com, self-hosted https://<host>/api/v1';

const SELF_HOSTED_PREFIX = '/api/v1';
const CLOUD_HOSTS = /(^|\.)smith\.langchain\.com$/;

/** The endpoint with or without the self-hosted prefix: the other URL worth trying, if any. */
export function otherEndpointToTry(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith(SELF_HOSTED_PREFIX)) return `${url.origin}${path.slice(0, -SELF_HOSTED_PREFIX.length)}`;
  if (CLOUD_HOSTS.test(url.hostname)) return undefined;
  return `${url.origin}${path}${SELF_HOSTED_PREFIX}`;
}

/**
 * The fix for an endpoint whose `path` answered `status` (404 or 405): `set the endpoint to ...`,
 * naming the URL to try when the prefix is the likely cause.
 */
export function endpointNotFoundFix(endpoint: string): string {
  const other = otherEndpointToTry(endpoint);
  if (other === undefined) return `set the endpoint to the API base URL (${SELF_HOSTED_HINT})`;
  const why = endpoint.replace(/\/+$/, '').endsWith(SELF_HOSTED_PREFIX)
    ? `it ends in ${SELF_HOSTED_PREFIX}, which only self-hosted LangSmith uses; this server has no such prefix`
    : `self-hosted LangSmith serves its API under ${SELF_HOSTED_PREFIX}`;
  return `set the endpoint to ${other} (${why}; ${SELF_HOSTED_HINT})`;
}

/** One line for an export error or `diag`: what answered, and the fix. */
export function endpointNotFoundAdvice(endpoint: string, path: string, status: number): string {
  return `${endpoint}${path} answered HTTP ${status}: no LangSmith API at this endpoint; ${endpointNotFoundFix(endpoint)}; \`npx otel-langsmith doctor\` checks it`;
}
