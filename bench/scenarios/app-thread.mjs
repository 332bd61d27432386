// The application thread's cost per span, exporter by exporter (issue 16): each variant in a fresh
// child process (./app-thread-child.mjs) sending to the discard sink in another process; the
// event-loop active time of the child's main thread, minus the same run with a no-op exporter,
// over the span count. Rounds interleave the variants (rotated order); the median is reported.
import { runChild } from './run-child.mjs';

/** Row order of the table; `noop` is the baseline subtracted from every other. */
export const APP_THREAD_VARIANTS = {
  'otlp-proto': 'OTLP proto (`@opentelemetry/exporter-trace-otlp-proto`)',
  'otlp-json': 'OTLP JSON (`@opentelemetry/exporter-trace-otlp-http`)',
  default: 'ours, default (no `deliveryThread` option)',
  main: "ours, `deliveryThread: 'main'`",
  worker: "ours, `deliveryThread: 'worker'`",
  batch: "ours, `transport: 'batch'` (default thread)",
  transform: 'ours, default + a `transformRun` hook (`(run) => run`)',
  'undici-floor': 'undici floor: plain `request()` POST of each run body, one per span, on the app thread',
};

export const APP_THREAD_KINDS = {
  small: { label: 'small spans', spans: 20_000, quickSpans: 4_000 },
  llm: { label: 'LLM spans with 20 KB messages', spans: 4_000, quickSpans: 800 },
};

const median = (list) => {
  const s = list.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r2 = (x) => Math.round(x * 100) / 100;

/**
 * Runs every variant (and the no-op baseline) `rounds` times for both span kinds against `sink`
 * ({ url, call }), returns { rows, rounds, ... } with µs per span (median, min, max) per kind.
 */
export async function runAppThread({ sink, rounds = 3, quick = false, progress = () => {} }) {
  const names = ['noop', ...Object.keys(APP_THREAD_VARIANTS)];
  const raw = {}; // raw[kind][variant] = [result, ...]
  for (let r = 0; r < rounds; r++) {
    for (const [kind, k] of Object.entries(APP_THREAD_KINDS)) {
      const spans = quick ? k.quickSpans : k.spans;
      // Rotated order per round (and per kind), so no variant always runs first or last.
      const offset = (r * 3 + (kind === 'llm' ? 1 : 0)) % names.length;
      const order = names.map((_, i) => names[(i + offset) % names.length]);
      progress(`app thread, round ${r + 1}/${rounds}, ${k.label}: ${order.join(', ')}`);
      for (const variant of order) {
        await sink.call('reset');
        const { result } = await runChild(
          './app-thread-child.mjs',
          { url: sink.url, variant, kind, spans, warmupSpans: Math.round(spans / 10), chunk: 100 },
          { execArgv: [], label: `app-thread child (${variant}, ${kind})` },
        );
        ((raw[kind] ??= {})[variant] ??= []).push({ ...result, round: r });
      }
    }
  }
  const rows = Object.entries(APP_THREAD_VARIANTS).map(([variant, label]) => {
    const row = { variant, label };
    for (const kind of Object.keys(APP_THREAD_KINDS)) {
      // Per round: this variant minus the same round's no-op run, per span.
      const perRound = raw[kind][variant].map((v) => {
        const noop = raw[kind].noop.find((n) => n.round === v.round);
        return { micros: ((v.activeMillis - noop.activeMillis) * 1000) / v.spans, delivered: v.delivered, failed: v.failed, spans: v.spans, wallMillis: v.wallMillis, processCpuMillis: v.processCpuMillis };
      });
      const micros = perRound.map((p) => p.micros);
      row[kind] = {
        microsPerSpan: r2(median(micros)),
        min: r2(Math.min(...micros)),
        max: r2(Math.max(...micros)),
        rounds: micros.map(r2),
        /** Whole-process CPU (worker threads included) per span, minus the no-op's, median. */
        processCpuMicrosPerSpan: r2(median(raw[kind][variant].map((v) => ((v.processCpuMillis - raw[kind].noop.find((n) => n.round === v.round).processCpuMillis) * 1000) / v.spans))),
        /** The main thread's own CPU (schedstat, Linux) per span, minus the no-op's, median; undefined elsewhere. */
        threadCpuMicrosPerSpan: raw[kind][variant][0].threadCpuMillis === undefined
          ? undefined
          : r2(median(raw[kind][variant].map((v) => ((v.threadCpuMillis - raw[kind].noop.find((n) => n.round === v.round).threadCpuMillis) * 1000) / v.spans))),
        allDelivered: perRound.every((p) => p.delivered === p.spans && p.failed === 0),
        delivered: perRound.map((p) => p.delivered),
        failed: perRound.map((p) => p.failed),
        spans: perRound[0].spans,
      };
    }
    return row;
  });
  const proto = rows.find((row) => row.variant === 'otlp-proto');
  for (const row of rows) {
    for (const kind of Object.keys(APP_THREAD_KINDS)) row[kind].vsOtlpProto = r2(row[kind].microsPerSpan / proto[kind].microsPerSpan);
  }
  const noop = Object.fromEntries(Object.keys(APP_THREAD_KINDS).map((kind) => [kind, { activeMillis: raw[kind].noop.map((n) => r2(n.activeMillis)) }]));
  return { rounds, quick, kinds: APP_THREAD_KINDS, noop, rows };
}

/** The targets: default ≤ 1.0× OTLP proto (both kinds); 'main' ≤ 30 µs per small span. */
export function appThreadTargets(appThread) {
  const row = (v) => appThread.rows.find((r) => r.variant === v);
  const def = row('default');
  const main = row('main');
  const floor = row('undici-floor');
  return [
    {
      target: 'application thread: ours default ≤ 1.0× OTLP proto µs per span (small and LLM spans)',
      measured: `small ${def.small.microsPerSpan} vs ${row('otlp-proto').small.microsPerSpan} µs (${def.small.vsOtlpProto}×); LLM ${def.llm.microsPerSpan} vs ${row('otlp-proto').llm.microsPerSpan} µs (${def.llm.vsOtlpProto}×)`,
      met: def.small.vsOtlpProto <= 1 && def.llm.vsOtlpProto <= 1,
    },
    {
      target: "application thread: ours deliveryThread 'main' ≤ 30 µs per small span",
      measured: `${main.small.microsPerSpan} µs (undici floor, one request() per span: ${floor.small.microsPerSpan} µs)`,
      met: main.small.microsPerSpan <= 30,
    },
  ];
}
