// The parity harness itself: the capture server merges what the SDKs send in each wire format, and
// the comparison finds each kind of difference (so a green parity test cannot come from a blind one).
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCaptureServer, type CaptureServer } from './capture-server.js';
import { compareExpected, compareTrees, type TreeNode } from './compare-runs.js';

describe('capture server', () => {
  let capture: CaptureServer;
  beforeEach(async () => {
    capture = await startCaptureServer();
  });
  afterEach(() => capture.close());

  it('answers /info and merges a gzip multipart post with a later PATCH and a batch', async () => {
    const info = (await (await fetch(`${capture.url}/info`)).json()) as { batch_ingest_config: { use_multipart_endpoint: boolean }; instance_flags: Record<string, boolean> };
    expect(info.batch_ingest_config.use_multipart_endpoint).toBe(true);
    expect(info.instance_flags).toMatchObject({ gzip_body_enabled: true, zstd_compression_enabled: false });

    const boundary = '----LangSmithFormBoundarytest';
    const part = (name: string, value: unknown, type = 'application/json') => {
      const data = typeof value === 'string' ? value : JSON.stringify(value);
      return `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\nContent-Type: ${type}; length=${Buffer.byteLength(data)}\r\n\r\n${data}\r\n`;
    };
    const body = [
      part('post.r1', { id: 'r1', name: 'root', run_type: 'chain', start_time: '2024-01-01T00:00:00Z', trace_id: 'r1', dotted_order: 'x' }),
      part('post.r1.inputs', { question: 'q' }),
      part('post.r1.extra', { metadata: { a: 1 }, runtime: { sdk: 'x' } }),
      part('attachment.r1.note', 'plain bytes', 'text/plain'),
      part('feedback.f1', { id: 'f1' }),
      `--${boundary}--\r\n`,
    ].join('');
    const posted = await fetch(`${capture.url}/runs/multipart`, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-encoding': 'gzip' },
      body: gzipSync(body),
    });
    expect(posted.status).toBe(202);
    await fetch(`${capture.url}/runs/r1`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outputs: { answer: 'a' }, end_time: '2024-01-01T00:00:01Z', extra: { metadata: { b: 2 } } }) });
    await fetch(`${capture.url}/runs/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ post: [{ id: 'c1', name: 'child', run_type: 'tool', parent_run_id: 'r1', start_time: '2024-01-01T00:00:00.5Z', end_time: '2024-01-01T00:00:00.6Z' }], patch: [] }),
    });

    const runs = await capture.waitForEndedRuns(2, 2000);
    expect(runs.find((run) => run.id === 'r1')).toMatchObject({
      name: 'root',
      inputs: { question: 'q' },
      outputs: { answer: 'a' },
      extra: { metadata: { a: 1, b: 2 }, runtime: { sdk: 'x' } },
    });
    expect(capture.attachments().r1?.note?.data.toString()).toBe('plain bytes');
    expect(capture.trees().map((tree) => [tree.run.name, tree.children.map((child) => child.run.name)])).toEqual([['root', ['child']]]);
  });

  it('refuses a zstd body loudly', async () => {
    const response = await fetch(`${capture.url}/runs/multipart`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-encoding': 'zstd' }, body: 'x' });
    expect(response.status).toBe(415);
  });
});

const node = (run: Record<string, unknown>, children: TreeNode[] = []): TreeNode => ({ run, children });

describe('compareTrees', () => {
  const native = () =>
    node({ id: 'n1', name: 'root', run_type: 'chain', inputs: { q: 'x' }, tags: ['a', 'b'], session_name: 'p', extra: { metadata: { k: 1, LANGSMITH_TRACING: 'true', revision_id: 'abc' }, runtime: { sdk: 'js' } } }, [
      node({ id: 'n2', parent_run_id: 'n1', name: 'llm', run_type: 'llm', outputs: { usage_metadata: { input_tokens: 3 } }, error: 'Error: boom', events: [] }),
      node({ id: 'n3', parent_run_id: 'n1', name: 'llm', run_type: 'llm', serialized: {} }),
    ]);
  const ours = () =>
    node({ id: 'o1', name: 'root', run_type: 'chain', inputs: { q: 'x' }, tags: ['b', 'a'], session_name: 'p', extra: { metadata: { k: 1, more: true }, runtime: { other: 1 } }, start_time: 'later' }, [
      node({ id: 'o2', parent_run_id: 'o1', name: 'llm', run_type: 'llm', outputs: { usage_metadata: { input_tokens: 3 } }, error: 'Error: boom\n\nStacktrace:\n at x' }),
      node({ id: 'o3', parent_run_id: 'o1', name: 'llm', run_type: 'llm' }),
    ]);

  it('agrees on equal trees, ignoring ids, timing, runtime, SDK metadata, tag order, stack traces and empty values', () => {
    const result = compareTrees(native(), ours());
    expect(result.differences).toEqual([]);
    expect(result.agreeing).toBe(result.total);
    expect(result.total).toBeGreaterThan(15);
  });

  it('reports each kind of difference with its path', () => {
    const mine = ours();
    Object.assign(mine.run, { tags: ['a'], extra: { metadata: { k: '1' } }, inputs: { q: 'y' } });
    Object.assign(mine.children[0]!.run, { run_type: 'chain', error: undefined, parent_run_id: 'elsewhere' });
    mine.children.pop();
    mine.children.push(node({ id: 'o4', parent_run_id: 'o1', name: 'surprise', run_type: 'tool' }));
    const paths = compareTrees(native(), mine).differences.map((d) => d.path);
    expect(paths).toEqual([
      'root inputs.q',
      'root tags',
      'root extra.metadata.k',
      'root/llm#1 run_type',
      'root/llm#1 parent',
      'root/llm#1 error',
      'root/llm#2',
      'root/surprise',
    ]);
  });
});

describe('compareExpected', () => {
  it('requires every expected leaf, allows more keys, and counts array items ours has in excess', () => {
    const expected = { inputs: { messages: [{ role: 'user', content: 'hi' }] }, outputs: { usage_metadata: { input_tokens: 2 } } };
    expect(compareExpected('r', expected, { inputs: { messages: [{ role: 'user', content: 'hi', name: 'x' }] }, outputs: { usage_metadata: { input_tokens: 2, total_tokens: 3 } } }).differences).toEqual([]);
    const off = compareExpected('r', expected, { inputs: { messages: [{ role: 'user', content: 'hi' }, { role: 'user', content: 'again' }] }, outputs: {} });
    expect(off.differences.map((d) => d.path)).toEqual(['r.inputs.messages[1]', 'r.outputs']);
  });
});
