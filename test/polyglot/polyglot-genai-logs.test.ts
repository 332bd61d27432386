// The real producer of GenAI log records: Python's opentelemetry-instrumentation-openai-v2 (the
// version pinned in test/parity/python/requirements.txt) in its log-record mode, driving the real
// `openai` client against the local OpenAI stub (a tool call, then the tool result sent back),
// its spans and its log records sent to the bridge directly (OTLP/HTTP and OTLP/gRPC), and through
// the real Collector built by .ci/setup-polyglot.sh running the example configs of
// examples/collector/ (otlp_http, and otlp over gRPC), which route logs to the bridge too.
// Each LLM run's inputs.messages and outputs must be what the stub received and answered.
//
// Skips with the reason when the parity venv (or the Collector, for those cases) was not built.
// The gRPC exporter comes from the polyglot venv (.ci/setup-polyglot.sh step python) when the
// parity venv has none: its site-packages is appended, same OpenTelemetry Python release.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startBridge, type Bridge } from 'otel-langsmith/bridge';
import { startLocalServer, type LocalServer, type StoredRun } from 'otel-langsmith/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { findParityPython } from '../parity/python-tools.js';
import { TEST_KEY } from '../helpers/bridge-harness.js';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { childEnv, runToEnd, startCollector, tempConfig, waitUntil } from '../helpers/polyglot-harness.js';
import { COLLECTOR_DIR, findCollector, findPython, requireTools } from '../helpers/polyglot-tools.js';
import { REPO_ROOT } from '../helpers/paths.js';

const SCRIPT = join(REPO_ROOT, 'test/polyglot/python/genai_logs_openai_v2.py');
const tools = requireTools('polyglot-genai-logs.test.ts', { python: findParityPython() });
const collectorTools = tools && requireTools('polyglot-genai-logs.test.ts (through the Collector)', { collector: findCollector() });

/** The parity venv has no OTLP gRPC exporter; the polyglot venv (same OTel release) has. */
function grpcSite(): string | undefined {
  const python = findPython().path;
  if (!python) return undefined;
  const lib = join(dirname(dirname(python)), 'lib');
  const version = existsSync(lib) ? readdirSync(lib).find((name) => name.startsWith('python3')) : undefined;
  const site = version && join(lib, version, 'site-packages');
  return site && existsSync(join(site, 'opentelemetry/exporter/otlp/proto/grpc')) ? site : undefined;
}

const SINGLE = join(COLLECTOR_DIR, 'otelcol-bridge.yaml');
const SINGLE_GRPC = join(COLLECTOR_DIR, 'otelcol-bridge-grpc.yaml');
const SECRET = 'genai-logs-secret';
const FAST_RETRY = tempConfig(
  'genai-logs-fast-retry.yaml',
  `exporters:
  otlp_http/langsmith:
    retry_on_failure:
      initial_interval: 250ms
      max_interval: 2s
`,
);

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const thing of running.splice(0).reverse()) await thing.close();
});
afterAll(() => rmSync(dirname(FAST_RETRY), { recursive: true, force: true }));

interface Setup {
  server: LocalServer;
  stub: OpenAIStub;
  bridge: Bridge;
}

async function setup(): Promise<Setup> {
  const server = await startLocalServer({ apiKey: TEST_KEY });
  running.push(server);
  const stub = await startOpenAIStub();
  running.push(stub);
  const bridge = await startBridge({ port: 0, endpoint: server.url, apiKey: TEST_KEY, projectName: 'genai-logs', env: {}, sharedSecret: SECRET });
  running.push(bridge);
  return { server, stub, bridge };
}

