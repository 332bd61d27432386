import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { detailOf, postRun, runBody } from '../helpers/local-server.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(async () => {
  await server.close();
});

const without = (field: string): Record<string, unknown> => {
  const body = runBody();
  delete body[field];
  return body;
};

describe('POST /runs schema validation (422)', () => {
  it.each<[string, unknown, string]>([
    ['an array body', [runBody()], 'body: must be a JSON object'],
    ['a null body', null, 'body: must be a JSON object'],
    ['a missing name', without('name'), 'name: must be a non-empty string'],
    ['an empty name', runBody({ name: '' }), 'name: must be a non-empty string'],
    ['a numeric name', runBody({ name: 7 }), 'name: must be a non-empty string'],
    ['an unknown run_type', runBody({ run_type: 'agent' }), 'run_type: must be one of llm, chain, tool, retriever, embedding, prompt, parser'],
    ['a missing run_type', without('run_type'), 'run_type: must be one of'],
    ['missing inputs', without('inputs'), 'inputs: required'],
    ['array inputs', runBody({ inputs: ['a'] }), 'inputs: must be an object'],
    ['null inputs', runBody({ inputs: null }), 'inputs: must be an object'],
    ['a non-UUID id', runBody({ id: 'run-1' }), 'id: must be a UUID'],
    ['a 32-hex id without dashes', runBody({ id: '0f4e8a3c1d2b4c5d8e9f0a1b2c3d4e5f' }), 'id: must be a UUID'],
    ['a non-UUID parent_run_id', runBody({ parent_run_id: 'parent' }), 'parent_run_id: must be a UUID'],
    ['a non-UUID trace_id', runBody({ trace_id: 12 }), 'trace_id: must be a UUID'],
    ['a non-UUID session_id', runBody({ session_id: 'project' }), 'session_id: must be a UUID'],
    ['a non-UUID reference_example_id', runBody({ reference_example_id: 'x' }), 'reference_example_id: must be a UUID'],
    ['a missing start_time', without('start_time'), 'start_time: required'],
    ['an epoch-number start_time', runBody({ start_time: 1714564800000 }), 'start_time: must be an ISO 8601 timestamp'],
    ['a date-only start_time', runBody({ start_time: '2024-05-01' }), 'start_time: must be an ISO 8601 timestamp'],
    ['a start_time with 10 fraction digits', runBody({ start_time: '2024-05-01T12:00:00.1234567891Z' }), 'start_time: must be'],
    ['a start_time on February 30', runBody({ start_time: '2024-02-30T12:00:00Z' }), 'start_time: must be'],
    ['a start_time with hour 24', runBody({ start_time: '2024-05-01T24:00:00Z' }), 'start_time: must be'],
    ['a start_time with a compact offset', runBody({ start_time: '2024-05-01T12:00:00+0200' }), 'start_time: must be'],
    ['an invalid end_time', runBody({ end_time: 'soon' }), 'end_time: must be an ISO 8601 timestamp'],
    ['an end_time before start_time', runBody({ start_time: '2024-05-01T12:00:01Z', end_time: '2024-05-01T12:00:00.999999Z' }), 'end_time: must not be earlier than start_time'],
    ['string outputs', runBody({ outputs: 'done' }), 'outputs: must be an object'],
    ['array extra', runBody({ extra: [] }), 'extra: must be an object'],
    ['string extra.metadata', runBody({ extra: { metadata: 'm' } }), 'extra: metadata must be an object'],
    ['array serialized', runBody({ serialized: [1] }), 'serialized: must be an object'],
    ['an object error', runBody({ error: { message: 'boom' } }), 'error: must be a string'],
    ['events that are not an array', runBody({ events: { name: 'x' } }), 'events: must be an array of objects'],
    ['events holding a string', runBody({ events: ['new_token'] }), 'events: must be an array of objects'],
    ['tags holding a number', runBody({ tags: ['a', 1] }), 'tags: must be an array of strings'],
    ['a numeric session_name', runBody({ session_name: 3 }), 'session_name: must be a string'],
    ['an unknown top-level field', runBody({ span_id: 'abc' }), 'span_id: unknown field'],
  ])('rejects %s', async (_case, body, detail) => {
    const res = await postRun(server, body);
    expect(res.status).toBe(422);
    expect(detailOf(res)).toContain(detail);
  });

  it('reports every error in one detail', async () => {
    const res = await postRun(server, { id: 'x', name: '', run_type: 'agent', inputs: [], start_time: 'now', foo: 1 });
    expect(res.status).toBe(422);
    expect(detailOf(res).split('; ').sort()).toEqual(
      [
        'foo: unknown field',
        'id: must be a UUID',
        'name: must be a non-empty string',
        'run_type: must be one of llm, chain, tool, retriever, embedding, prompt, parser',
        'inputs: must be an object',
        'start_time: must be an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM])',
      ].sort(),
    );
  });

  it('accepts every optional field in its documented shape', async () => {
    const res = await postRun(
      server,
      runBody({
        start_time: '2024-02-29T23:59:59',
        end_time: '2024-03-01T00:00:00.5-01:00',
        error: 'boom',
        extra: { metadata: { ls_provider: 'openai' }, runtime: {} },
        events: [{ name: 'new_token', time: '2024-03-01T00:00:00Z' }],
        tags: ['a'],
        session_name: 'project',
        session_id: '0f4e8a3c-1d2b-4c5d-8e9f-0a1b2c3d4e5f',
        reference_example_id: '0f4e8a3c-1d2b-4c5d-8e9f-0a1b2c3d4e5e',
        serialized: {},
        attachments: {},
        revision_id: 'v1',
        status: 'success',
      }),
    );
    expect(res.status).toBe(200);
  });
});
