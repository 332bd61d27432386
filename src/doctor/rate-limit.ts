import { isLoopback } from '../net/loopback.js';
import type { CheckResult } from './types.js';

/** LangSmith's cloud limit per API key (its docs: 5 000 ingestion requests a minute). */
const CLOUD_REQUESTS_PER_MINUTE = 5000;

/** Which request limit applies to the endpoint, where it can be told from the URL alone. */
export function rateLimitOf(endpoint: string): CheckResult {
  const host = new URL(endpoint).hostname;
  const title = 'Rate limit';
  if (host === 'smith.langchain.com' || host.endsWith('.smith.langchain.com')) {
    return {
      id: 'rate-limit',
      title,
      status: 'pass',
      detail: `LangSmith cloud: ${CLOUD_REQUESTS_PER_MINUTE} POST /runs a minute per API key (about ${Math.floor(CLOUD_REQUESTS_PER_MINUTE / 60)} runs a second with the default transport)`,
      fix: "above that, set transport: 'auto' (or 'batch'), or leave spans out with spanFilter; 429s make runs wait, never fail",
      data: { requestsPerMinute: CLOUD_REQUESTS_PER_MINUTE, kind: 'cloud' },
    };
  }
  if (isLoopback(host.replace(/^\[|\]$/g, '')) || host === 'localhost') {
    return { id: 'rate-limit', title, status: 'pass', detail: 'local server: no limit unless it was started with one (rateLimit)', data: { kind: 'local' } };
  }
  return { id: 'rate-limit', title, status: 'skip', detail: 'self-hosted or proxied: the limit is the deployment\'s own and cannot be told from here', data: { kind: 'unknown' } };
}
