// Differential parity, Python, through the bridge (`otel-langsmith bridge`, OTLP/HTTP protobuf) to
// the strict local server. Real Python processes from the parity venv (.ci/setup-polyglot.sh, step
// parity-python; skips with the reason when it is missing), talking to 127.0.0.1 only (the scripts
// refuse any other address, see python/parity_common.py).
//   langsmith-python  python/langsmith_agent.py, the agent-like app of agent-app.ts with LangSmith's
//                     Python SDK, run natively into the capture server and in OTel mode
//                     (LANGSMITH_TRACING_MODE=otel) through the bridge; the trees are compared field
//                     by field like the JS test's
//   openinference, openllmetry, openai-v2, pydantic-ai
//                     one script per OpenAI instrumentation (python/producer_*.py): a chat call with
//                     a tool, the tool's result sent back in a second call, against the Node OpenAI
//                     stub; every llm run must hold the messages that were sent, the answer and tool
//                     calls that came back and the token counts the stub reported (replaying each
//                     recorded request to the deterministic stub gives exactly what it answered)
// Each producer's raw spans are dumped to /tmp/parity/spans-<producer>.json (PARITY_OUT_DIR), and one
// parity table is printed at the end.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredRun } from 'otel-langsmith/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/bridge-harness.js';
import { childEnv, runToEnd } from '../helpers/polyglot-harness.js';
import { requireTools } from '../helpers/polyglot-tools.js';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { startCaptureServer, type CaptureServer } from './capture-server.js';
import { compareExpected, compareTrees, formatDifferences, sumComparisons, type Comparison, type Difference, type TreeNode } from './compare-runs.js';
import { PARITY_OUT_DIR, recordParity, type ParityRow } from './parity-table.js';
import { findParityPython, PARITY_PYTHON_DIR } from './python-tools.js';

const tools = requireTools('langsmith-python.test.ts', { python: findParityPython() });

const FAKE_LANGSMITH_KEY = 'lsv2_pt_parity_not_a_real_key_0000';
const PROJECT = 'parity-python';

type Json = Record<string, unknown>;

