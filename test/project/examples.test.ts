import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer, type StoredRun } from 'otel-langsmith/testing';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { metadataOf } from '../helpers/runs.js';

// Each example runs as a real `node` child process, configured only through env vars as a user
// would configure it, against the strict local server (and the local OpenAI stub). The examples
// import 'otel-langsmith', which resolves to dist/ (`npm test` builds it before vitest runs).
const root = REPO_ROOT;
const built = existsSync(`${root}/dist/index.js`);
if (!built) console.warn('examples.test.ts: skipped, dist/ is missing; run `npm run build` (npm test does)');

const KEY = 'lsv2_examples_0123456789abcdef';
/** The stub's usage, as LangSmith usage_metadata. */
const STUB_USAGE = { input_tokens: 21, output_tokens: 9, total_tokens: 30 };

let server: LocalServer;
let stub: OpenAIStub;

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node ...args` from the repository root. The child gets no OTEL_*, LANGSMITH_* or LANGCHAIN_*
 * variable from this process: above all not LANGSMITH_TRACING / LANGCHAIN_TRACING_V2, which would
 * make @langchain/core's bundled LangSmith SDK trace on its own.
 */
function runExample(args: string[], extraEnv: Record<string, string> = {}, timeoutMs = 20_000): Promise<ChildResult> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(OTEL_|LANGSMITH_|LANGCHAIN_|OPENAI_|AI_MODEL$)/.test(name)) env[name] = value;
  }
  Object.assign(env, {
    LANGSMITH_ENDPOINT: server.url,
    LANGSMITH_API_KEY: KEY,
    OPENAI_BASE_URL: stub.baseURL,
    OPENAI_API_KEY: 'sk-local-stub',
    ...extraEnv,
  });
  for (const name of ['LANGSMITH_TRACING', 'LANGSMITH_TRACING_V2', 'LANGCHAIN_TRACING_V2', 'LANGCHAIN_TRACING']) expect(env[name]).toBeUndefined();

  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function expectCleanExit(result: ChildResult): void {
  expect(result, `exit ${result.code} ${result.signal ?? ''}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toMatchObject({ code: 0, signal: null });
}

/** Exactly one run with this name. */
function only(runs: StoredRun[], name: string): StoredRun {
  const found = runs.filter((run) => run.name === name);
  expect(found.map((run) => run.name), `runs named ${name} among ${runs.map((run) => run.name).join(', ')}`).toEqual([name]);
  return found[0]!;
}

/** Every request the server saw was one of the exporter's `POST /runs`, and every one was accepted. */
function expectOnlyAcceptedRunPosts(runCount: number): void {
  const requests = server.requests();
  expect(requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(Array.from({ length: runCount }, () => 'POST /runs 200'));
}

/** Every run is in one trace, and none went out as an orphan. */
function expectOneCompleteTrace(runs: StoredRun[]): void {
  expect(new Set(runs.map((run) => run.trace_id)).size).toBe(1);
  expect(runs.filter((run) => run.parent_run_id === undefined)).toHaveLength(1);
  for (const run of runs) expect(metadataOf(run)).not.toHaveProperty('otel_langsmith.orphan_reason');
}

function expectLlmRun(run: StoredRun): void {
  expect(run.run_type).toBe('llm');
  expect(Array.isArray(run.inputs.messages) && run.inputs.messages.length > 0, 'inputs.messages').toBe(true);
  expect(Array.isArray(run.outputs?.choices) && (run.outputs.choices as unknown[]).length > 0, 'outputs.choices').toBe(true);
  expect(run.outputs?.usage_metadata).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number), total_tokens: expect.any(Number) });
}

