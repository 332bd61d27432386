import type { IncomingMessage, ServerResponse } from 'node:http';
import { addressedToLoopback, isLoopback } from '../net/loopback.js';
import type { LocalServerOptions, RequestRecord } from '../testing/types.js';
import { VIEWER_ASSETS, type ViewerAsset } from './assets/index.js';

/** Where the page lives; its scripts, styles and icon are under `VIEWER_ASSET_PREFIX`. */
export const VIEWER_PAGE_PATH = '/';
export const VIEWER_ASSET_PREFIX = '/_viewer/';
/** JSON for the page: whether the server demands one API key, and the requests it refused. */
export const VIEWER_STATE_PATH = '/_viewer/state';
/** Refused requests the state lists in full; it counts all of them. */
const RECENT_REFUSALS = 20;

/**
 * The page runs only our own scripts and styles and talks only to its own origin; run data is
 * untrusted, so even a rendering bug cannot load or run anything else.
 */
export const VIEWER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': VIEWER_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // A dev tool whose assets change with the package version: never serve a stale copy.
  'cache-control': 'no-store',
};

type ExtraRoutes = NonNullable<LocalServerOptions['extraRoutes']>;

export interface ViewerOptions {
  /** True when the server was started with an API key (the key itself never reaches the page). */
  apiKeyRequired?: boolean;
  /** The server's request log, read on each state request; default none. */
  requests?: () => RequestRecord[];
}

/** One refused request as the page shows it: never a key (the log holds none), nor a body. */
export interface ViewerRefusal {
  at: number;
  status: number;
  method: string;
  path: string;
  detail?: string;
  hint?: string;
}

export interface ViewerState {
  apiKey: 'required' | 'any';
  refused: { count: number; recent: ViewerRefusal[] };
}

/** What `GET /_viewer/state` answers. */
export function viewerState(options: ViewerOptions = {}): ViewerState {
  const refused = (options.requests?.() ?? []).filter((r) => r.status === 0 || r.status >= 400);
  return {
    apiKey: options.apiKeyRequired ? 'required' : 'any',
    refused: { count: refused.length, recent: refused.slice(-RECENT_REFUSALS).map((r) => refusal(r, options.apiKeyRequired === true)) },
  };
}

function refusal(record: RequestRecord, apiKeyRequired: boolean): ViewerRefusal {
  const shown: ViewerRefusal = { at: record.at, status: record.status, method: record.method, path: record.path };
  if (record.detail !== undefined) shown.detail = record.detail;
  if (record.status === 401) {
    shown.hint = !record.apiKeyPresent
      ? 'no API key: set LANGSMITH_API_KEY'
      : apiKeyRequired
        ? 'wrong API key: LANGSMITH_API_KEY is not the key this server was started with (--api-key)'
        : 'API key refused';
  }
  return shown;
}

/**
 * `extraRoutes` for the local server serving the trace viewer: the page at `/`, its assets under
 * `/_viewer/`, its state at `/_viewer/state`. The page reads `GET /_local/events`, which answers
 * loopback clients only, so the viewer does too. Every other path falls through to the server.
 */
export function createViewerRoutes(options: ViewerOptions = {}): ExtraRoutes {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    if (path === VIEWER_PAGE_PATH) return answer(req, res, VIEWER_ASSETS.page);
    if (path === VIEWER_STATE_PATH) return answer(req, res, () => ({ type: 'application/json; charset=utf-8', body: JSON.stringify(viewerState(options)) }));
    if (path.startsWith(VIEWER_ASSET_PREFIX)) return answer(req, res, VIEWER_ASSETS.files.get(path.slice(VIEWER_ASSET_PREFIX.length)));
    // Browsers may ask for it whatever the page says; answered here, it is never a rejected request.
    if (path === '/favicon.ico') return answer(req, res, undefined, 204);
    return false;
  };
}

/** Sends `asset` (built only once the client is known to be local), or an empty `missingStatus` answer without one. */
function answer(req: IncomingMessage, res: ServerResponse, source: ViewerAsset | (() => ViewerAsset) | undefined, missingStatus = 404): true {
  const method = req.method ?? 'GET';
  if (!isLoopback(req.socket.remoteAddress ?? '') || !addressedToLoopback(req.headers.host)) {
    return plain(res, 403, 'The trace viewer only answers loopback clients (its data comes from /_local/, which does too).\n');
  }
  if (method !== 'GET' && method !== 'HEAD') return plain(res, 405, 'Method Not Allowed\n', { allow: 'GET, HEAD' });
  const asset = typeof source === 'function' ? source() : source;
  if (asset === undefined) return missingStatus === 204 ? send(res, 204, {}) : plain(res, missingStatus, 'Not Found\n');
  const body = Buffer.from(asset.body, 'utf8');
  return send(res, 200, { 'content-type': asset.type, 'content-length': String(body.length) }, method === 'HEAD' ? undefined : body);
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): true {
  const body = Buffer.from(text, 'utf8');
  return send(res, status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(body.length), ...headers }, body);
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: Buffer): true {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers });
  res.end(body);
  return true;
}