describe.runIf(tools)('Python producers through the bridge, against LangSmith-native and stub truth', () => {
  let stub: OpenAIStub;
  let capture: CaptureServer;
  let stray: CaptureServer;
  let stack: Stack;
  const rows: ParityRow[] = [];

  beforeAll(async () => {
    mkdirSync(PARITY_OUT_DIR, { recursive: true });
    [stub, capture, stray, stack] = await Promise.all([startOpenAIStub(), startCaptureServer(), startCaptureServer(), startStack()]);
  });
  afterAll(async () => {
    if (rows.length > 0) recordParity(rows);
    await Promise.all([stub?.close(), capture?.close(), stray?.close(), stack?.close()]);
  });

  /** Runs a parity script to its end; returns what it printed on its PARITY_RESULT line. */
  async function runScript(script: string, args: string[], env: Record<string, string>): Promise<unknown> {
    const done = await runToEnd(
      tools!.python,
      [join(PARITY_PYTHON_DIR, script), ...args],
      childEnv({
        PYTHONDONTWRITEBYTECODE: '1',
        PARITY_OPENAI_BASE_URL: stub.baseURL,
        OTEL_EXPORTER_OTLP_ENDPOINT: stack.bridge.url,
        ...env,
      }),
      40_000,
    );
    const line = /^PARITY_RESULT (.*)$/m.exec(done.stdout);
    if (done.code !== 0 || !line) throw new Error(`${script} ${args.join(' ')} exited ${done.code ?? done.signal}:\n${done.stdout}\n${done.stderr}`);
    return JSON.parse(line[1]!) as unknown;
  }

  /** Runs a script with its spans dumped, then waits until the local server stored one run per span. */
  async function runThroughBridge(producer: string, script: string, args: string[], env: Record<string, string>) {
    const spansFile = join(PARITY_OUT_DIR, `spans-${producer}.json`);
    rmSync(spansFile, { force: true });
    const result = await runScript(script, args, { ...env, PARITY_SPANS_FILE: spansFile });
    const spans = existsSync(spansFile) ? (JSON.parse(readFileSync(spansFile, 'utf8')) as unknown[]) : [];
    expect(spans.length).toBeGreaterThan(0);
    await stack.server.waitForRuns(spans.length, 10_000);
    writeFileSync(join(PARITY_OUT_DIR, `runs-${producer}.json`), JSON.stringify({ ours: stack.server.runs(), native: producer === 'langsmith-python' ? capture.runs() : undefined }, null, 2));
    return { result, spans };
  }

  function report(producer: string, comparison: Comparison, note: string): void {
    rows.push({ producer, ...comparison, note });
    if (comparison.differences.length > 0) console.log(`${producer} differences:\n${formatDifferences(comparison.differences)}`);
  }

  it('langsmith-python: the SDK in OTel mode through the bridge gives the tree it sends natively', { timeout: 60_000 }, async () => {
    capture.reset();
    stack.server.reset();
    const native = await runScript('langsmith_agent.py', ['--mode', 'native'], {
      LANGSMITH_TRACING: 'true',
      LANGSMITH_ENDPOINT: capture.url,
      LANGSMITH_API_KEY: FAKE_LANGSMITH_KEY,
      LANGSMITH_PROJECT: PROJECT,
      // zstd only when /info allows it (the capture server does not); off here as well, to be sure
      LANGSMITH_DISABLE_RUN_COMPRESSION: 'true',
    });
    await capture.waitForEndedRuns(6);
    expect(capture.requests().filter((request) => request.status >= 400)).toEqual([]);
    // The SDK's wire format here: multipart, uncompressed (no zstd offered, compression disabled).
    expect(capture.requests().filter((request) => request.path === '/runs/multipart').map((request) => request.contentEncoding ?? 'identity')).toContain('identity');

    const otel = await runThroughBridge('langsmith-python', 'langsmith_agent.py', ['--mode', 'otel'], {
      LANGSMITH_TRACING: 'true',
      LANGSMITH_TRACING_MODE: 'otel',
      LANGSMITH_ENDPOINT: stray.url,
      LANGSMITH_API_KEY: FAKE_LANGSMITH_KEY,
      LANGSMITH_PROJECT: PROJECT,
    });
    expect(otel.result).toEqual(native);
    expect(native).toEqual({ answer: 'It will rain in Paris.', notified: false });
    expect(stray.runs()).toEqual([]);

    const nativeTrees = capture.trees();
    const ourTrees = stack.server.traces();
    expect(nativeTrees).toHaveLength(1);
    expect(ourTrees).toHaveLength(1);
    const comparison = compareTrees(nativeTrees[0]! as TreeNode, ourTrees[0]! as TreeNode);
    report('langsmith-python', comparison, 'langsmith (PyPI) 0.15 OTel mode via bridge vs native');
    expect(comparison.differences).toEqual([]);
  });

  /** What each recorded chat request got from the deterministic stub: the same request, replayed. */
  async function stubAnswers(): Promise<Array<{ request: Json; response: Json }>> {
    const requests = stub.requests.filter((request) => request.path === '/v1/chat/completions').map((request) => request.body);
    const answers: Array<{ request: Json; response: Json }> = [];
    for (const request of requests) {
      const response = await fetch(`${stub.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
      answers.push({ request, response: (await response.json()) as Json });
    }
    return answers;
  }

  /**
   * What an llm run must hold for one call (`required`, asserted), and what LangSmith's own OpenAI
   * wrapper records besides (`measured`, counted in the table only): the finish reason, the token
   * details and the provider.
   */
  function expectedLlmRun({ request, response }: { request: Json; response: Json }) {
    const choice = (response.choices as Json[])[0]!;
    const message = choice.message as Json;
    const usage = response.usage as Json & { prompt_tokens_details?: Json; completion_tokens_details?: Json };
    return {
      required: {
        run_type: 'llm',
        inputs: { messages: request.messages },
        outputs: {
          choices: [{ message: { role: message.role, content: message.content, tool_calls: message.tool_calls } }],
          usage_metadata: { input_tokens: usage.prompt_tokens, output_tokens: usage.completion_tokens, total_tokens: usage.total_tokens },
        },
      },
      measured: {
        outputs: {
          choices: [{ finish_reason: choice.finish_reason }],
          usage_metadata: {
            input_token_details: { cache_read: usage.prompt_tokens_details?.cached_tokens },
            output_token_details: { reasoning: usage.completion_tokens_details?.reasoning_tokens },
          },
        },
        extra: { metadata: { ls_provider: 'openai' } },
      },
    };
  }

  const byStart = (a: StoredRun, b: StoredRun): number => (a.start_time < b.start_time ? -1 : a.start_time > b.start_time ? 1 : 0);

  const PRODUCERS = [
    { producer: 'openinference', script: 'producer_openinference.py', note: 'openinference-instrumentation-openai 0.1.66' },
    { producer: 'openllmetry', script: 'producer_openllmetry.py', note: 'opentelemetry-instrumentation-openai (Traceloop) 0.62.4' },
    { producer: 'openai-v2', script: 'producer_openai_v2.py', note: 'opentelemetry-instrumentation-openai-v2 2.4b0, gen_ai_latest_experimental, span_only content' },
    { producer: 'pydantic-ai', script: 'producer_pydantic_ai.py', note: 'pydantic-ai-slim 2.68 InstrumentationSettings (format v5)' },
  ];

  for (const { producer, script, note } of PRODUCERS) {
    it(`${producer}: every llm run holds the messages sent, the answer and tool calls received, the token counts`, { timeout: 60_000 }, async () => {
      stack.server.reset();
      stub.requests.length = 0;
      await runThroughBridge(producer, script, [], {});
      const answers = await stubAnswers();
      expect(answers.length).toBeGreaterThanOrEqual(2); // the tool call, then the answer
      expect((answers[0]!.response.choices as Json[])[0]!.finish_reason).toBe('tool_calls');

      const llmRuns = stack.server.runs().filter((run) => run.run_type === 'llm').sort(byStart);
      const required: Comparison[] = [];
      const measured: Comparison[] = [];
      answers.forEach((answer, i) => {
        const expected = expectedLlmRun(answer);
        const run = llmRuns[i];
        const where = `${producer} llm#${i + 1}${run ? ` (${run.name})` : ''}`;
        required.push(compareExpected(where, expected.required, run));
        measured.push(compareExpected(where, expected.measured, run));
      });
      const extraRuns: Difference[] = llmRuns.slice(answers.length).map((run) => ({ path: `${producer} llm run without a chat request`, native: undefined, ours: run.name }));
      const mustHold = sumComparisons(required);
      const all = sumComparisons([mustHold, ...measured]);
      report(producer, { ...all, differences: [...all.differences, ...extraRuns], total: all.total + extraRuns.length }, note);
      expect([...mustHold.differences, ...extraRuns]).toEqual([]);
    });
  }
});
