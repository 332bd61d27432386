import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Reply {
  status: number;
  /** Sent as JSON; absent for 204. */
  body?: unknown;
  headers?: Record<string, string>;
  detail?: string;
  runId?: string;
}

/** FastAPI's error shape, which LangSmith clients parse. */
export function errorReply(status: number, detail: string, extra: Partial<Reply> = {}): Reply {
  return { status, body: { detail }, detail, ...extra };
}

export function sendReply(res: ServerResponse, reply: Reply): void {
  const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...(reply.body === undefined ? {} : { 'content-type': 'application/json' }),
    'content-length': String(Buffer.byteLength(payload)),
    ...reply.headers,
  });
  res.end(payload);
}

export type BodyRead = { kind: 'complete'; bytes: Buffer } | { kind: 'too-large' } | { kind: 'aborted' };

/**
 * Buffers at most `maxBytes`. Past that it stops keeping data but leaves the stream flowing, so
 * the 413 reaches a client still sending instead of being lost to a TCP reset on unread data.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  if (Number(req.headers['content-length']) > maxBytes) return Promise.resolve({ kind: 'too-large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      req.off('data', onData);
      resolve({ kind: 'too-large' });
    };
    req.on('data', onData);
    req.once('end', () => resolve({ kind: 'complete', bytes: Buffer.concat(chunks) }));
    req.once('close', () => resolve({ kind: 'aborted' }));
  });
}

export type JsonParse = { ok: true; value: unknown } | { ok: false; error: string };

export function parseJson(bytes: Buffer): JsonParse {
  try {
    return { ok: true, value: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

export function isJsonContentType(header: string | undefined): boolean {
  const mediaType = (header ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || /^application\/[\w.-]+\+json$/.test(mediaType);
}
