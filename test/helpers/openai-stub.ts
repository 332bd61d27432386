import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OpenAI-compatible server (127.0.0.1) for driving the real `openai` client under test:
 * chat completions (a tool call when tools are offered and no tool result came back yet, text
 * otherwise; streaming with a final usage chunk), legacy completions and embeddings.
 */
export interface OpenAIStub {
  baseURL: string;
  requests: Array<{ path: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

const USAGE = {
  prompt_tokens: 21,
  completion_tokens: 9,
  total_tokens: 30,
  prompt_tokens_details: { cached_tokens: 4 },
  completion_tokens_details: { reasoning_tokens: 2 },
};

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
}

function chatCompletion(body: Record<string, unknown>) {
  const messages = (body.messages ?? []) as Array<{ role: string }>;
  const wantsTool = Array.isArray(body.tools) && body.tools.length > 0 && messages.at(-1)?.role !== 'tool';
  const message = wantsTool
    ? { role: 'assistant', content: null, tool_calls: [{ id: 'call_weather_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }
    : { role: 'assistant', content: 'It will rain in Paris.' };
  return {
    id: 'chatcmpl-stub-1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message, finish_reason: wantsTool ? 'tool_calls' : 'stop', logprobs: null }],
    usage: USAGE,
  };
}

function streamChunks(body: Record<string, unknown>): unknown[] {
  const base = { id: 'chatcmpl-stub-2', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini-2024-07-18' };
  const pieces = ['It will ', 'rain ', 'in Paris.'];
  const chunks: unknown[] = pieces.map((text, i) => ({
    ...base,
    choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content: text } : { content: text }, finish_reason: null }],
  }));
  chunks.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  const options = body.stream_options as { include_usage?: boolean } | undefined;
  if (options?.include_usage) chunks.push({ ...base, choices: [], usage: USAGE });
  return chunks;
}

export async function startOpenAIStub(): Promise<OpenAIStub> {
  const requests: OpenAIStub['requests'] = [];
  const server: Server = createServer((req, res) => {
    void readJson(req).then((body) => {
      const path = new URL(req.url ?? '/', 'http://stub').pathname;
      requests.push({ path, body });
      const json = (value: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (path === '/v1/chat/completions' && body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const chunk of streamChunks(body)) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
        res.end('data: [DONE]\n\n');
      } else if (path === '/v1/chat/completions') {
        json(chatCompletion(body));
      } else if (path === '/v1/completions') {
        json({
          id: 'cmpl-stub-1',
          object: 'text_completion',
          created: 1_700_000_000,
          model: 'gpt-3.5-turbo-instruct',
          choices: [{ index: 0, text: ' and good night.', finish_reason: 'stop', logprobs: null }],
          usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
        });
      } else if (path === '/v1/embeddings') {
        const inputs = Array.isArray(body.input) ? body.input : [body.input];
        // openai v6 asks for base64 (little-endian float32) unless told `encoding_format: 'float'`.
        const vector = [0.1, 0.2, 0.3];
        const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
        json({
          object: 'list',
          model: 'text-embedding-3-small',
          data: inputs.map((_, index) => ({ object: 'embedding', index, embedding })),
          usage: { prompt_tokens: 6, total_tokens: 6 },
        });
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"not found"}}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
