// `npm run demo`: the quickstart against the embedded strict LangSmith-compatible server.
// No account, no key, no network beyond 127.0.0.1.
import { startLocalServer } from 'otel-langsmith/testing';

const apiKey = 'local-demo-key';
const server = await startLocalServer({ apiKey });
process.env.LANGSMITH_ENDPOINT = server.url;
process.env.LANGSMITH_API_KEY = apiKey;
console.log(`Local LangSmith-compatible server on ${server.url}\n`);

const { runQuickstart } = await import('./quickstart.mjs');
const stats = await runQuickstart();

// The tree as the server stored it: each run once, children indented under their parent; llm runs
// with their model and token counts.
for (const root of server.traces()) {
  console.log(server.formatTree(root.run.trace_id));
}
const rejected = server.requests().filter((r) => r.status >= 400);
console.log(`\n${stats.runsDelivered} runs delivered in ${server.requests().length} requests, ${rejected.length} rejected.`);
for (const request of rejected) console.log(`  ${request.status} ${request.method} ${request.path}${request.detail ? `: ${request.detail}` : ''}`);
await server.close();

console.log(`
Next:
  npx otel-langsmith dev     the same server on http://127.0.0.1:1984, with a trace viewer at http://127.0.0.1:1984/
  then run your app with LANGSMITH_ENDPOINT=http://127.0.0.1:1984 LANGSMITH_API_KEY=any-non-empty-value`);
if (rejected.length || stats.runsDelivered !== server.runs().length) process.exitCode = 1;
