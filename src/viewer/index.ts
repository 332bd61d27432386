import type { IncomingMessage, ServerResponse } from 'node:http';
import { addressedToLoopback, isLoopback } from '../net/loopback.js';
import type { LocalServerOptions } from '../testing/types.js';
import { VIEWER_ASSETS, type ViewerAsset } from './assets/index.js';

/** Where the page lives; its scripts, styles and icon are under `VIEWER_ASSET_PREFIX`. */
export const VIEWER_PAGE_PATH = '/';
export const VIEWER_ASSET_PREFIX = '/_viewer/';

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

/**
 * `extraRoutes` for the local server serving the trace viewer: the page at `/`, its assets under
 * `/_viewer/`. The page reads `GET /_local/events`, which answers loopback clients only, so the
 * viewer does too. Every other path falls through to the server.
 */
export function createViewerRoutes(): ExtraRoutes {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    if (path === VIEWER_PAGE_PATH) return answer(req, res, VIEWER_ASSETS.page);
    if (path.startsWith(VIEWER_ASSET_PREFIX)) return answer(req, res, VIEWER_ASSETS.files.get(path.slice(VIEWER_ASSET_PREFIX.length)));
    // Browsers may ask for it whatever the page says; answered here, it is never a rejected request.
    if (path === '/favicon.ico') return answer(req, res, undefined, 204);
    return false;
  };
}

/** Sends `asset`, or an empty `missingStatus` answer without one. */
function answer(req: IncomingMessage, res: ServerResponse, asset: ViewerAsset | undefined, missingStatus = 404): true {
  const method = req.method ?? 'GET';
  if (!isLoopback(req.socket.remoteAddress ?? '') || !addressedToLoopback(req.headers.host)) {
    return plain(res, 403, 'The trace viewer only answers loopback clients (its data comes from /_local/, which does too).\n');
  }
  if (method !== 'GET' && method !== 'HEAD') return plain(res, 405, 'Method Not Allowed\n', { allow: 'GET, HEAD' });
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
