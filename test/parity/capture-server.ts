// A capture server for the differential parity tests: a real HTTP server on 127.0.0.1 that takes
// what LangSmith's own SDKs send when they trace natively (no OTel), and merges each run's post and
// patches into the final run, so a native run tree can be compared with the one our pipeline made.
//
// Wire formats, as the SDKs send them (read in langsmith 0.12 JS `lib/client.js` and langsmith
// 0.15 Python `client.py`, `_internal/_background_thread.py`, `_internal/_multipart.py`):
//   POST  /runs                one run create, JSON
//   PATCH /runs/:id            one run update, JSON
//   POST  /runs/batch          JSON `{post: [...], patch: [...]}`
//   POST  /runs/multipart      multipart/form-data; parts named `post.<id>` / `patch.<id>` (the run
//                              without its big fields), `post.<id>.<field>` / `patch.<id>.<field>`
//                              for field in inputs, outputs, events, extra, error, serialized (each
//                              a JSON value), `attachment.<id>.<name>` (raw bytes), `feedback.<id>`.
//                              Each part's Content-Type may carry `; length=N`.
//   GET   /info                the server's capabilities: the SDKs read `batch_ingest_config`
//                              (use_multipart_endpoint, size limits) and `instance_flags`
//                              (gzip_body_enabled, zstd_compression_enabled).
// Bodies may be gzip-compressed (`Content-Encoding: gzip`); gzip is what this server advertises.
// It never advertises zstd (`zstd_compression_enabled: false`), and a zstd body gets a 415 (recorded,
// so the test fails loudly, never silently): Node 20's zlib has no zstd. What each SDK then does:
//   JS 0.12      compresses queued runs with zstd only when /info allows it and the runtime has
//                zstd, else with gzip when `gzip_body_enabled`: here, gzip (observed)
//   Python 0.15  compresses (zstd) only when /info allows it and `zstandard` is installed, else plain
//                multipart: here, plain; its scripts also set LANGSMITH_DISABLE_RUN_COMPRESSION=true
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';

/** One run as the SDK's posts and patches leave it (fields as the SDK sent them). */
export type CapturedRun = Record<string, unknown> & { id: string; name?: string; parent_run_id?: string | null };

/** A captured run and its children (in start order), as the comparison walks them. */
export interface CapturedNode {
  run: CapturedRun;
  children: CapturedNode[];
}

/** One request the capture server answered. */
export interface CaptureRequest {
  method: string;
  path: string;
  status: number;
  contentEncoding?: string;
  /** The multipart part names, for /runs/multipart. */
  parts?: string[];
  detail?: string;
}

export interface CaptureServer {
  url: string;
  requests(): CaptureRequest[];
  /** Every run, posts merged with their patches, in first-seen order. */
  runs(): CapturedRun[];
  /** Attachments by run id, then by name. */
  attachments(): Record<string, Record<string, { contentType: string; data: Buffer }>>;
  /** One node per root run (no parent, or a parent never received), ordered by start_time. */
  trees(): CapturedNode[];
  /** Resolves once `count` runs have an end_time (posted with it or patched); rejects after `timeoutMs`. */
  waitForEndedRuns(count: number, timeoutMs?: number): Promise<CapturedRun[]>;
  reset(): void;
  close(): Promise<void>;
}

/** What GET /info answers: multipart with gzip allowed, zstd not, generous limits. */
export const CAPTURE_INFO = {
  version: '0.0.0-parity-capture',
  license_expiration_time: null,
  batch_ingest_config: {
    use_multipart_endpoint: true,
    scale_up_qsize_trigger: 1000,
    scale_up_nthreads_limit: 16,
    scale_down_nempty_trigger: 4,
    size_limit: 100,
    size_limit_bytes: 20_971_520,
  },
  instance_flags: {
    gzip_body_enabled: true,
    zstd_compression_enabled: false,
  },
  tenant_handle: null,
};

const RUN_FIELD_PARTS = new Set(['inputs', 'outputs', 'events', 'extra', 'error', 'serialized']);

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const encoding = (req.headers['content-encoding'] ?? '').toLowerCase().trim();
  if (encoding === '' || encoding === 'identity') return raw;
  if (encoding === 'gzip') return gunzipSync(raw);
  if (encoding === 'deflate') return inflateSync(raw);
  throw new HttpError(415, `content-encoding ${encoding} is not supported by the capture server (it never advertises it)`);
}

