import { Agent, request } from 'undici';

export type HttpOutcome =
  | { kind: 'response'; status: number; contentType: string; body: string; millis: number }
  | { kind: 'error'; error: unknown; millis: number };

const MAX_BODY_CHARS = 64 * 1024;

/** One request on its own connection pool (closed afterwards), bounded by `timeoutMillis` end to end. */
export async function httpRequest(
  url: string,
  init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; timeoutMillis: number },
): Promise<HttpOutcome> {
  const started = Date.now();
  const agent = new Agent({ connect: { timeout: init.timeoutMillis }, headersTimeout: init.timeoutMillis, bodyTimeout: init.timeoutMillis });
  try {
    const response = await request(url, {
      method: init.method,
      headers: init.headers ?? {},
      ...(init.body === undefined ? {} : { body: init.body }),
      dispatcher: agent,
      signal: AbortSignal.timeout(init.timeoutMillis),
    });
    const text = await response.body.text();
    const contentType = response.headers['content-type'];
    return {
      kind: 'response',
      status: response.statusCode,
      contentType: (Array.isArray(contentType) ? contentType.join(', ') : contentType) ?? '',
      body: text.length > MAX_BODY_CHARS ? text.slice(0, MAX_BODY_CHARS) : text,
      millis: Date.now() - started,
    };
  } catch (error) {
    return { kind: 'error', error, millis: Date.now() - started };
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}

/** The `detail` of a LangSmith error body, or a short excerpt of the body. */
export function responseDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed && typeof parsed === 'object') {
      const detail = (parsed as { detail?: unknown; message?: unknown }).detail ?? (parsed as { message?: unknown }).message;
      if (typeof detail === 'string') return oneLine(detail);
      if (detail !== undefined) return oneLine(JSON.stringify(detail));
    }
  } catch {
    // not JSON
  }
  return oneLine(body);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