/** Runs the producer; returns what the stub answered, as the Python client saw it. */
async function produce(s: Setup, transport: 'http' | 'grpc', endpoint: string, secretHeader: boolean): Promise<unknown[]> {
  const env: Record<string, string> = {
    PARITY_OPENAI_BASE_URL: `${s.stub.baseURL}`,
    GENAI_LOGS_TRANSPORT: transport,
    GENAI_LOGS_ENDPOINT: endpoint,
    ...(process.env.DEBUG_GENAI ? { GENAI_LOGS_DEBUG: '1' } : {}),
    OTEL_EXPORTER_OTLP_HEADERS: secretHeader ? `authorization=Bearer ${SECRET}` : '',
  };
  const site = transport === 'grpc' ? grpcSite() : undefined;
  if (site) env.GENAI_LOGS_EXTRA_SITE = site;
  const done = await runToEnd(tools!.python, [SCRIPT], childEnv(env), 90_000);
  expect(done.code, done.stderr).toBe(0);
  const line = done.stdout.split('\n').find((l) => l.startsWith('PARITY_RESULT '));
  expect(line, done.stderr).toBeDefined();
  return JSON.parse(line!.slice('PARITY_RESULT '.length)) as unknown[];
}

// Each condition gets its own bound, and a Collector test (two conversations, the Collector's
// retries when the bridge answers 429 while GenAI spans wait for their records) room for several:
// in a full parallel suite, beside the kill test, one took over the 30 s default (6 s alone), and
// the test's timeout then hid which condition it was waiting on.
const CONDITION_WAIT = 25_000;
const COLLECTOR_TEST_TIMEOUT = 90_000;

type Message = { role?: string; content?: unknown; tool_calls?: Array<{ id?: string; function?: { name?: string; arguments?: string } }>; tool_call_id?: string };
/** The last conversation's two LLM runs, in the order of the calls (`count` LLM runs stored in all). */
async function llmRuns(s: Setup, count = 2): Promise<StoredRun[]> {
  await waitUntil(() => s.server.runs().filter((run) => run.run_type === 'llm').length >= count, CONDITION_WAIT, `${count} LLM runs`);
  return s.server
    .runs()
    .filter((run) => run.run_type === 'llm')
    .sort((a, b) => String(a.start_time).localeCompare(String(b.start_time)))
    .slice(-2);
}

/** An OpenAI-form message as the run renders it equals the one the stub received or answered. */
function expectSameMessage(got: Message | undefined, want: Message, where: string): void {
  expect(got, where).toBeDefined();
  expect(got!.role, where).toBe(want.role);
  const calls = want.tool_calls ?? [];
  expect((got!.tool_calls ?? []).map((call) => call.id), `${where}: tool call ids`).toEqual(calls.map((call) => call.id));
  calls.forEach((call, k) => {
    const rendered = got!.tool_calls![k]!;
    expect(rendered.function?.name, where).toBe(call.function?.name);
    expect(JSON.parse(rendered.function?.arguments ?? 'null'), where).toEqual(JSON.parse(call.function?.arguments ?? 'null'));
  });
  if (want.tool_call_id) {
    expect(got!.tool_call_id, where).toBe(want.tool_call_id);
    expect(JSON.parse(String(got!.content)), where).toEqual(JSON.parse(String(want.content)));
  } else if (typeof want.content === 'string') {
    expect(got!.content, where).toBe(want.content);
  }
}

/**
 * Each LLM run renders, from its joined log record alone (the spans carry no content), exactly what
 * the stub received (roles, text, tool calls with ids and arguments, the tool result's call id) as
 * `inputs.messages`, and what it answered as the choice in `outputs`. The records are
 * `gen_ai.client.inference.operation.details` (the only log-record mode of the pinned versions, see
 * the script); the mapping reads their `gen_ai.input.messages` / `gen_ai.output.messages` like the
 * span attributes of the same names, so the event is not repeated in the run's events.
 */
