// What the bridge's data directory costs: the journal alone (src/bridge/journal/journal.ts), on
// this machine's disk, appending requests of 1, 64 and 512 spans (about 136 bytes a span: the
// measured size of an OTLP protobuf span of examples/collector/measure.mjs, decompressed) with 1
// and 8 requests at a time, each write fsynced before it resolves, each request settled at once
// (as when LangSmith keeps up). Prints one JSON line per case: requests/s, spans/s, fsyncs per
// request (below 1: concurrent requests shared one), the append latency, and the most bytes the
// directory held.
//
//   node bench/bridge-journal.mjs [--seconds 3] [--dir /path/on/the/disk/to/measure]
//
// Bounded: each case runs `--seconds` (at most 30). The end-to-end figure (spans/s through the
// bridge with and without --data-dir) is examples/collector/measure.mjs [--grpc] [--data-dir].
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadBundled } from './build-internals.mjs';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, dir: { type: 'string' } } });
const SECONDS = Math.min(Number(values.seconds), 30);
const BYTES_PER_SPAN = 136;

const { Journal } = await loadBundled('../src/bridge/journal/journal.ts', 'journal');

const root = mkdtempSync(join(values.dir ?? tmpdir(), 'journal-bench-'));
try {
  for (const spans of [1, 64, 512]) {
    for (const concurrency of [1, 8]) console.log(JSON.stringify(await measure(spans, concurrency)));
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

async function measure(spans, concurrency) {
  const dir = join(root, `${spans}-${concurrency}`);
  const { journal } = await Journal.open(dir, { maxBytes: 1024 ** 3, maxRecords: 1_000_000, segmentBytes: 8 * 1024 * 1024 });
  journal.recoveryDone(0);
  const body = Buffer.alloc(spans * BYTES_PER_SPAN, 7);
  let requests = 0;
  let id = 0;
  let maxBytes = 0;
  const latencies = [];
  const deadline = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const ids = Array.from({ length: spans }, () => `run-${id++}`);
        const started = performance.now();
        await journal.append(Date.now(), 'protobuf', body, ids);
        latencies.push(performance.now() - started);
        for (const runId of ids) journal.settle({ id: runId, kind: 'delivered', parent: { startMicros: 0 } });
        requests++;
        maxBytes = Math.max(maxBytes, journal.stats().bytes);
      }
    }),
  );
  const stats = journal.stats();
  await journal.close();
  latencies.sort((a, b) => a - b);
  const at = (q) => Math.round(latencies[Math.floor(q * (latencies.length - 1))] * 100) / 100;
  return {
    spansPerRequest: spans,
    concurrency,
    requestsPerSecond: Math.round(requests / SECONDS),
    spansPerSecond: Math.round((requests * spans) / SECONDS),
    fsyncsPerRequest: Math.round((stats.fsyncs / stats.appends) * 100) / 100,
    appendMillis: { p50: at(0.5), p99: at(0.99) },
    dirBytesMax: maxBytes,
    segmentsCompacted: stats.segmentsCompacted,
  };
}
