// Per-span cost on the application thread: this exporter's mapping (mapSpan, and mapSpan plus the
// serialization the exporter does) against the OTLP JSON transform of
// @opentelemetry/otlp-transformer on the same spans, warmed up, several iterations. Runs in its own
// process (mapping-cost.mjs forks it with --expose-gc), on the same seeded workload as the rest.
import { createRequire } from 'node:module';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { loadInternals } from '../build-internals.mjs';
import { generateWorkload, QUICK, PROJECT } from '../workload.mjs';
import { round } from './ceiling.mjs';

// 0.223 exports only the serializers; the transform alone is reachable through its CommonJS build.
const require = createRequire(import.meta.url);
const { createExportTraceServiceRequest } = require('@opentelemetry/otlp-transformer/build/src/trace/internal.js');
const { JSON_ENCODER } = require('@opentelemetry/otlp-transformer/build/src/common/utils.js');

const OTLP_BATCH = 512; // BatchSpanProcessor's default batch: the OTLP transform works per batch
const ITERATIONS = QUICK ? 3 : 9;
const MAX_SPANS = QUICK ? 1500 : 4000;

// The same code as the package's build, bundled from src/ with the size-budget serializer, which
// the package does not export.
const { mapSpan, serializeWithinBudget, BodyEncoder } = await loadInternals();
const bodyEncoder = new BodyEncoder();
const MAX_RUN_BYTES = 10 * 1024 * 1024; // the exporter's default maxRunBytes

let sink = 0; // keeps results alive so nothing is optimised away

// A young-generation collection before each timed pass and one inside it, at its end: each
// candidate pays for collecting its own garbage, not for what the one before it left behind
// (without them, a scavenge lands in whichever pass happens to fill the young generation).
const collectYoung = () => globalThis.gc({ type: 'minor' });

const CANDIDATES = {
  mapSpan: (spans) => {
    for (const span of spans) sink += mapSpan(span, { projectName: PROJECT }).run.name.length;
  },
  'mapSpan + serialize': (spans) => {
    for (const span of spans) sink += serializeWithinBudget(mapSpan(span, { projectName: PROJECT }).run, MAX_RUN_BYTES).body.length;
  },
  // The OTLP serializer ends with bytes; the exporter's transport encodes each body to bytes on the
  // thread that posts it (BodyEncoder), so this is the like-for-like comparison.
  'mapSpan + serialize + encode': (spans) => {
    for (const span of spans) sink += bodyEncoder.encode(serializeWithinBudget(mapSpan(span, { projectName: PROJECT }).run, MAX_RUN_BYTES).body).length;
  },
  'OTLP transform (createExportTraceServiceRequest)': (spans) => {
    for (let i = 0; i < spans.length; i += OTLP_BATCH) {
      sink += createExportTraceServiceRequest(spans.slice(i, i + OTLP_BATCH), JSON_ENCODER).resourceSpans.length;
    }
  },
  'OTLP JSON serializeRequest (transform + stringify + encode)': (spans) => {
    for (let i = 0; i < spans.length; i += OTLP_BATCH) sink += JsonTraceSerializer.serializeRequest(spans.slice(i, i + OTLP_BATCH)).length;
  },
};

/**
 * Candidates interleaved after two warm-up passes each (A B C D, then D C B A, ...), so that load
 * from other processes falls on all of them alike. µs per span of CPU time (process.cpuUsage: this
 * thread plus GC helper threads; unlike wall time, not inflated when other processes preempt the
 * bench), its own young-generation collections included; median and min over the iterations;
 * wall-clock median alongside.
 */
function measureAll(spans) {
  const cpuTimes = Object.fromEntries(Object.keys(CANDIDATES).map((name) => [name, []]));
  const wallTimes = Object.fromEntries(Object.keys(CANDIDATES).map((name) => [name, []]));
  for (const fn of Object.values(CANDIDATES)) {
    fn(spans);
    fn(spans); // warm-up: JIT and inline caches
  }
  const forwards = Object.entries(CANDIDATES);
  const backwards = [...forwards].reverse();
  for (let i = 0; i < ITERATIONS; i++) {
    for (const [name, fn] of i % 2 === 0 ? forwards : backwards) {
      collectYoung();
      const t = performance.now();
      const c = process.cpuUsage();
      fn(spans);
      collectYoung();
      const used = process.cpuUsage(c);
      wallTimes[name].push(((performance.now() - t) * 1000) / spans.length);
      cpuTimes[name].push((used.user + used.system) / spans.length);
    }
  }
  const median = (list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)];
  return Object.fromEntries(
    Object.keys(CANDIDATES).map((name) => [
      name,
      { medianMicros: round(median(cpuTimes[name]), 2), minMicros: round(Math.min(...cpuTimes[name]), 2), wallMedianMicros: round(median(wallTimes[name]), 2) },
    ]),
  );
}

function measureMappingCost(workload) {
  const rows = [];
  for (const [shape, { spans }] of Object.entries(workload)) {
    const sample = spans.slice(0, MAX_SPANS);
    const row = { shape, spans: sample.length, ...measureAll(sample) };
    const ours = row.mapSpan.medianMicros;
    const otlp = row['OTLP transform (createExportTraceServiceRequest)'].medianMicros;
    row.mapSpanVsOtlpTransform = round(ours / otlp, 2);
    row.serializedVsOtlpJson = round(row['mapSpan + serialize + encode'].medianMicros / row['OTLP JSON serializeRequest (transform + stringify + encode)'].medianMicros, 2);
    rows.push(row);
  }
  if (sink === -1) console.log(sink);
  return { iterations: ITERATIONS, otlpBatch: OTLP_BATCH, rows };
}

process.send(measureMappingCost(generateWorkload()));
process.disconnect();
