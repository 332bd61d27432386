// Standard exporters on the same spans, behind the same BatchSpanProcessor settings as the tuned
// LangSmith run: OTLP/HTTP JSON and Zipkin, to a sink in another process that reads and discards.
// Reported: spans/s (first onEnd to last export callback) and CPU of this process per span.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { round } from './ceiling.mjs';
import { feed, tailOnly, VARIANTS } from './exporter-bsp.mjs';

export const STANDARD_EXPORTERS = {
  'otlp-http-json': (url) => new OTLPTraceExporter({ url: `${url}/v1/traces` }),
  zipkin: (url) => new ZipkinExporter({ url: `${url}/api/v2/spans`, serviceName: 'bench-app' }),
};

export async function runStandardExporter({ sink, spans, name }) {
  await sink.call('reset');
  const exporter = STANDARD_EXPORTERS[name](sink.url);
  const bspOptions = VARIANTS.tuned.bsp;
  const processor = new BatchSpanProcessor(exporter, bspOptions);
  let exported = 0;
  let failed = 0;
  let lastCallbackAt = 0;
  let longestExportCallMillis = 0;
  const exportOriginal = exporter.export.bind(exporter);
  exporter.export = (batch, callback) => {
    const t = performance.now();
    exportOriginal(batch, (result) => {
      if (result.code === 0) exported += batch.length;
      else failed += batch.length;
      lastCallbackAt = performance.now();
      callback(result);
    });
    longestExportCallMillis = Math.max(longestExportCallMillis, performance.now() - t);
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await feed(processor, spans);
  await tailOnly(processor, bspOptions.maxExportBatchSize);
  await processor.forceFlush().catch(() => undefined);
  while (exported + failed < spans.length && performance.now() - t0 < 120_000) await new Promise((resolve) => setTimeout(resolve, 1));
  const cpu = process.cpuUsage(cpu0);
  const seconds = (lastCallbackAt - t0) / 1000;
  await processor.shutdown();
  const received = await sink.call('summary');
  return {
    exporter: name,
    spans: spans.length,
    exported,
    failed,
    requests: received.requests,
    bytesPerSpan: Math.round(received.bytes / spans.length),
    seconds: round(seconds, 3),
    spansPerSecond: Math.round(exported / seconds),
    cpuMicrosPerSpan: round((cpu.user + cpu.system) / spans.length, 1),
    longestExportCallMillis: round(longestExportCallMillis, 1),
  };
}
