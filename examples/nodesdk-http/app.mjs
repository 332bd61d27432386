// A small HTTP service whose handler asks an OpenAI-compatible model. Run it with the instrumentation
// preloaded:  node --import ./instrumentation.mjs app.mjs [--serve]
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import OpenAI from 'openai';
import { exporter, sdk } from './instrumentation.mjs'; // the instance `--import` already started

const model = process.env.OPENAI_MODEL ?? 'gpt-4o-mini';

const preloaded = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => arg.includes('instrumentation.mjs'));
if (!preloaded) {
  console.warn('Run me with `node --import ./instrumentation.mjs app.mjs`: imported later, the instrumentations cannot patch node:http.');
}

/** The service: `GET /ask?q=...` answers with `{ answer }`. */
export function createApp() {
  const openai = new OpenAI(); // OPENAI_API_KEY, OPENAI_BASE_URL from env
  return createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ask') {
      res.writeHead(404).end();
      return;
    }
    try {
      const completion = await openai.chat.completions.create({
        model,
        messages: [
          { role: 'system', content: 'Answer in one short sentence.' },
          { role: 'user', content: url.searchParams.get('q') ?? 'Will it rain in Paris tomorrow?' },
        ],
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ answer: completion.choices[0]?.message.content ?? '' }));
    } catch (error) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: String(error) }));
    }
  });
}

/** Starts the service on 127.0.0.1, asks it one question, stops, and flushes the traces. */
export async function run({ question = 'Will it rain in Paris tomorrow?' } = {}) {
  const server = createApp();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  // This request stands in for an outside caller (curl, a browser): it is made with tracing
  // suppressed, so the service's server span is the root of the trace, as in production.
  const body = await context.with(suppressTracing(context.active()), async () => {
    const response = await fetch(`http://127.0.0.1:${port}/ask?q=${encodeURIComponent(question)}`);
    return response.json();
  });
  await new Promise((resolve) => {
    server.close(resolve);
    server.closeIdleConnections(); // the demo client's keep-alive connection
  });
  // Flushes the BatchSpanProcessor (delivered means acknowledged), then stops the exporter.
  await sdk.shutdown();
  return { ...body, stats: exporter.stats() };
}

async function serve(port = Number(process.env.PORT ?? 3000)) {
  const server = createApp();
  server.listen(port, '127.0.0.1', () => console.log(`Listening on http://127.0.0.1:${port}/ask?q=hello`));
  const stop = () => {
    server.close(() => void sdk.shutdown()); // flush what is left; the process then ends by itself
    server.closeIdleConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--serve')) await serve();
  else {
    const { answer, error, stats } = await run();
    console.log(error ? `error: ${error}` : `answer: ${answer}`);
    console.log(`${stats.runsDelivered} runs delivered, ${stats.runsFailed + stats.runsRejected} failed`);
    if (error) process.exitCode = 1;
  }
}
