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

for (const root of server.traces()) {
  console.log(server.formatTree(root.run.trace_id));
}
const rejected = server.requests().filter((r) => r.status >= 400);
console.log(`\n${stats.runsDelivered} runs delivered in ${server.requests().length} requests, ${rejected.length} rejected.`);
for (const run of server.runs()) {
  console.log(`  ${run.name.padEnd(20)} run_type=${run.run_type.padEnd(5)} parent=${run.parent_run_id ?? '-'}${run.error ? `  error: ${run.error.split('\n')[0]}` : ''}`);
}
await server.close();
if (rejected.length || stats.runsDelivered !== server.runs().length) process.exitCode = 1;
