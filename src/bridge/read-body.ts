import type { IncomingMessage } from 'node:http';
import { createGunzip, type Gunzip } from 'node:zlib';

export interface BodyLimits {
  /** Most bytes read from the wire. */
  maxBodyBytes: number;
  /** Most bytes after decompression. */
  maxDecompressedBytes: number;
}

export type BodyResult =
  | { ok: true; body: Buffer }
  /** `status` 0: the client went away, there is no one to answer. */
  | { ok: false; status: 0 | 400 | 413; message: string };

/**
 * Reads a request body within the limits, gunzipping it on the fly when `gzip` is set. Neither the
 * compressed nor the decompressed bytes are ever buffered past their limit: a zip bomb stops at
 * the first chunk over it. On failure the request is left paused and unread; the caller answers
 * and closes the connection.
 */
export function readBody(req: IncomingMessage, gzip: boolean, limits: BodyLimits): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let wireBytes = 0;
    let bodyBytes = 0;
    let settled = false;
    const gunzip: Gunzip | undefined = gzip ? createGunzip() : undefined;

    const settle = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onClose);
      if (!result.ok) {
        req.pause();
        chunks.length = 0;
        gunzip?.removeAllListeners().on('error', () => {}); // late zlib errors have no one to tell
        gunzip?.destroy();
      }
      resolve(result);
    };
    const tooLarge = (what: string, limit: number): void =>
      settle({ ok: false, status: 413, message: `${what} exceeds the limit of ${limit} bytes` });

    const collect = (chunk: Buffer): void => {
      bodyBytes += chunk.length;
      if (bodyBytes > limits.maxDecompressedBytes) tooLarge('the decompressed body', limits.maxDecompressedBytes);
      else chunks.push(chunk);
    };

    const onData = (chunk: Buffer): void => {
      wireBytes += chunk.length;
      if (wireBytes > limits.maxBodyBytes) return tooLarge('the request body', limits.maxBodyBytes);
      if (!gunzip) return collect(chunk);
      // Decompress at the pace zlib can take it, so its buffers stay small too.
      if (!gunzip.write(chunk)) {
        req.pause();
        gunzip.once('drain', () => {
          if (!settled) req.resume();
        });
      }
    };
    let ended = false;
    const onEnd = (): void => {
      ended = true;
      if (gunzip) gunzip.end();
      else settle({ ok: true, body: Buffer.concat(chunks) });
    };
    const onGone = (): void => settle({ ok: false, status: 0, message: 'the client closed the connection' });
    const onClose = (): void => {
      if (!ended) onGone();
    };

    if (gunzip) {
      gunzip.on('data', (chunk: Buffer) => {
        if (!settled) collect(chunk);
      });
      gunzip.on('end', () => settle({ ok: true, body: Buffer.concat(chunks) }));
      gunzip.on('error', (error) => settle({ ok: false, status: 400, message: `invalid gzip body: ${error.message}` }));
    }
    req.on('data', onData).on('end', onEnd).on('error', onGone).on('close', onClose);
  });
}
