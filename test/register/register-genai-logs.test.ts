import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer, type StoredRun } from 'otel-langsmith/testing';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { REPO_ROOT } from '../helpers/paths.js';

// The zero-code path as a user of OpenTelemetry's GenAI instrumentations meets it: `node --import
// otel-langsmith/register` with the auto-instrumentations (instrumentation-openai among them) and
// OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true, the real `openai` client against the
// local stub, no code. The content is only in log records; register's logs pipeline joins them.
const ENTRY = `${REPO_ROOT}dist/register.js`;
const FIXTURE = `${REPO_ROOT}test/fixtures/register/openai-chat.mjs`;
const built = existsSync(ENTRY);
if (!built) console.warn('register-genai-logs.test.ts: skipped, dist/register.js is missing; run `npm run build` (npm test does)');

const KEY = 'lsv2_pt_register0123456789abcdef0123_0123456789';

let server: LocalServer;
let stub: OpenAIStub;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: KEY });
  stub = await startOpenAIStub();
});
afterAll(async () => {
  await stub?.close();
  await server?.close();
});
beforeEach(() => server?.reset());

function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || /^(OTEL_|LANGSMITH_|LANGCHAIN_|OPENAI_|NODE_OPTIONS$|VITEST|NODE_V8_COVERAGE$)/.test(name)) continue;
    env[name] = value;
  }
  return {
    ...env,
    LANGSMITH_ENDPOINT: server.url,
    LANGSMITH_API_KEY: KEY,
    LANGSMITH_PROJECT: 'register-genai',
    OPENAI_BASE_URL: stub.baseURL,
    OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
    OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'openai',
    ...extra,
  };
}

function run(extra: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', ENTRY, FIXTURE], { cwd: REPO_ROOT, env: cleanEnv(extra), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the fixture did not exit within 25 s\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 25_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

const TOOL_CALL = { id: 'call_weather_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };

function expectRoundTrip(runs: StoredRun[]): void {
  expect(runs.map((r) => r.name)).toEqual(['chat gpt-4o-mini', 'chat gpt-4o-mini']);
  const [first, second] = [...runs].sort((a, b) => a.start_time.localeCompare(b.start_time));
  expect(first!.run_type).toBe('llm');
  expect(first!.inputs?.messages).toEqual([
    { role: 'system', content: 'You answer about the weather.' },
    { role: 'user', content: 'Weather in Paris?' },
  ]);
  expect(first!.outputs?.choices).toEqual([{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [TOOL_CALL] } }]);
  expect(second!.inputs?.messages).toEqual([
    { role: 'system', content: 'You answer about the weather.' },
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: null, tool_calls: [TOOL_CALL] },
    { role: 'tool', content: '{"forecast":"rain"}', tool_call_id: 'call_weather_1' },
  ]);
  expect(second!.outputs?.choices).toEqual([{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'It will rain in Paris.' } }]);
}

describe.runIf(built)('otel-langsmith/register renders GenAI log records with no code', () => {
  it.each(['main', 'worker'])('deliveryThread %s: both LLM runs carry their messages in and out, tool round trip included', async (thread) => {
    const result = await run({ OTEL_LANGSMITH_DELIVERY_THREAD: thread });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('It will rain in Paris.\ndone');
    expectRoundTrip(server.runs());
  });

  it("OTEL_LOGS_EXPORTER=console keeps the NodeSDK's own logs pipeline: the records are printed, the runs have no content", async () => {
    const result = await run({ OTEL_LOGS_EXPORTER: 'console', OTEL_LOG_LEVEL: 'info' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('gen_ai.user.message');
    expect(result.stdout + result.stderr).toContain('GenAI log records (message content) are not joined');
    const runs = server.runs();
    expect(runs).toHaveLength(2);
    for (const r of runs) expect(r.inputs?.messages).toBeUndefined();
  });
});
