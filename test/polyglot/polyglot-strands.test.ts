// A real producer of GenAI span events with provider-native content: Strands Agents (Python),
// whose model is a Bedrock Converse stub on 127.0.0.1, exporting OTLP/HTTP to the bridge. Strands
// writes Bedrock's own blocks into `gen_ai.*.message` / `gen_ai.choice` events (default mode) and
// GenAI parts into `gen_ai.client.inference.operation.details` events (latest mode); both must
// render tool calls with their ids, tool results, and tool runs with their arguments and result.
// Needs .ci/setup-polyglot.sh (step strands-python): skips with the reason otherwise.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/bridge-harness.js';
import { childEnv, findRun, flatten, printedTraceIds, runToEnd, treesOfOtelTrace } from '../helpers/polyglot-harness.js';
import { findStrandsPython, requireTools } from '../helpers/polyglot-tools.js';
import { REPO_ROOT } from '../helpers/paths.js';

const tools = requireTools('polyglot-strands.test.ts', { python: findStrandsPython() });
const SCRIPT = join(REPO_ROOT, 'test/polyglot/strands/strands_agent.py');
const SECRET = 'polyglot-strands-secret';

/** Bedrock Converse (non-streaming) on 127.0.0.1: first a tool call, then, given its result, an answer. */
async function startBedrockStub(): Promise<{ url: string; requests: unknown[]; close: () => Promise<void> }> {
  const requests: unknown[] = [];
  const body = async (req: IncomingMessage) => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    return JSON.parse(text) as { messages: Array<{ content: Array<Record<string, unknown>> }> };
  };
  const server: Server = createServer((req, res) => {
    void body(req).then((request) => {
      requests.push(request);
      const hasResult = request.messages.some((m) => m.content.some((block) => 'toolResult' in block));
      const content = hasResult
        ? [{ text: 'It is sunny and 22C in Paris.' }]
        : [{ text: 'Let me check.' }, { toolUse: { toolUseId: 'tooluse_paris_1', name: 'get_weather', input: { city: 'Paris' } } }];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          output: { message: { role: 'assistant', content } },
          stopReason: hasResult ? 'end_turn' : 'tool_use',
          usage: { inputTokens: 30, outputTokens: 12, totalTokens: 42 },
          metrics: { latencyMs: 5 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let stack: Stack;
let bedrock: Awaited<ReturnType<typeof startBedrockStub>>;
beforeEach(async () => {
  stack = await startStack({ sharedSecret: SECRET });
  bedrock = await startBedrockStub();
});
afterEach(async () => {
  await bedrock.close();
  await stack.close();
});

function producerEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return childEnv({
    OTEL_EXPORTER_OTLP_ENDPOINT: stack.bridge.url,
    OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${SECRET}`,
    BEDROCK_URL: bedrock.url,
    // Placeholder credentials for the stub (boto3 signs every request); no instance metadata lookups.
    AWS_ACCESS_KEY_ID: 'stub',
    AWS_SECRET_ACCESS_KEY: 'stub',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    ...extra,
  });
}

const weatherCall = { id: 'tooluse_paris_1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } };

/** Runs the agent, waits for its whole trace, returns its runs. */
async function runAgent(extra: Record<string, string>) {
  const done = await runToEnd(tools!.python, [SCRIPT], producerEnv(extra), 120_000);
  expect(done.code, done.stderr).toBe(0);
  const [traceId] = printedTraceIds(done.stdout);
  expect(bedrock.requests).toHaveLength(2);
  const total = stack.bridge.stats().spansReceived;
  await stack.server.waitForRuns(total);
  const trees = treesOfOtelTrace(stack.server, traceId!);
  expect(trees).toHaveLength(1);
  return flatten(trees[0]!);
}

function expectRendered(runs: ReturnType<typeof flatten>) {
  const chats = runs.filter((run) => run.run_type === 'llm').sort((a, b) => String(a.start_time).localeCompare(String(b.start_time)));
  expect(chats).toHaveLength(2);
  const [first, second] = chats as [(typeof chats)[0], (typeof chats)[0]];
  expect(first.inputs?.messages).toEqual([
    { role: 'system', content: 'You are a weather assistant.' },
    { role: 'user', content: 'What is the weather in Paris?' },
  ]);
  expect(first.outputs?.choices).toEqual([
    { index: 0, finish_reason: 'tool_use', message: { role: 'assistant', content: 'Let me check.', tool_calls: [expect.objectContaining({ ...weatherCall, function: { name: 'get_weather', arguments: expect.any(String) } })] } },
  ]);
  const call = (first.outputs?.choices as Array<{ message: { tool_calls: Array<{ function: { arguments: string } }> } }>)[0]!.message.tool_calls[0]!;
  expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });

  const history = second.inputs?.messages as Array<Record<string, unknown>>;
  expect(history.slice(-3)).toEqual([
    { role: 'user', content: 'What is the weather in Paris?' },
    { role: 'assistant', content: 'Let me check.', tool_calls: [expect.objectContaining({ id: 'tooluse_paris_1', type: 'function' })] },
    { role: 'tool', content: 'Sunny, 22C in Paris', tool_call_id: 'tooluse_paris_1' },
  ]);
  expect(second.outputs?.choices).toEqual([{ index: 0, finish_reason: 'end_turn', message: { role: 'assistant', content: 'It is sunny and 22C in Paris.' } }]);

  const tool = findRun({ run: runs[0]!, children: [] }, 'get_weather') ?? runs.find((run) => run.run_type === 'tool');
  expect(tool?.run_type).toBe('tool');
  expect(tool?.inputs).toEqual({ city: 'Paris' });
  expect(tool?.outputs).toEqual({ output: 'Sunny, 22C in Paris' });
}

describe.runIf(tools)('Strands Agents (GenAI span events, Bedrock content blocks) through the bridge', () => {
  it('renders messages, tool calls with ids, tool results and the tool run from the per-message events (semconv 1.36 mode)', async () => {
    expectRendered(await runAgent({}));
  });

  it('renders the same from gen_ai.client.inference.operation.details events (latest mode)', async () => {
    expectRendered(await runAgent({ OTEL_SEMCONV_STABILITY_OPT_IN: 'gen_ai_latest_experimental' }));
  });
});