function parseJson(buffer: Buffer, what: string): unknown {
  try {
    return JSON.parse(buffer.toString('utf8'));
  } catch (error) {
    throw new HttpError(422, `${what} is not JSON: ${(error as Error).message}`);
  }
}

interface Part {
  name: string;
  contentType: string;
  data: Buffer;
}

/** multipart/form-data → parts (name, content type, raw bytes). */
export function parseMultipart(body: Buffer, contentType: string): Part[] {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!match) throw new HttpError(400, 'multipart body without a boundary');
  const delimiter = Buffer.from(`--${(match[1] ?? match[2])!.trim()}`);
  const parts: Part[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new HttpError(400, 'multipart body without its boundary');
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') break; // closing delimiter
    at += 2; // CRLF after the delimiter
    const headerEnd = body.indexOf('\r\n\r\n', at);
    if (headerEnd < 0) throw new HttpError(400, 'multipart part without the end of its headers');
    const headers: Record<string, string> = {};
    for (const line of body.subarray(at, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw new HttpError(400, 'multipart part without a closing boundary');
    const name = /name="([^"]*)"/.exec(headers['content-disposition'] ?? '')?.[1];
    if (name === undefined) throw new HttpError(400, 'multipart part without a name');
    parts.push({ name, contentType: headers['content-type'] ?? 'application/octet-stream', data: body.subarray(headerEnd + 4, next) });
    at = next + 2; // to the delimiter
  }
  return parts;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Applies one post or patch to the stored run. A later value replaces an earlier one field by
 * field (what LangSmith's ingest does with a patch), except `extra`, merged one level down and its
 * `metadata` merged key by key, so a patch carrying only part of `extra` keeps the post's rest.
 */
function applyOperation(store: Map<string, CapturedRun>, op: Record<string, unknown>): void {
  const id = op.id;
  if (typeof id !== 'string') throw new HttpError(422, 'a run operation without a string id');
  const run = store.get(id) ?? ({ id } as CapturedRun);
  for (const [key, value] of Object.entries(op)) {
    if (value === undefined) continue;
    if (key === 'extra' && isRecord(value) && isRecord(run.extra)) {
      const before = run.extra;
      const merged: Record<string, unknown> = { ...before, ...value };
      if (isRecord(before.metadata) && isRecord(value.metadata)) merged.metadata = { ...before.metadata, ...value.metadata };
      run.extra = merged;
    } else {
      run[key] = value;
    }
  }
  store.set(id, run);
}

function startOf(run: CapturedRun): string {
  const value = run.start_time;
  if (typeof value === 'number') return new Date(value).toISOString();
  return typeof value === 'string' ? value : '';
}

function byStart(a: CapturedNode, b: CapturedNode): number {
  const sa = startOf(a.run);
  const sb = startOf(b.run);
  if (sa !== sb) return sa < sb ? -1 : 1;
  const da = String(a.run.dotted_order ?? '');
  const db = String(b.run.dotted_order ?? '');
  return da < db ? -1 : da > db ? 1 : 0;
}

/** Trees of the runs by parent_run_id; children and roots in start order. */
export function buildTrees(runs: CapturedRun[]): CapturedNode[] {
  const nodes = new Map(runs.map((run) => [run.id, { run, children: [] as CapturedNode[] }]));
  const roots: CapturedNode[] = [];
  for (const node of nodes.values()) {
    const parent = typeof node.run.parent_run_id === 'string' ? nodes.get(node.run.parent_run_id) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  const sort = (list: CapturedNode[]): void => {
    list.sort(byStart);
    for (const node of list) sort(node.children);
  };
  sort(roots);
  return roots;
}

export async function startCaptureServer(): Promise<CaptureServer> {
  const store = new Map<string, CapturedRun>();
  const attachments: Record<string, Record<string, { contentType: string; data: Buffer }>> = {};
  const log: CaptureRequest[] = [];
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const waiter of [...waiters]) waiter();
  };

  async function handle(req: IncomingMessage, res: ServerResponse, record: CaptureRequest): Promise<unknown> {
    const path = record.path;
    if (req.method === 'GET' && (path === '/info' || path === '/api/v1/info')) return CAPTURE_INFO;
    if (req.method === 'POST' && path === '/runs') {
      applyOperation(store, parseJson(await readBody(req), 'POST /runs body') as Record<string, unknown>);
      return {};
    }
    const patch = /^\/runs\/([^/]+)$/.exec(path);
    if (req.method === 'PATCH' && patch) {
      const body = parseJson(await readBody(req), 'PATCH /runs body') as Record<string, unknown>;
      applyOperation(store, { ...body, id: decodeURIComponent(patch[1]!) });
      return {};
    }
    if (req.method === 'POST' && path === '/runs/batch') {
      const body = parseJson(await readBody(req), 'POST /runs/batch body') as { post?: unknown[]; patch?: unknown[] };
      for (const op of body.post ?? []) applyOperation(store, op as Record<string, unknown>);
      for (const op of body.patch ?? []) applyOperation(store, op as Record<string, unknown>);
      return {};
    }
    if (req.method === 'POST' && path === '/runs/multipart') {
      const parts = parseMultipart(await readBody(req), req.headers['content-type'] ?? '');
      record.parts = parts.map((part) => part.name);
      // Operations in part order: a run's main part, then its field parts, posts before patches.
      const ops = new Map<string, Record<string, unknown>>();
      for (const part of parts) {
        const [kind, id, field, ...rest] = part.name.split('.');
        if (kind === 'attachment' && id && field) {
          (attachments[id] ??= {})[[field, ...rest].join('.')] = { contentType: part.contentType, data: Buffer.from(part.data) };
          continue;
        }
        if (kind === 'feedback') continue;
        if ((kind !== 'post' && kind !== 'patch') || !id || rest.length > 0) throw new HttpError(422, `unexpected multipart part ${part.name}`);
        const key = `${kind}.${id}`;
        const op = ops.get(key) ?? { id };
        ops.set(key, op);
        const value = parseJson(part.data, `part ${part.name}`);
        if (field === undefined) Object.assign(op, value as Record<string, unknown>);
        else if (RUN_FIELD_PARTS.has(field)) op[field] = value;
        else throw new HttpError(422, `unexpected run field part ${part.name}`);
      }
      for (const [key, op] of ops) if (key.startsWith('post.')) applyOperation(store, op);
      for (const [key, op] of ops) if (key.startsWith('patch.')) applyOperation(store, op);
      return {};
    }
    throw new HttpError(404, `the capture server has no ${req.method} ${path}`);
  }

  const server = createServer((req, res) => {
    const record: CaptureRequest = {
      method: req.method ?? '',
      path: new URL(req.url ?? '/', 'http://capture').pathname,
      status: 0,
      contentEncoding: req.headers['content-encoding'],
    };
    log.push(record);
    handle(req, res, record).then(
      (answer) => {
        record.status = req.method === 'POST' && record.path !== '/info' ? 202 : 200;
        res.writeHead(record.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
        notify();
      },
      (error: unknown) => {
        record.status = error instanceof HttpError ? error.status : 500;
        record.detail = (error as Error).message;
        req.resume();
        res.writeHead(record.status, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: record.detail }));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const runs = (): CapturedRun[] => [...store.values()];
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => [...log],
    runs,
    attachments: () => attachments,
    trees: () => buildTrees(runs()),
    waitForEndedRuns(count, timeoutMs = 10_000) {
      const ended = (): CapturedRun[] => runs().filter((run) => run.end_time !== undefined && run.end_time !== null);
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const done = ended();
          if (done.length < count) return;
          cleanup();
          resolve(done);
        };
        const timer = setTimeout(() => {
          cleanup();
          const failed = log.filter((r) => r.status >= 400).map((r) => `${r.method} ${r.path} ${r.status} ${r.detail ?? ''}`);
          reject(new Error(`the capture server has ${ended().length} ended runs of ${count} after ${timeoutMs} ms` + (failed.length ? `; refused: ${failed.join('; ')}` : '')));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    reset() {
      store.clear();
      for (const key of Object.keys(attachments)) delete attachments[key];
      log.length = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
