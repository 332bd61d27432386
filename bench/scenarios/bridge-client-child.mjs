// Child process (see ./bridge-throughput.mjs): records one workload shape's spans, says `ready`,
// and on `go` sends them to the bridge as OTLP/HTTP protobuf with the official exporter
// (@opentelemetry/exporter-trace-otlp-proto), batches of 512 spans, `inFlight` batches at a time;
// then reports what it sent and disconnects.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { generateShape } from '../workload.mjs';

const { url, shape, batch = 512, inFlight = 4 } = JSON.parse(process.argv[2]);
const spans = generateShape(shape);
const exporter = new OTLPTraceExporter({ url: `${url}/v1/traces`, concurrencyLimit: inFlight * 2 });
process.send({ ready: true, spans: spans.length });
await new Promise((resolve) => process.once('message', resolve));

let sent = 0;
let failed = 0;
const t0 = performance.now();
let next = 0;
async function lane() {
  while (next < spans.length) {
    const slice = spans.slice(next, next + batch);
    next += batch;
    const result = await new Promise((resolve) => exporter.export(slice, resolve));
    if (result.code === 0) sent += slice.length;
    else failed += slice.length;
  }
}
await Promise.all(Array.from({ length: inFlight }, lane));
const seconds = (performance.now() - t0) / 1000;
await exporter.shutdown();
process.send({ done: true, spans: spans.length, sent, failed, seconds });
process.disconnect();
