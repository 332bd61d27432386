// The trace viewer of `otel-langsmith dev` in a real headless Chromium (playwright-core, Debian's
// /usr/bin/chromium): runs posted by the real exporter show up as a trace list, a run tree with
// timing bars and run details, live, with run data shown as text only.
// Needs .ci/setup-browser.sh (Chromium): skips with the reason otherwise. 127.0.0.1 only.
import { SpanStatusCode, trace, context, type Span, type Tracer } from '@opentelemetry/api';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIdFromSpanId } from 'otel-langsmith';
import type { LocalServer } from 'otel-langsmith/testing';
import { startDev } from '../../src/cli/dev.js';
import { TEST_KEY, exportOnce, exporterFor } from '../helpers/exporter.js';
import { recordingTracer } from '../helpers/tracing.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`viewer.test.ts: skipped, ${CHROMIUM} is missing; run .ci/setup-browser.sh`);

const XSS_NAME = '<img src=x onerror=alert(1)>';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const SCREENSHOT = join(ARTIFACTS, 'viewer.png');

/** A span with fixed times, `offset` and `duration` in ms from the trace's start. */
function timedSpan(tracer: Tracer, name: string, t0: number, offset: number, attributes: Record<string, string | number>, parent?: Span): Span {
  const ctx = parent ? trace.setSpan(context.active(), parent) : context.active();
  return tracer.startSpan(name, { startTime: new Date(t0 + offset), attributes }, ctx);
}

/** A root chain, an llm child (OTel GenAI attributes: messages, choices, usage) and a failing tool child. */
async function postAgentTrace(server: LocalServer, t0: number): Promise<void> {
  const { tracer, spans } = recordingTracer();
  const root = timedSpan(tracer, 'answer weather question', t0, 0, { 'langsmith.metadata.user_id': 'ada', 'app.version': '1.4.2' });
  const llm = timedSpan(tracer, 'chat gpt-4o', t0, 50, {
    'langsmith.span.kind': 'llm',
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You are a weather assistant.' }]),
    'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Will it rain in Paris tomorrow?' }] }]),
    'gen_ai.output.messages': JSON.stringify([
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: 'Let me check the forecast.' },
          { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { city: 'Paris', day: 'tomorrow' } },
        ],
        finish_reason: 'tool_call',
      },
    ]),
    'gen_ai.usage.input_tokens': 120,
    'gen_ai.usage.output_tokens': 35,
    'gen_ai.usage.cache_read.input_tokens': 64,
  }, root);
  llm.end(new Date(t0 + 650));
  const tool = timedSpan(tracer, 'get_weather', t0, 700, { 'langsmith.span.kind': 'tool' }, root);
  tool.recordException(new Error('weather service unavailable'), new Date(t0 + 940));
  tool.setStatus({ code: SpanStatusCode.ERROR });
  tool.end(new Date(t0 + 950));
  root.end(new Date(t0 + 1000));
  await deliver(server, spans());
}

async function deliver(server: LocalServer, spans: ReturnType<ReturnType<typeof recordingTracer>['spans']>): Promise<void> {
  const before = server.runs().length;
  const exporter = exporterFor(server);
  expect((await exportOnce(exporter, spans)).code).toBe(0);
  await exporter.shutdown();
  await server.waitForRuns(before + spans.length);
}

