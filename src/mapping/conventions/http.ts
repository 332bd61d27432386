import { SpanKind } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import {
  ATTR_HTTP_HOST,
  ATTR_HTTP_METHOD,
  ATTR_HTTP_SCHEME,
  ATTR_HTTP_STATUS_CODE,
  ATTR_HTTP_TARGET,
  ATTR_HTTP_URL,
  ATTR_NET_PEER_NAME,
} from '@opentelemetry/semantic-conventions/incubating';
import { redactUrl } from '../redact-url.js';
import type { Convention, ConventionResult, SpanView } from './types.js';

const BARE_NAME = /^(HTTP )?(GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH|_OTHER|HTTP)$/i;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The request URL, rebuilt from parts when instrumentations do not record it whole. */
function requestUrl(a: SpanView['attributes']): string | undefined {
  const full = text(a[ATTR_URL_FULL]) ?? text(a[ATTR_HTTP_URL]);
  if (full) return full;
  const path = text(a[ATTR_URL_PATH]);
  const target = text(a[ATTR_HTTP_TARGET]) ?? (path ? path + (text(a[ATTR_URL_QUERY]) ? `?${String(a[ATTR_URL_QUERY])}` : '') : undefined);
  if (!target) return undefined;
  const host = text(a[ATTR_SERVER_ADDRESS]) ?? text(a[ATTR_HTTP_HOST]);
  if (!host) return target;
  const scheme = text(a[ATTR_URL_SCHEME]) ?? text(a[ATTR_HTTP_SCHEME]) ?? 'http';
  const port = a[ATTR_SERVER_PORT];
  const hostPort = port !== undefined && !host.includes(':') ? `${host}:${String(port)}` : host;
  return `${scheme}://${hostPort}${target}`;
}

function pathOf(url: string): string {
  try {
    return new URL(url, 'http://relative.invalid').pathname;
  } catch {
    return url;
  }
}

/**
 * HTTP client and server spans (stable and legacy semantic conventions) as readable runs: a useful
 * name when the span is named by its method alone, method/URL/route as inputs, status as outputs.
 * URLs lose credentials and signatures; the raw URL attributes are consumed so no unredacted copy
 * reaches metadata.
 */
export const httpConvention: Convention = {
  id: 'http',
  keyStarts: [ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_METHOD],
  read(span: SpanView): ConventionResult | undefined {
    const a = span.attributes;
    const method = text(a[ATTR_HTTP_REQUEST_METHOD]) ?? text(a[ATTR_HTTP_METHOD]);
    if (!method) return undefined;
    const rawUrl = requestUrl(a);
    const url = rawUrl ? redactUrl(rawUrl) : undefined;
    const route = text(a[ATTR_HTTP_ROUTE]);
    const status = a[ATTR_HTTP_RESPONSE_STATUS_CODE] ?? a[ATTR_HTTP_STATUS_CODE];
    const host = withoutUserInfo(text(a[ATTR_SERVER_ADDRESS]) ?? text(a[ATTR_NET_PEER_NAME]) ?? text(a[ATTR_HTTP_HOST]));

    const inputs: Record<string, unknown> = { method };
    if (url) inputs.url = url;
    if (route) inputs.route = route;
    const result: ConventionResult = {
      inputs,
      consumed: [ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_METHOD, ATTR_URL_FULL, ATTR_HTTP_URL, ATTR_HTTP_TARGET, ATTR_URL_QUERY, ATTR_HTTP_ROUTE, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_STATUS_CODE].filter((k) => k in a),
    };
    if (status !== undefined) result.outputs = { status_code: status };
    // Host attributes with user info ("alice:pw@host") keep the host only, in metadata too.
    for (const key of [ATTR_SERVER_ADDRESS, ATTR_NET_PEER_NAME, ATTR_HTTP_HOST]) {
      const value = text(a[key]);
      if (value?.includes('@')) (result.metadata ??= {})[key] = withoutUserInfo(value);
    }
    if (BARE_NAME.test(span.name.trim())) {
      const where = span.kind === SpanKind.SERVER ? (route ?? (url ? pathOf(url) : undefined)) : url ? `${host ?? ''}${pathOf(url)}` : host;
      if (where) result.name = `${method} ${where}`;
    }
    return result;
  },
};

function withoutUserInfo(host: string | undefined): string | undefined {
  return host?.replace(/^[^/]*@/, '');
}
