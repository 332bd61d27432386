// POST /feedback on the strict local server: LangSmith's feedback-create schema, 404 for a run it
// has not stored, 409 for an id it has, and the stored feedback in the inspection endpoints.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { detailOf, postRun, runBody, send } from '../helpers/local-server.js';
import { openSse } from '../helpers/sse-client.js';

let server: LocalServer;
let runId: string;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(() => server.close());
afterEach(() => server.reset());

async function storedRun(): Promise<string> {
  const body = runBody();
  expect((await postRun(server, body)).status).toBe(200);
  return body['id'] as string;
}

const postFeedback = (body: unknown, headers: Record<string, string> = {}) =>
  send(server, 'POST', '/feedback', { body, headers: { 'x-api-key': 'k', 'content-type': 'application/json', ...headers } });

describe('POST /feedback', () => {
  it('stores valid feedback and shows it through feedback() and GET /_local/feedback', async () => {
    runId = await storedRun();
    const id = randomUUID();
    const answer = await postFeedback({ id, run_id: runId, key: 'correctness', score: 1, value: 'right', comment: 'ok', feedback_source: { type: 'api', metadata: {} } });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ id, run_id: runId, key: 'correctness' });
    expect(server.feedback(runId)).toEqual([expect.objectContaining({ id, score: 1, value: 'right', comment: 'ok' })]);
    expect(server.feedback(randomUUID())).toEqual([]);
    expect((await send(server, 'GET', '/_local/feedback')).json).toEqual([expect.objectContaining({ id })]);
    // An id is assigned when none is given, as the service does.
    expect(((await postFeedback({ run_id: runId, key: 'thumbs', score: true })).json as { id: string }).id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a missing key', {}, 'key: required'],
    ['an empty key', { key: '' }, 'key: must be a non-empty string'],
    ['a missing run_id', { run_id: undefined }, 'run_id: required'],
    ['a non-UUID run_id', { run_id: 'run-1' }, 'run_id: must be a UUID'],
    ['a textual score', { score: 'high' }, 'score: must be a number or a boolean'],
    ['a numeric comment', { comment: 5 }, 'comment: must be a string'],
    ['a source without type', { feedback_source: {} }, 'feedback_source: must be an object with a string type'],
    ['an unknown field', { rating: 5 }, 'rating: unknown field'],
  ])('refuses %s with 422', async (_, change, detail) => {
    runId = await storedRun();
    const body: Record<string, unknown> = { run_id: runId, key: 'k', ...change };
    if ('run_id' in change && change['run_id'] === undefined) delete body['run_id'];
    if (_ === 'a missing key') delete body['key'];
    const answer = await postFeedback(body);
    expect(answer.status).toBe(422);
    expect(detailOf(answer)).toContain(detail);
    expect(server.feedback()).toEqual([]);
  });

  it('answers 404 for a run it has not stored, 409 for an id it has, 401 without a key', async () => {
    expect((await postFeedback({ run_id: randomUUID(), key: 'k' })).status).toBe(404);
    runId = await storedRun();
    const id = randomUUID();
    expect((await postFeedback({ id, run_id: runId, key: 'k' })).status).toBe(200);
    expect((await postFeedback({ id, run_id: runId, key: 'k' })).status).toBe(409);
    expect((await send(server, 'POST', '/feedback', { body: { run_id: runId, key: 'k' }, headers: { 'content-type': 'application/json' } })).status).toBe(401);
    expect(server.feedback()).toHaveLength(1);
  });

  it('streams feedback on GET /_local/events after the runs, and forgets it on reset', async () => {
    runId = await storedRun();
    expect((await postFeedback({ run_id: runId, key: 'k', score: 0.5 })).status).toBe(200);
    const stream = await openSse(server);
    try {
      const events = await stream.waitFor(2, (m) => m.event !== undefined);
      expect(events.map((e) => e.event)).toEqual(['run', 'feedback']);
      expect(JSON.parse(events[1]!.data!)).toMatchObject({ run_id: runId, key: 'k', score: 0.5 });
    } finally {
      stream.destroy();
    }
    server.reset();
    expect(server.feedback()).toEqual([]);
  });
});
