import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LangSmithExportError, LangSmithSpanExporter } from 'otel-langsmith';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';

// Issue 18, item 2: a refused key must be explained by the error provider.shutdown() rejects
// with, not only by a diag logger most applications never install.
const SERVER_KEY = 'lsv2_pt_the-key-the-server-was-started-with';
const WRONG_KEY = 'lsv2_pt_a-wrong-key-that-must-never-be-printed';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: SERVER_KEY });
});
afterAll(() => server.close());

/** One span through a real provider and BatchSpanProcessor; what shutdown() rejects with. */
async function shutdownError(env: Record<string, string>, deliveryThread: 'main' | 'worker'): Promise<Error> {
  const exporter = new LangSmithSpanExporter({ env: { LANGSMITH_ENDPOINT: server.url, ...env }, deliveryThread });
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  provider.getTracer('t').startSpan('answer question').end();
  const error = await provider.shutdown().then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(LangSmithExportError);
  return error as Error;
}

describe.each(['main', 'worker'] as const)("a refused key: provider.shutdown() rejects with what to fix (deliveryThread '%s')", (thread) => {
  it('names the variable the wrong key came from, the endpoint and the doctor, never the key', async () => {
    const error = await shutdownError({ LANGSMITH_API_KEY: WRONG_KEY }, thread);
    expect(error.message).toMatch(/rejected with HTTP 401/);
    expect(error.message).toContain(`${server.url} refused the API key (HTTP 401)`);
    expect(error.message).toContain('check the key from LANGSMITH_API_KEY');
    expect(error.message).toContain('npx otel-langsmith doctor');
    expect(error.message).not.toContain(WRONG_KEY);
    expect(error.message).not.toContain(SERVER_KEY);
    expect(server.runs()).toEqual([]);
  });

  it('with no key at all, says none was found and where it was looked for', async () => {
    const error = await shutdownError({}, thread);
    expect(error.message).toMatch(/no API key was found \(LANGSMITH_API_KEY, LANGCHAIN_API_KEY and the apiKey option are all unset\)/);
    expect(error.message).not.toMatch(/from default/);
    expect(error.message).toContain('npx otel-langsmith doctor');
  });

  it('names LANGCHAIN_API_KEY when the key came from there', async () => {
    const error = await shutdownError({ LANGCHAIN_API_KEY: WRONG_KEY }, thread);
    expect(error.message).toContain('check the key from LANGCHAIN_API_KEY');
    expect(error.message).not.toContain(WRONG_KEY);
  });
});

describe("the README's serverless flush guard", () => {
  it('forceFlush() rejects with the explained error; the guard logs it and the handler still answers', async () => {
    const exporter = new LangSmithSpanExporter({ env: { LANGSMITH_ENDPOINT: server.url, LANGSMITH_API_KEY: WRONG_KEY } });
    const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
    const logged: string[] = [];
    const handler = async (): Promise<string> => {
      try {
        provider.getTracer('t').startSpan('handle event').end();
        return 'answer';
      } finally {
        await provider.forceFlush().catch((error: unknown) => {
          logged.push(error instanceof LangSmithExportError ? error.message : String(error));
        });
      }
    };
    expect(await handler()).toBe('answer');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('check the key from LANGSMITH_API_KEY');
    expect(logged[0]).not.toContain(WRONG_KEY);
    await provider.shutdown();
  });
});
