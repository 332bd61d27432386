// `node bench/rate-limit.mjs` (after the build): the rate-limit scenario of issue 19, scaled down.
// A LangSmith-like server taking 40 requests a second per key and answering 429 with
// `Retry-After: 1` past that (the local server's rateLimit); an application emitting 120 spans a
// second (traces of four) through a default BatchSpanProcessor, then shutting down. Prints, per
// load and transport: spans sent, runs stored, lost, counted as failed or spooled, and what the
// user was told through diag. BENCH_QUICK=1: 3 s and 8 s instead of 8 s and 40 s.
import { context, diag, DiagLogLevel, trace } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LangSmithSpanExporter } from '../dist/index.js';
import { startLocalServer } from '../dist/testing.js';

const KEY = 'lsv2_bench_rate_limit';
const LIMIT = 40;
const SPANS_PER_SECOND = 120;
const quick = process.env.BENCH_QUICK === '1';
const LOADS = [
  { load: `${quick ? 3 : 8} s burst`, seconds: quick ? 3 : 8 },
  { load: `${quick ? 8 : 40} s sustained`, seconds: quick ? 8 : 40 },
];
const TRANSPORTS = ['runs', 'batch', 'auto'];

const told = [];
diag.setLogger(
  {
    error: (m) => told.push(`error: ${m}`),
    warn: (m) => told.push(`warn: ${m}`),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  },
  { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
);

async function scenario(seconds, transport) {
  told.length = 0;
  const server = await startLocalServer({ apiKey: KEY, rateLimit: { requestsPerSecond: LIMIT, retryAfterSeconds: 1 } });
  const exporter = new LangSmithSpanExporter({ endpoint: server.url, apiKey: KEY, projectName: 'bench', env: {}, transport });
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  const tracer = provider.getTracer('bench');
  let sent = 0;
  const started = Date.now();
  for (let tick = 0; tick < seconds * 10; tick++) {
    for (let i = 0; i < SPANS_PER_SECOND / 40; i++) {
      const root = tracer.startSpan('request');
      for (let k = 0; k < 3; k++) tracer.startSpan(`step ${k}`, {}, trace.setSpan(context.active(), root)).end();
      root.end();
      sent += 4;
    }
    const next = started + (tick + 1) * 100;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
  }
  await provider.shutdown();
  const stats = exporter.stats();
  const stored = server.runs().length;
  await server.close();
  const errors = told.filter((line) => line.startsWith('error'));
  const warns = told.filter((line) => line.startsWith('warn'));
  const summary = errors.length
    ? `${errors.length} diag error(s): "${errors[0].slice(7, 150)}…"`
    : warns.length
      ? `${warns.length} diag warning(s): "${warns[0].slice(6, 120)}…"`
      : 'nothing';
  return { sent, stored, lost: sent - stored, counted: stats.runsFailed + stats.runsSpooled + stats.runsRejected, dropped: sent - stats.spansReceived, summary };
}

console.log(`| load | transport | runs stored | lost | of those counted by the exporter | dropped before the exporter | what the user was told |`);
console.log('|---|---|---|---|---|---|---|');
for (const { load, seconds } of LOADS) {
  for (const transport of TRANSPORTS) {
    const r = await scenario(seconds, transport);
    console.log(`| ${load} | ${transport} | ${r.stored} of ${r.sent} | ${r.lost} | ${r.counted} | ${r.dropped} | ${r.summary.replace(/\|/g, '/')} |`);
  }
}
