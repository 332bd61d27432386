// The Python example (OpenTelemetry Python SDK, OTLP/HTTP protobuf + gzip) through the bridge to
// the strict local LangSmith server; then Python calling the Go example over HTTP on 127.0.0.1
// with a W3C traceparent: one LangSmith tree across both processes. Real processes, 127.0.0.1.
// Needs .ci/setup-polyglot.sh (the venv; the Go binary for the second test): skips with the
// reason otherwise.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/bridge-harness.js';
import { childEnv, findRun, flatten, runToEnd, shape, startService, treesOfOtelTrace, printedTraceIds } from '../helpers/polyglot-harness.js';
import { findGoExample, findPython, PYTHON_SERVICE, requireTools } from '../helpers/polyglot-tools.js';

const tools = requireTools('polyglot-python.test.ts', { python: findPython() });
const goTools = tools && requireTools('polyglot-python.test.ts (Python → Go)', { go: findGoExample() });

const SECRET = 'polyglot-python-secret';

let stack: Stack;
beforeEach(async () => {
  stack = await startStack({ sharedSecret: SECRET });
});
afterEach(() => stack.close());

/** The env of an example exporting to the bridge: endpoint, secret header, a short batch delay. */
function exportingTo(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return childEnv({
    OTEL_EXPORTER_OTLP_ENDPOINT: stack.bridge.url,
    OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${SECRET}`,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    ...extra,
  });
}

describe.runIf(tools)('the Python example (OTel Python SDK) through the bridge', () => {
  it('delivers one tree per question: parents, resource, scope, the gen_ai span as an llm run', async () => {
    const done = await runToEnd(tools!.python, [PYTHON_SERVICE, '--questions', '2'], exportingTo());
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    const traceIds = printedTraceIds(done.stdout);
    expect(traceIds).toHaveLength(2);
    await stack.server.waitForRuns(6);

    for (const traceId of traceIds) {
      const trees = treesOfOtelTrace(stack.server, traceId);
      expect(trees).toHaveLength(1);
      const tree = trees[0]!;
      expect(shape(tree)).toEqual({
        name: 'answer question',
        children: [
          { name: 'retrieve context', children: [] },
          { name: 'chat gpt-4o-mini', children: [] },
        ],
      });
      const runs = flatten(tree);
      expect(new Set(runs.map((run) => run.trace_id))).toEqual(new Set([tree.run.id]));
      for (const run of runs) {
        expect(run.extra?.runtime).toMatchObject({
          'service.name': 'assistant-python',
          'telemetry.sdk.language': 'python',
          'telemetry.sdk.name': 'opentelemetry',
          'otel.scope.name': 'otel-langsmith/examples/polyglot/python',
          'otel.scope.version': '1.0.0',
        });
        expect(run.extra?.metadata?.['otel.trace_id']).toBe(traceId);
        expect(run.session_name).toBe('bridge-tests');
      }
      expect(tree.run.parent_run_id).toBeUndefined();
      expect(tree.run.extra?.metadata).toMatchObject({ 'otel.span_kind': 'SERVER', example: 'polyglot-python', 'question.number': expect.any(Number) });
      expect(tree.run.extra?.metadata).not.toHaveProperty(['langsmith.metadata.example']);
      const retrieve = findRun(tree, 'retrieve context')!;
      expect(retrieve.events).toEqual([expect.objectContaining({ name: 'documents found', kwargs: { count: 3 } })]);

      const llm = findRun(tree, 'chat gpt-4o-mini')!;
      expect(llm.parent_run_id).toBe(tree.run.id);
      expect(llm.run_type).toBe('llm');
      expect(llm.inputs).toEqual({
        messages: [
          { role: 'system', content: 'You are a travel assistant.' },
          { role: 'user', content: expect.stringMatching(/^What should I wear in Paris\? \(question [12]\)$/) },
        ],
      });
      expect(llm.outputs).toEqual({
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: 'Let me check the weather in Paris.',
              tool_calls: [{ id: 'call_weather_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
            },
            finish_reason: 'tool_calls',
          },
        ],
        usage_metadata: { input_tokens: 42, output_tokens: 17, total_tokens: 59 },
      });
      expect(llm.extra?.metadata).toMatchObject({ ls_provider: 'openai', ls_model_name: 'gpt-4o-mini-2024-07-18', ls_model_type: 'chat', ls_temperature: 0.3, ls_max_tokens: 200 });
    }
    expect(stack.server.runs()).toHaveLength(6);
    expect(stack.bridge.stats()).toMatchObject({ spansReceived: 6, spansRejected: 0, refused: 0 });
  });

  it('fails loudly (exit 1) when the bridge refuses it: a wrong shared secret', async () => {
    const done = await runToEnd(tools!.python, [PYTHON_SERVICE], exportingTo({ OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20wrong' }));
    expect(done.code).toBe(1);
    expect(done.stderr).toMatch(/3 spans could not be exported/);
    expect(stack.server.runs()).toHaveLength(0);
    expect(stack.bridge.stats().refused).toBeGreaterThan(0);
  });

  describe.runIf(goTools)('calling the Go example over HTTP (traceparent header)', () => {
    it('makes one tree across the two processes, each run with its own service and SDK language', async () => {
      const go = await startService(goTools!.go, ['serve', '-addr', '127.0.0.1:0'], exportingTo(), /^listening (http:\/\/127\.0\.0\.1:\d+)$/m);
      let goExit: number | null;
      try {
        const done = await runToEnd(tools!.python, [PYTHON_SERVICE, '--city', 'Lisbon'], exportingTo({ WEATHER_URL: go.match[1]! }));
        expect(done.stderr).toBe('');
        expect(done.code).toBe(0);
      } finally {
        goExit = await go.stop(); // SIGTERM: the Go service flushes its batch, then exits 0
      }
      expect(goExit, go.output()).toBe(0);
      await stack.server.waitForRuns(7);

      const trees = stack.server.traces();
      expect(trees).toHaveLength(1);
      const tree = trees[0]!;
      expect(shape(tree)).toEqual({
        name: 'answer question',
        children: [
          { name: 'retrieve context', children: [] },
          { name: 'chat gpt-4o-mini', children: [] },
          {
            name: 'call weather service',
            // The GenAI convention names a tool run after its tool (span "execute_tool get_weather").
            children: [{ name: 'POST /weather', children: [{ name: 'get_weather', children: [{ name: 'chat gpt-4o-mini', children: [] }] }] }],
          },
        ],
      });
      const runs = flatten(tree);
      expect(runs).toHaveLength(7);
      expect(new Set(runs.map((run) => run.trace_id))).toEqual(new Set([tree.run.id]));
      expect(new Set(runs.map((run) => run.extra?.metadata?.['otel.trace_id'])).size).toBe(1);

      // The process boundary: the Go server span's parent is the Python client span.
      const client = findRun(tree, 'call weather service')!;
      const server = findRun(tree, 'POST /weather')!;
      expect(server.parent_run_id).toBe(client.id);
      expect(server.extra?.metadata?.['otel.parent_span_id']).toBe(client.extra?.metadata?.['otel.span_id']);
      const language = (run: (typeof runs)[number]) => [run.extra?.runtime?.['service.name'], run.extra?.runtime?.['telemetry.sdk.language']];
      expect(runs.map((run) => [run.name, ...language(run)])).toEqual([
        ['answer question', 'assistant-python', 'python'],
        ['retrieve context', 'assistant-python', 'python'],
        ['chat gpt-4o-mini', 'assistant-python', 'python'],
        ['call weather service', 'assistant-python', 'python'],
        ['POST /weather', 'weather-go', 'go'],
        ['get_weather', 'weather-go', 'go'],
        ['chat gpt-4o-mini', 'weather-go', 'go'],
      ]);

      const tool = findRun(tree, 'get_weather')!;
      expect(tool.run_type).toBe('tool');
      expect(tool.inputs).toEqual({ city: 'Lisbon' });
      expect(tool.outputs).toEqual({ forecast: 'sun, 24°C' });
      const goLlm = flatten(tree).filter((run) => run.name === 'chat gpt-4o-mini')[1]!;
      expect(goLlm.parent_run_id).toBe(tool.id);
      expect(goLlm.run_type).toBe('llm');
      expect(goLlm.outputs?.usage_metadata).toEqual({ input_tokens: 18, output_tokens: 9, total_tokens: 27 });
      expect(client.extra?.metadata).toMatchObject({ 'otel.span_kind': 'CLIENT' });
      expect(server.extra?.metadata).toMatchObject({ 'otel.span_kind': 'SERVER' });
    });
  });
});