/** Elements among `selector` whose content is wider or taller than their box: clipped, or scrolled out of view. */
function overflowing(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluateAll((elements) =>
    elements
      // Inline boxes have no client size (their overflow shows in their block parent).
      .filter((el) => el.clientWidth > 0 || el.clientHeight > 0)
      .filter((el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${el.className}: ${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight}`),
  );
}

const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.runIf(hasChromium)('the trace viewer in Chromium', () => {
  let server: LocalServer;
  let browser: BrowserContext;
  let page: Page;
  let userDataDir: string;
  const pageErrors: string[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    server = await startDev({ port: 0, host: '127.0.0.1', print: () => {}, printError: (text) => pageErrors.push(`server: ${text}`) });
    mkdirSync(ARTIFACTS, { recursive: true });
    userDataDir = mkdtempSync(join(tmpdir(), 'otel-langsmith-viewer-'));
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', ...BROWSER_ARGS],
      viewport: { width: 1440, height: 900 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(`page: ${error.message}`));
    // CSP violations and failed loads are reported as console errors.
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
    });
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('lists a trace, shows its run tree with timing bars and the llm run in detail', async () => {
    const t0 = Date.now() - 5000;
    await postAgentTrace(server, t0);
    const response = await page.goto(`${server.url}/`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");

    const item = page.locator('.trace-item', { hasText: 'answer weather question' });
    await item.waitFor();
    expect(await item.locator('.trace-meta').innerText()).toMatch(/3 runs\s+1\.00 s\s+tests/);
    expect(await item.locator('.error-pill').innerText()).toBe('✕ 1');

    await item.click();
    const rows = page.locator('#tree .row');
    await expect.poll(() => rows.count()).toBe(3);
    const tree = await rows.evaluateAll((elements) =>
      elements.map((row) => {
        const track = row.querySelector('.track')!.getBoundingClientRect();
        const bar = row.querySelector('.bar')!.getBoundingClientRect();
        return {
          name: row.querySelector('.row-name')?.textContent,
          type: row.querySelector('.badge')?.textContent,
          llm: row.querySelector('.row-llm')?.textContent ?? null,
          error: row.querySelector('.error-dot') !== null,
          left: Math.round(((bar.left - track.left) / track.width) * 100),
          width: Math.round((bar.width / track.width) * 100),
          indent: Math.round(row.querySelector('.badge')!.getBoundingClientRect().left - row.querySelector('.row-label')!.getBoundingClientRect().left),
        };
      }),
    );
    expect(tree).toEqual([
      { name: 'answer weather question', type: 'chain', llm: null, error: false, left: 0, width: 100, indent: 0 },
      // As LangSmith's tree does: the model and the token counts on the llm row.
      { name: 'chat gpt-4o', type: 'llm', llm: 'gpt-4o · 120 in / 35 out tokens', error: false, left: 5, width: 60, indent: 16 },
      { name: 'get_weather', type: 'tool', llm: null, error: true, left: 70, width: 25, indent: 16 },
    ]);
    // The root is selected with the trace: its metadata as a key/value table.
    await expect.poll(() => page.locator('#detail .run-name').textContent()).toBe('answer weather question');
    expect(await page.locator('#detail table.kv tr', { hasText: 'user_id' }).innerText()).toMatch(/user_id\s+ada/);

    await rows.filter({ hasText: 'chat gpt-4o' }).click();
    const detail = page.locator('#detail');
    await expect.poll(() => detail.locator('.run-name').textContent()).toBe('chat gpt-4o');
    const cards = await detail.locator('.inputs .msg').evaluateAll((elements) =>
      elements.map((card) => ({ role: card.querySelector('.role')?.textContent, text: card.querySelector('.text')?.textContent })),
    );
    expect(cards).toEqual([
      { role: 'system', text: 'You are a weather assistant.' },
      { role: 'user', text: 'Will it rain in Paris tomorrow?' },
    ]);
    const choice = detail.locator('.outputs .choice');
    expect(await choice.locator('.choice-head').innerText()).toBe('choice 0 · finish: tool_calls');
    expect(await choice.locator('.msg .text').innerText()).toBe('Let me check the forecast.');
    expect(await choice.locator('.tool-call .fn').innerText()).toBe('get_weather');
    expect(JSON.parse(await choice.locator('.tool-call pre').innerText())).toEqual({ city: 'Paris', day: 'tomorrow' });
    const usage = await detail.locator('.usage .stat').evaluateAll((stats) => stats.map((s) => s.textContent));
    expect(usage).toEqual(['120input', '35output', '155total']);
    expect(await detail.locator('.usage table.kv').innerText()).toMatch(/input · cache_read\s+64/);
    expect(await detail.locator('.metadata').innerText()).toMatch(/ls_model_name\s+gpt-4o/);
    await page.screenshot({ path: SCREENSHOT });

    await rows.filter({ hasText: 'get_weather' }).click();
    const error = detail.locator('.error-box');
    await error.waitFor();
    expect(await error.locator('.error-first').innerText()).toBe('Error: weather service unavailable');
    const full = error.locator('details');
    expect(await full.locator('pre').isVisible()).toBe(false);
    await full.locator('summary').click();
    expect(await full.locator('pre').innerText()).toMatch(/^Error: weather service unavailable\n\s+at /);
    expect(await detail.locator('.event .event-head').innerText()).toMatch(/^exception\s+\+240 ms$/);
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-error.png') });
  });

  it('adds a new trace live, newest first, showing a hostile name as text', async () => {
    const before = await page.locator('#trace-list li').count();
    const { tracer, spans } = recordingTracer();
    const t0 = Date.now();
    const root = timedSpan(tracer, XSS_NAME, t0, 0, {});
    timedSpan(tracer, 'step <b>two</b>', t0, 10, {}, root).end(new Date(t0 + 20));
    root.end(new Date(t0 + 30));
    await deliver(server, spans());

    // No reload: the EventSource feed brings it.
    const first = page.locator('#trace-list li').first();
    await expect.poll(() => first.locator('.trace-name').textContent()).toBe(XSS_NAME);
    expect(await page.locator('#trace-list li').count()).toBe(before + 1);
    await first.locator('button').click();
    await expect.poll(() => page.locator('#tree .row-name').allTextContents()).toEqual([XSS_NAME, 'step <b>two</b>']);
    await expect.poll(() => page.locator('#detail .run-name').textContent()).toBe(XSS_NAME);
    // Shown as text everywhere, never parsed: no element was created from it and nothing ran.
    expect(await page.locator('img, b').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(await page.title()).toBe('otel-langsmith traces');
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-live.png') });
  });

  it('shows each run once when the feed repeats it, as a reconnect does', async () => {
    const [root, child] = server.runs().filter((run) => run.name === XSS_NAME || run.name === 'step <b>two</b>');
    const sse = (run: unknown): string => `event: run\ndata: ${JSON.stringify(run)}\n\n`;
    let streams = 0;
    const other = await browser.newPage();
    try {
      // Each stream repeats a run and then ends, so the page reconnects and gets them all again.
      await other.route('**/_local/events', async (route) => {
        streams++;
        await route.fulfill({ status: 200, contentType: 'text/event-stream', body: 'retry: 200\n\n' + [root, root, child, root].map(sse).join('') });
      });
      await other.goto(`${server.url}/`);
      await expect.poll(() => other.locator('#counts').textContent()).toBe('1 trace · 2 runs');
      await expect.poll(() => streams, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
      await other.locator('.trace-item').click();
      await expect.poll(() => other.locator('#tree .row').count()).toBe(2);
      expect(await other.locator('#counts').textContent()).toBe('1 trace · 2 runs');
    } finally {
      await other.close();
    }
  });

  it('follows a restarted server: the old runs go, the new ones come, without a reload', async () => {
    const counts = () => page.locator('#counts').textContent();
    await expect.poll(counts).toBe('2 traces · 5 runs');
    const port = server.port;
    await server.close();
    await expect.poll(() => page.locator('#status').textContent()).toBe('reconnecting…');
    server = await startDev({ port, host: '127.0.0.1', print: () => {}, printError: (text) => pageErrors.push(`server: ${text}`) });
    await postAgentTrace(server, Date.now());
    await expect.poll(counts, { timeout: 15_000 }).toBe('1 trace · 3 runs');
    expect(await page.locator('#status').textContent()).toBe('live');
  });

  it('empties on reset and fills again', async () => {
    const counts = () => page.locator('#counts').textContent();
    await page.locator('.trace-item').first().click();
    await expect.poll(() => page.locator('#tree .row').count()).toBe(3);
    server.reset();
    await expect.poll(counts).toBe('0 traces · 0 runs');
    expect(await page.locator('#trace-list li').count()).toBe(0);
    expect(await page.locator('#empty').isVisible()).toBe(true);
    // Started without --api-key: any non-empty key works, and the page says so.
    await expect.poll(() => page.locator('#key-hint').innerText()).toBe('Any non-empty LANGSMITH_API_KEY works: this server was started without --api-key.');
    expect(await overflowing(page, '#empty, #empty *, nav.traces')).toEqual([]);
    expect(await page.locator('#tree .placeholder').textContent()).toBe('Select a trace.');
    expect(await page.locator('#detail .placeholder').textContent()).toBe('Select a run.');

    await postAgentTrace(server, Date.now());
    await expect.poll(counts).toBe('1 trace · 3 runs');
    // A reload (a new connection) shows the same.
    await page.reload();
    await expect.poll(counts).toBe('1 trace · 3 runs');
    expect(pageErrors).toEqual([]);
  });
});

// A dev server started with --api-key: what the page says about the key, the requests it refused,
// sibling names that share a long prefix, and the static snapshot for headless screenshots.
describe.runIf(hasChromium)('the trace viewer of a server with --api-key, in Chromium', () => {
  const WRONG_KEY = 'lsv2_wrong_key_9876543210';
  let server: LocalServer;
  let browser: BrowserContext;
  let page: Page;
  let userDataDir: string;
  const pageErrors: string[] = [];
  const refusedInTerminal: string[] = [];

  beforeAll(async () => {
    server = await startDev({ port: 0, host: '127.0.0.1', apiKey: TEST_KEY, print: () => {}, printError: (text) => refusedInTerminal.push(text) });
    mkdirSync(ARTIFACTS, { recursive: true });
    userDataDir = mkdtempSync(join(tmpdir(), 'otel-langsmith-viewer-key-'));
    browser = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: ['--headless', ...BROWSER_ARGS], viewport: { width: 1440, height: 900 } });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(`page: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('waits for runs with advice that fits the pane and names the key this server was started with', async () => {
    await page.goto(`${server.url}/`);
    const empty = page.locator('#empty');
    await empty.waitFor();
    await expect.poll(() => page.locator('#key-hint').innerText()).toBe('Set LANGSMITH_API_KEY to the key this server was started with (its --api-key).');
    expect(await empty.innerText()).toContain(`LANGSMITH_ENDPOINT=${server.url}`);
    expect(await empty.innerText()).not.toMatch(/any non-empty/i);
    // Nothing cut off or scrolled out of the narrow trace pane: the endpoint wraps.
    expect(await overflowing(page, '#empty, #empty *, nav.traces')).toEqual([]);
    // The page knows a key is required, never the key.
    expect(await page.content()).not.toContain(TEST_KEY);
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-empty-key.png') });
  });

  it('shows requests the server refused (401, 422) in the page, without any key', async () => {
    const post = (key: string, body: unknown): Promise<Response> =>
      fetch(`${server.url}/runs`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify(body) });
    expect((await post(WRONG_KEY, { name: 'x' })).status).toBe(401);
    expect((await post(TEST_KEY, { name: 'no run type, no id' })).status).toBe(422);

    const banner = page.locator('#refused');
    // The page polls /_viewer/state every 2 s.
    await expect.poll(() => page.locator('#refused-title').innerText(), { timeout: 10_000 }).toBe('2 requests refused by this server');
    expect(await banner.isVisible()).toBe(true);
    expect(await page.locator('#refused-latest').innerText()).toMatch(/^· latest: 422 POST \/runs: /);
    await banner.locator('summary').click();
    const items = await page.locator('#refused-list li').allInnerTexts();
    expect(items).toHaveLength(2);
    expect(items[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} 422 POST \/runs: /);
    expect(items[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} 401 POST \/runs: wrong API key: LANGSMITH_API_KEY is not the key this server was started with \(--api-key\)$/);
    // The same two as in the terminal.
    expect(refusedInTerminal.map((line) => /^rejected: \d+ POST \/runs/.exec(line)?.[0])).toEqual(['rejected: 401 POST /runs', 'rejected: 422 POST /runs']);
    const html = await page.content();
    expect(html).not.toContain(TEST_KEY);
    expect(html).not.toContain(WRONG_KEY);
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-refused.png') });

    // Dismissed, it stays away until another request is refused.
    await page.locator('#refused-dismiss').click();
    expect(await banner.isVisible()).toBe(false);
    expect((await fetch(`${server.url}/runs`, { method: 'POST', body: '{}' })).status).toBe(401);
    await expect.poll(() => page.locator('#refused-title').innerText(), { timeout: 10_000 }).toBe('3 requests refused by this server');
    expect(await banner.isVisible()).toBe(true);
    expect(await page.locator('#refused-latest').innerText()).toBe('· latest: 401 POST /runs: no API key: set LANGSMITH_API_KEY');
    // Forgotten by the server (reset), gone from the page.
    server.reset();
    await expect.poll(() => banner.isVisible(), { timeout: 10_000 }).toBe(false);
  });

  it('shows sibling names that share a long prefix in full, so they read differently', async () => {
    const first = 'retrieve documents for the first question about the weather in Paris';
    const second = 'retrieve documents for the second question about the weather in Paris';
    const { tracer, spans } = recordingTracer();
    const t0 = Date.now() - 2000;
    const root = timedSpan(tracer, 'compare answers', t0, 0, {});
    timedSpan(tracer, first, t0, 10, { 'langsmith.span.kind': 'retriever' }, root).end(new Date(t0 + 300));
    timedSpan(tracer, second, t0, 320, { 'langsmith.span.kind': 'retriever' }, root).end(new Date(t0 + 600));
    root.end(new Date(t0 + 700));
    await deliver(server, spans());

    await page.locator('.trace-item', { hasText: 'compare answers' }).click();
    const names = page.locator('#tree .row-name');
    await expect.poll(() => names.allTextContents()).toEqual(['compare answers', first, second]);
    // Each name fits its box: no ellipsis, no clipped second line.
    expect(await overflowing(page, '#tree .row-name, #tree .row-title')).toEqual([]);
    const shown = await names.evaluateAll((elements) => elements.map((el) => (el as unknown as { innerText: string }).innerText));
    expect(shown.slice(1)).toEqual([first, second]);
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-long-names.png') });
  });

  it('renders once from a snapshot with ?static=1: no event stream, the newest trace selected', async () => {
    const snapshot = await browser.newPage();
    const paths: string[] = [];
    snapshot.on('request', (request) => paths.push(new URL(request.url()).pathname));
    try {
      await snapshot.goto(`${server.url}/?static=1`);
      await expect.poll(() => snapshot.locator('#status').textContent()).toBe('snapshot · reload to update');
      expect(await snapshot.locator('#counts').textContent()).toBe('1 trace · 3 runs');
      await expect.poll(() => snapshot.locator('#tree .row-name').allTextContents()).toHaveLength(3);
      expect(await snapshot.locator('#detail .run-name').textContent()).toBe('compare answers');
      expect(paths).toContain('/_local/runs');
      expect(paths).not.toContain('/_local/events');
    } finally {
      await snapshot.close();
    }
  });

  it('lets headless Chromium screenshot ?static=1 with --virtual-time-budget: the process exits and writes the PNG', async () => {
    await postAgentTrace(server, Date.now() - 3000);
    const dir = mkdtempSync(join(tmpdir(), 'otel-langsmith-screenshot-'));
    const png = join(dir, 'viewer.png');
    try {
      // The live page never lets virtual time run out (its event stream stays open); the snapshot does.
      const args = ['--headless', ...BROWSER_ARGS, `--user-data-dir=${join(dir, 'profile')}`, '--window-size=1440,900', '--virtual-time-budget=5000', `--screenshot=${png}`, `${server.url}/?static=1`];
      const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve, reject) => {
        const child = spawn(CHROMIUM, args, { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        // A guard, not a timing assertion: a page that never settles would hang the test forever.
        const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
        child.on('error', reject);
        child.on('close', (code, signal) => {
          clearTimeout(guard);
          resolve({ code, signal, stderr });
        });
      });
      expect(result, result.stderr).toMatchObject({ code: 0, signal: null });
      const image = readFileSync(png);
      expect(image.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
      // IHDR: the window size asked for.
      expect([image.readUInt32BE(16), image.readUInt32BE(20)]).toEqual([1440, 900]);
      copyFileSync(png, join(ARTIFACTS, 'viewer-static.png'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('shows evaluation feedback on its run, and feedback arriving later live, as text', async () => {
    server.reset();
    await page.goto(`${server.url}/`);
    const { tracer, spans } = recordingTracer();
    const t0 = Date.now() - 2000;
    const root = timedSpan(tracer, 'judged answer', t0, 0, {});
    const llm = timedSpan(tracer, 'chat judged', t0, 10, { 'gen_ai.operation.name': 'chat' }, root);
    llm.addEvent('gen_ai.evaluation.result', {
      'gen_ai.evaluation.name': 'Relevance',
      'gen_ai.evaluation.score.value': 0.9,
      'gen_ai.evaluation.score.label': 'relevant',
      'gen_ai.evaluation.explanation': 'answers what was asked',
    });
    llm.end(new Date(t0 + 500));
    root.end(new Date(t0 + 600));
    await deliver(server, spans()); // the exporter's shutdown waits for the feedback too
    const runId = runIdFromSpanId(llm.spanContext().spanId);
    expect(server.feedback(runId)).toHaveLength(1);

    await page.locator('.trace-item', { hasText: 'judged answer' }).click();
    await page.locator('#tree .row', { hasText: 'chat judged' }).click();
    const items = page.locator('#detail .feedback .feedback-item');
    await expect.poll(() => items.count()).toBe(1);
    expect(await items.first().innerText()).toMatch(/^Relevance\s+0\.9\s+relevant\s+answers what was asked$/);

    // Feedback posted while the run is on screen shows without a reload; its text stays text.
    const posted = await fetch(`${server.url}/feedback`, {
      method: 'POST',
      headers: { 'x-api-key': TEST_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ run_id: runId, key: 'user_rating', score: false, comment: XSS_NAME }),
    });
    expect(posted.status).toBe(200);
    await expect.poll(() => items.count()).toBe(2);
    expect(await items.nth(1).locator('.feedback-comment').textContent()).toBe(XSS_NAME);
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-feedback.png') });
    expect(pageErrors).toEqual([]);
  });
});