function expectRendered(runs: StoredRun[], stub: OpenAIStub, answered: unknown[]): void {
  const requests = stub.requests.filter((r) => r.path.endsWith('/chat/completions')).slice(-2);
  expect(runs).toHaveLength(2);
  runs.forEach((run, i) => {
    const sent = requests[i]!.body.messages as Message[];
    const answer = (answered[i] as { choices: Array<{ message: Message }> }).choices[0]!.message;
    const rendered = (run.inputs as { messages?: Message[] }).messages ?? [];
    expect(rendered, `run ${i} inputs: ${JSON.stringify(run.inputs)}`).toHaveLength(sent.length);
    sent.forEach((message, j) => expectSameMessage(rendered[j], message, `run ${i} input ${j}`));
    const choices = (run.outputs as { choices?: Array<{ message?: Message }> } | undefined)?.choices ?? [];
    expect(choices, `run ${i} outputs: ${JSON.stringify(run.outputs)}`).toHaveLength(1);
    expectSameMessage(choices[0]!.message, { ...answer, role: 'assistant' }, `run ${i} output`);
  });
}

describe.runIf(tools)('opentelemetry-instrumentation-openai-v2 log records → the bridge', () => {
  it('over OTLP/HTTP: the LLM runs carry the messages in and out from the log records', async () => {
    const s = await setup();
    const answered = await produce(s, 'http', s.bridge.url, true);
    expectRendered(await llmRuns(s), s.stub, answered);
    const logs = s.bridge.stats().logs;
    expect(logs.joined).toBe(2);
    expect(logs).toMatchObject({ late: 0, unjoined: 0, withoutSpan: 0 });
  });

  it.runIf(grpcSite())('over OTLP/gRPC (LogsService/Export)', async () => {
    const s = await setup();
    const answered = await produce(s, 'grpc', s.bridge.grpcUrl!, true);
    expectRendered(await llmRuns(s), s.stub, answered);
    expect(s.bridge.stats().grpcRequests).toBeGreaterThanOrEqual(2);
    expect(s.bridge.stats().logs).toMatchObject({ late: 0, unjoined: 0 });
  });

  /**
   * Through a Collector, logs and traces are separate pipelines, each batching on its own timer
   * (flush_timeout 200 ms), so a bridge that has not seen GenAI log records yet may get the first
   * call's span before its records: it does not hold spans until logs flow (no added latency for
   * users without logs), and such records are counted late, not lost silently. The first
   * conversation warms the bridge up; the second is the steady state, asserted in full.
   */
  async function throughCollector(s: Setup, collectorHttpUrl: string): Promise<void> {
    await produce(s, 'http', collectorHttpUrl, false);
    await llmRuns(s, 2);
    await waitUntil(() => s.bridge.stats().logs.joined + s.bridge.stats().logs.late === 2, CONDITION_WAIT, 'the first conversation\'s records joined or counted late');
    const answered = await produce(s, 'http', collectorHttpUrl, false);
    expectRendered(await llmRuns(s, 4), s.stub, answered);
    const logs = s.bridge.stats().logs;
    expect(logs.joined + logs.late).toBe(4);
    expect(logs).toMatchObject({ unjoined: 0, withoutSpan: 0 });
  }

  describe.runIf(collectorTools)('through the Collector (examples/collector, logs pipeline)', () => {
    it('otelcol-bridge.yaml: otlp_http to the bridge', async () => {
      const s = await setup();
      const c = await startCollector(collectorTools!.collector, [SINGLE, FAST_RETRY], { OTEL_LANGSMITH_BRIDGE_SECRET: SECRET, LANGSMITH_BRIDGE_ENDPOINT: s.bridge.url });
      running.push(c);
      await throughCollector(s, c.httpUrl);
      expect(s.bridge.stats().logRequests).toBeGreaterThanOrEqual(2);
    }, COLLECTOR_TEST_TIMEOUT);

    it('otelcol-bridge-grpc.yaml: otlp (gRPC) to the bridge', async () => {
      const s = await setup();
      const c = await startCollector(collectorTools!.collector, [SINGLE, SINGLE_GRPC], {
        OTEL_LANGSMITH_BRIDGE_SECRET: SECRET,
        LANGSMITH_BRIDGE_GRPC_ENDPOINT: `127.0.0.1:${s.bridge.grpcPort}`,
      });
      running.push(c);
      await throughCollector(s, c.httpUrl);
      expect(s.bridge.stats().grpcRequests).toBeGreaterThanOrEqual(4);
    }, COLLECTOR_TEST_TIMEOUT);
  });
});
