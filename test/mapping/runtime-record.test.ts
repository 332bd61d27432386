import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapSpan } from 'otel-langsmith';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { serializeWithinBudget } from '../../src/shaping/size-budget.js';
import { stringifyRun } from '../../src/shaping/serialize-run.js';
import { exportOnce, exporterFor, TEST_KEY } from '../helpers/exporter.js';
import { recordingTracer } from '../helpers/tracing.js';

const map = (span: ReadableSpan) => mapSpan(span, { projectName: 'p' }).run;

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
});
afterAll(() => server.close());

describe('the runtime record shared by the runs of one tracer', () => {
  it('is built once per resource and scope, frozen, and equal to a fresh copy of the resource', () => {
    const { tracer, spans, provider } = recordingTracer({ 'service.name': 'svc', 'host.name': 'h1' });
    tracer.startSpan('a').end();
    tracer.startSpan('b').end();
    provider.getTracer('other-scope', '9').startSpan('c').end();
    const [a, b, c] = spans().map(map);
    expect(a!.extra!.runtime).toBe(b!.extra!.runtime);
    expect(Object.isFrozen(a!.extra!.runtime)).toBe(true);
    expect(a!.extra!.runtime).toEqual({ 'service.name': 'svc', 'host.name': 'h1', 'otel.scope.name': 'test-scope', 'otel.scope.version': '1.2.3' });
    expect(c!.extra!.runtime).not.toBe(a!.extra!.runtime);
    expect(c!.extra!.runtime).toMatchObject({ 'otel.scope.name': 'other-scope', 'otel.scope.version': '9' });
  });

  it('is not cached while the resource still waits for async attributes', () => {
    let settle!: (value: string) => void;
    const pending = new Promise<string>((resolve) => (settle = resolve));
    // SimpleSpanProcessor would wait for the attributes; a processor that does not shows the gap.
    const ended: ReadableSpan[] = [];
    const collect: SpanProcessor = { onStart: () => {}, onEnd: (span) => void ended.push(span), forceFlush: async () => {}, shutdown: async () => {} };
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'svc', 'cloud.region': pending }),
      spanProcessors: [collect],
    });
    provider.getTracer('t').startSpan('early').end();
    const early = map(ended[0]!);
    expect(early.extra!.runtime).not.toHaveProperty('cloud.region');
    expect(Object.isFrozen(early.extra!.runtime)).toBe(false);
    settle('eu-west-1');
    return ended[0]!.resource.waitForAsyncAttributes!().then(() => {
      provider.getTracer('t').startSpan('late').end();
      expect(map(ended[1]!).extra!.runtime).toMatchObject({ 'cloud.region': 'eu-west-1' });
    });
  });

  it('serializes to exactly JSON.stringify of the run, whatever the attributes', () => {
    const value = fc.oneof(fc.string({ unit: 'binary' }), fc.integer(), fc.double(), fc.boolean(), fc.array(fc.string(), { maxLength: 3 }));
    const attributes = fc.dictionary(fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString')), value, { maxKeys: 8 });
    fc.assert(
      fc.property(attributes, attributes, fc.string({ unit: 'binary' }), (resource, spanAttributes, name) => {
        const memory = new InMemorySpanExporter();
        const provider = new BasicTracerProvider({ resource: resourceFromAttributes(resource), spanProcessors: [new SimpleSpanProcessor(memory)] });
        const tracer = provider.getTracer('scope');
        tracer.startSpan(name, { attributes: spanAttributes }).end();
        tracer.startSpan('second').end();
        for (const span of memory.getFinishedSpans()) {
          const run = map(span);
          expect(stringifyRun(run)).toBe(JSON.stringify(run));
          expect(JSON.parse(stringifyRun(run))).toEqual(JSON.parse(JSON.stringify(run)));
          // mapSpan writes extra last (the runtime JSON is then spliced at the end of the body);
          // a run whose fields come in another order (from transformRun) takes the searching path.
          expect(Object.keys(run).at(-1)).toBe('extra');
          const { extra, ...rest } = run;
          const reordered = { extra, ...rest };
          expect(stringifyRun(reordered)).toBe(JSON.stringify(reordered));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('stays intact when the size budget cuts a run whose long string is in the resource', () => {
    const long = 'r'.repeat(20_000);
    const { tracer, spans } = recordingTracer({ 'service.name': 'svc', 'service.description': long });
    tracer.startSpan('first').end();
    tracer.startSpan('second').end();
    const [first, second] = spans();
    const cut = serializeWithinBudget(map(first!), 8192);
    expect(cut.cuts).toContain('strings');
    expect(JSON.parse(cut.body).extra.runtime['service.description']).toMatch(/…\[truncated \d+ chars\]$/);
    expect(map(second!).extra!.runtime!['service.description']).toBe(long);
  });

  it('can be changed by transformRun for one run without reaching the next run of the tracer', async () => {
    server.reset();
    const exporter = exporterFor(server, {
      transformRun: (run) => {
        if (run.name === 'tagged') {
          run.extra!.runtime!['deploy.slot'] = 'blue';
          (run.extra!.runtime!['service.name'] as string) = 'renamed';
        }
        return run;
      },
    });
    const { tracer, spans } = recordingTracer({ 'service.name': 'svc' });
    tracer.startSpan('tagged').end();
    tracer.startSpan('plain').end();
    await exportOnce(exporter, spans());
    const byName = Object.fromEntries(server.runs().map((r) => [r.name, r.extra?.runtime]));
    expect(byName.tagged).toMatchObject({ 'deploy.slot': 'blue', 'service.name': 'renamed' });
    expect(byName.plain).toMatchObject({ 'service.name': 'svc' });
    expect(byName.plain).not.toHaveProperty('deploy.slot');
    expect(exporter.stats().spansFiltered).toBe(0);
    await exporter.shutdown();
  });
});
