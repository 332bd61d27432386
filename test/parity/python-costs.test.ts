// Costs a real producer computes, through the bridge: Pydantic AI (pydantic-ai-slim with
// genai-prices, from the parity venv of .ci/setup-polyglot.sh; skips with the reason without it)
// prices each model request itself and writes `operation.cost` (USD) on its span
// (pydantic_ai/_instrumentation.py `response_attributes`). LangSmith reads a producer's own cost
// from `outputs.usage_metadata.total_cost`: every llm run must carry exactly the span's amount.
// The agent talks to the local OpenAI stub only (python/parity_common.py refuses other addresses).
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/bridge-harness.js';
import { childEnv, runToEnd } from '../helpers/polyglot-harness.js';
import { requireTools } from '../helpers/polyglot-tools.js';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { PARITY_OUT_DIR } from './parity-table.js';
import { findParityPython, PARITY_PYTHON_DIR } from './python-tools.js';

const tools = requireTools('python-costs.test.ts', { python: findParityPython() });

interface DumpedSpan {
  name: string;
  spanId: string;
  attributes?: Record<string, unknown>;
}

describe.runIf(tools)('a producer’s own costs through the bridge', () => {
  let stub: OpenAIStub;
  let stack: Stack;

  beforeAll(async () => {
    mkdirSync(PARITY_OUT_DIR, { recursive: true });
    [stub, stack] = await Promise.all([startOpenAIStub(), startStack()]);
  });
  afterAll(async () => {
    await Promise.all([stub?.close(), stack?.close()]);
  });

  it('Pydantic AI operation.cost → usage_metadata.total_cost on each model request’s llm run', { timeout: 60_000 }, async () => {
    const spansFile = join(PARITY_OUT_DIR, 'spans-pydantic-ai-costs.json');
    rmSync(spansFile, { force: true });
    const done = await runToEnd(
      tools!.python,
      [join(PARITY_PYTHON_DIR, 'producer_pydantic_ai.py')],
      childEnv({ PYTHONDONTWRITEBYTECODE: '1', PARITY_OPENAI_BASE_URL: stub.baseURL, OTEL_EXPORTER_OTLP_ENDPOINT: stack.bridge.url, PARITY_SPANS_FILE: spansFile }),
      40_000,
    );
    expect(done.code, `${done.stdout}\n${done.stderr}`).toBe(0);
    expect(existsSync(spansFile)).toBe(true);
    const spans = JSON.parse(readFileSync(spansFile, 'utf8')) as DumpedSpan[];
    await stack.server.waitForRuns(spans.length, 10_000);

    const priced = spans.filter((span) => typeof span.attributes?.['operation.cost'] === 'number');
    // The tool call, then the answer: two priced model requests.
    expect(priced.length).toBeGreaterThanOrEqual(2);
    const runs = stack.server.runs();
    for (const span of priced) {
      const run = runs.find((candidate) => candidate.extra?.metadata?.['otel.span_id'] === span.spanId);
      expect(run?.run_type, span.name).toBe('llm');
      const usage = run?.outputs?.usage_metadata as Record<string, unknown> | undefined;
      expect(usage?.total_cost, span.name).toBe(span.attributes!['operation.cost']);
      expect(usage?.total_cost).toBeGreaterThan(0);
    }
  });
});
