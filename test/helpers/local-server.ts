import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import type { LocalServer } from 'otel-langsmith/testing';

export const API_KEY = 'test-key';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
}

export async function send(
  server: LocalServer,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT',
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const body = options.body === undefined || typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const res = await request(`${server.url}${path}`, { method, headers: options.headers, body });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** POST /runs with a valid key and JSON content type unless overridden. */
export function postRun(server: LocalServer, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return send(server, 'POST', '/runs', {
    body,
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json', ...headers },
  });
}

export function runBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: randomUUID(),
    name: 'step',
    run_type: 'chain',
    inputs: { question: 'why?' },
    start_time: '2024-05-01T12:00:00.123456Z',
    end_time: '2024-05-01T12:00:01.000000Z',
    outputs: { answer: 'because' },
    ...overrides,
  };
}

export function detailOf(result: HttpResult): string {
  return (result.json as { detail: string }).detail;
}
