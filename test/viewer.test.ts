// The trace viewer of `otel-langsmith dev` in a real headless Chromium (playwright-core, Debian's
// /usr/bin/chromium): runs posted by the real exporter show up as a trace list, a run tree with
// timing bars and run details, live, with run data shown as text only.
// Needs .ci/setup-browser.sh (Chromium): skips with the reason otherwise. 127.0.0.1 only.
import { SpanStatusCode, trace, context, type Span, type Tracer } from '@opentelemetry/api';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from 'otel-langsmith/testing';
import { startDev } from '../src/cli/dev.js';
import { exportOnce, exporterFor } from './helpers/exporter.js';
import { recordingTracer } from './helpers/tracing.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`viewer.test.ts: skipped, ${CHROMIUM} is missing; run .ci/setup-browser.sh`);

const XSS_NAME = '<img src=x onerror=alert(1)>';
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
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
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
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
          error: row.querySelector('.error-dot') !== null,
          left: Math.round(((bar.left - track.left) / track.width) * 100),
          width: Math.round((bar.width / track.width) * 100),
          indent: Math.round(row.querySelector('.badge')!.getBoundingClientRect().left - row.querySelector('.row-label')!.getBoundingClientRect().left),
        };
      }),
    );
    expect(tree).toEqual([
      { name: 'answer weather question', type: 'chain', error: false, left: 0, width: 100, indent: 0 },
      { name: 'chat gpt-4o', type: 'llm', error: false, left: 5, width: 60, indent: 16 },
      { name: 'get_weather', type: 'tool', error: true, left: 70, width: 25, indent: 16 },
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