describe.runIf(built)('examples, each run as a node process against the strict local server', () => {
  beforeAll(async () => {
    server = await startLocalServer({ apiKey: KEY });
    stub = await startOpenAIStub();
  });
  afterAll(async () => {
    await stub?.close();
    await server?.close();
  });
  beforeEach(() => {
    server.reset();
    stub.requests.length = 0;
  });

  it('nodesdk-http: the HTTP server span is the root, the OpenAI call an llm run under it, its HTTP request under that', async () => {
    const result = await runExample(['--import', './examples/nodesdk-http/instrumentation.mjs', 'examples/nodesdk-http/app.mjs']);
    expectCleanExit(result);
    expect(result.stdout).toContain('answer: It will rain in Paris.');
    expect(result.stdout).toContain('3 runs delivered, 0 failed');
    expect(result.stderr).toBe(''); // no "run me with --import" warning, no diag error

    const runs = server.runs();
    expect(runs.map((run) => run.name).sort()).toEqual(['GET /ask', 'OpenAI Chat Completions', 'POST 127.0.0.1/v1/chat/completions']);
    expectOneCompleteTrace(runs);

    const httpServer = only(runs, 'GET /ask');
    expect(httpServer.parent_run_id).toBeUndefined();
    expect(httpServer).toMatchObject({ run_type: 'chain', inputs: { method: 'GET', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/ask\?q=/) }, outputs: { status_code: 200 } });
    expect(metadataOf(httpServer)).toMatchObject({ 'otel.span_kind': 'SERVER' });
    expect(httpServer.extra?.runtime).toMatchObject({ 'service.name': 'nodesdk-http', 'otel.scope.name': '@opentelemetry/instrumentation-http' });

    const llm = only(runs, 'OpenAI Chat Completions');
    expectLlmRun(llm);
    expect(llm.parent_run_id).toBe(httpServer.id);
    expect(llm.inputs.messages).toEqual([
      { role: 'system', content: 'Answer in one short sentence.' },
      { role: 'user', content: 'Will it rain in Paris tomorrow?' },
    ]);
    expect(llm.outputs?.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'It will rain in Paris.' }, finish_reason: 'stop' }]);
    expect(llm.outputs?.usage_metadata).toMatchObject(STUB_USAGE);
    expect(metadataOf(llm)).toMatchObject({ ls_provider: 'openai', ls_model_type: 'chat' });

    const httpClient = only(runs, 'POST 127.0.0.1/v1/chat/completions');
    expect(httpClient.parent_run_id).toBe(llm.id);
    expect(httpClient.outputs).toEqual({ status_code: 200 });

    // The exporter's own POSTs to the local server were never traced (they would be runs here, and
    // requests beyond one per run), nor was the demo's suppressed client request.
    const serverPort = new URL(server.url).port;
    expect(runs.filter((run) => JSON.stringify(run.inputs).includes(`:${serverPort}`) || /\/runs\b/.test(run.name))).toEqual([]);
    expectOnlyAcceptedRunPosts(3);
    expect(stub.requests.map((r) => r.path)).toEqual(['/v1/chat/completions']);
  });

  it('vercel-ai-tools: generateText with a tool gives a chain with two llm runs and a tool run, in one session', async () => {
    const result = await runExample(['examples/vercel-ai-tools/agent.mjs']);
    expectCleanExit(result);
    expect(result.stdout).toContain('Paris: light rain, 14 °C. Take an umbrella.\n(2 steps)');
    expect(result.stderr).toBe('');

    const runs = server.runs();
    expect(runs.map((run) => run.name).sort()).toEqual(['ai.generateText.doGenerate', 'ai.generateText.doGenerate', 'weather', 'weather-assistant']);
    expectOneCompleteTrace(runs);

    const agent = only(runs, 'weather-assistant');
    expect(agent).toMatchObject({ run_type: 'chain', outputs: { output: 'Paris: light rain, 14 °C. Take an umbrella.', finish_reason: 'stop' } });
    expect(agent.parent_run_id).toBeUndefined();
    expect(agent.outputs).not.toHaveProperty('usage_metadata'); // counted once, on the llm runs

    const steps = runs.filter((run) => run.name === 'ai.generateText.doGenerate').sort((a, b) => a.dotted_order.localeCompare(b.dotted_order));
    for (const step of steps) {
      expectLlmRun(step);
      expect(step.parent_run_id).toBe(agent.id);
      expect(step.outputs?.usage_metadata).toEqual({ input_tokens: 42, output_tokens: 12, total_tokens: 54 });
      expect(metadataOf(step)).toMatchObject({ ls_model_name: 'mock-weather-model', ls_model_type: 'chat', session_id: 'demo-session' });
      expect(step.inputs.tools).toEqual([{ type: 'function', function: expect.objectContaining({ name: 'weather' }) }]);
    }
    const toolCall = { id: 'call-1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } };
    expect(steps[0]!.inputs.messages).toEqual([
      { role: 'system', content: 'You are a weather assistant. Use the weather tool, then answer in one sentence.' },
      { role: 'user', content: 'What is the weather in Paris?' },
    ]);
    expect(steps[0]!.outputs?.choices).toEqual([{ index: 0, message: { role: 'assistant', content: null, tool_calls: [toolCall] }, finish_reason: 'tool_calls' }]);
    expect(steps[1]!.inputs.messages).toEqual([
      { role: 'system', content: 'You are a weather assistant. Use the weather tool, then answer in one sentence.' },
      { role: 'user', content: 'What is the weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [toolCall] },
      { role: 'tool', content: '{"city":"Paris","forecast":"light rain","temperatureC":14}', tool_call_id: 'call-1', name: 'weather' },
    ]);
    expect(steps[1]!.outputs?.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'Paris: light rain, 14 °C. Take an umbrella.' }, finish_reason: 'stop' }]);

    // The AI SDK parents tool calls on the generateText span, between the two model calls.
    const weather = only(runs, 'weather');
    expect(weather).toMatchObject({ run_type: 'tool', parent_run_id: agent.id, inputs: { city: 'Paris' }, outputs: { city: 'Paris', forecast: 'light rain', temperatureC: 14 } });
    expect(weather.start_time >= steps[0]!.end_time! && weather.end_time! <= steps[1]!.start_time).toBe(true);

    for (const run of runs) expect(metadataOf(run)).toMatchObject({ session_id: 'demo-session' });
    expectOnlyAcceptedRunPosts(4);
    expect(stub.requests).toEqual([]); // the mock model calls no endpoint
  });

  it('vercel-ai-tools: AI_MODEL naming a provider package that is not installed fails with the install command', async () => {
    const result = await runExample(['examples/vercel-ai-tools/agent.mjs'], { AI_MODEL: 'not-installed-provider:some-model' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('AI_MODEL=not-installed-provider:some-model needs @ai-sdk/not-installed-provider: npm install @ai-sdk/not-installed-provider');
    expect(server.requests()).toEqual([]);
  });

  it('langchain-openinference: prompt → ChatOpenAI → parser as one chain run with a prompt, an llm and a parser run', async () => {
    const result = await runExample(['examples/langchain-openinference/chain.mjs']);
    expectCleanExit(result);
    expect(result.stdout.trim()).toBe('It will rain in Paris.');
    expect(result.stderr).toBe('');

    const runs = server.runs();
    expect(runs.map((run) => run.name).sort()).toEqual(['ChatOpenAI', 'ChatPromptTemplate', 'StrOutputParser', 'weather-report']);
    expectOneCompleteTrace(runs);

    const chain = only(runs, 'weather-report');
    // OpenInference records a one-key input object as its bare value (input.value, text/plain).
    expect(chain).toMatchObject({ run_type: 'chain', inputs: { input: 'the rain in Paris' }, outputs: { output: 'It will rain in Paris.' } });
    expect(chain.parent_run_id).toBeUndefined();

    const prompt = only(runs, 'ChatPromptTemplate');
    expect(prompt).toMatchObject({ run_type: 'prompt', parent_run_id: chain.id });

    const llm = only(runs, 'ChatOpenAI');
    expectLlmRun(llm);
    expect(llm.parent_run_id).toBe(chain.id);
    expect(llm.inputs.messages).toEqual([
      { role: 'system', content: 'You are a concise weather reporter.' },
      { role: 'user', content: 'Write one sentence about the rain in Paris.' },
    ]);
    expect(llm.outputs?.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'It will rain in Paris.' }, finish_reason: 'stop' }]);
    expect(llm.outputs?.usage_metadata).toMatchObject(STUB_USAGE);
    expect(metadataOf(llm)).toMatchObject({ ls_provider: 'openai', ls_model_name: 'gpt-4o-mini', ls_temperature: 0.2 });

    const parser = only(runs, 'StrOutputParser');
    expect(parser).toMatchObject({ parent_run_id: chain.id, outputs: { output: 'It will rain in Paris.' } });

    // Children in the order the chain ran them.
    expect([prompt, llm, parser].map((run) => run.dotted_order)).toEqual([prompt, llm, parser].map((run) => run.dotted_order).sort());
    for (const run of runs) expect(metadataOf(run)).toMatchObject({ session_id: 'demo-session' });

    // Only our exporter talked to the LangSmith endpoint: LangChain's own LangSmith tracer (which
    // would use /runs/multipart or /runs/batch with the same LANGSMITH_* env) stayed off.
    expectOnlyAcceptedRunPosts(4);
    expect(stub.requests.map((r) => r.path)).toEqual(['/v1/chat/completions']);
    expect(stub.requests[0]!.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.2 });
  });
});
