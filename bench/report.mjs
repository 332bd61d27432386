// Tables (Markdown, printed and pasted into BENCHMARKS.md) and the JSON written to bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';

export const RESULTS_DIR = new URL('./results/', import.meta.url);

/** A Markdown table from rows and [header, value(row)] columns. */
export function table(rows, columns) {
  const head = `| ${columns.map(([h]) => h).join(' | ')} |`;
  const rule = `|${columns.map(() => '---').join('|')}|`;
  const body = rows.map((row) => `| ${columns.map(([, get]) => format(get(row))).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

function format(value) {
  if (value === undefined || value === null || Number.isNaN(value)) return '–';
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
  return String(value);
}

const x = (ratio) => (ratio === undefined ? undefined : `${ratio.toFixed(2)}×`);
const pass = (ok) => (ok === undefined ? '–' : ok ? '**met**' : '**not met**');

/**
 * The application thread's cost per span (bench/scenarios/app-thread.mjs): event-loop active time
 * of the child's main thread minus a no-op exporter's, median of the rounds, with the ratio to
 * OTLP proto and a warning where a variant did not deliver every span.
 */
export function renderAppThreadTable(appThread) {
  const k = appThread.kinds;
  const cell = (c) => `${c.microsPerSpan.toFixed(1)} (${c.min.toFixed(1)}–${c.max.toFixed(1)})`;
  const warn = (r) => {
    const bad = Object.keys(k).filter((kind) => !r[kind].allDelivered);
    return bad.length ? bad.map((kind) => `⚠ ${kind}: delivered ${r[kind].delivered.join('/')} of ${r[kind].spans}, failed ${r[kind].failed.join('/')}`).join('; ') : 'all';
  };
  const out = [];
  out.push(
    table(appThread.rows, [
      ['exporter', (r) => r.label],
      [`application-thread µs per span, ${k.small.label} (min–max)`, (r) => cell(r.small)],
      ['vs OTLP proto', (r) => x(r.small.vsOtlpProto)],
      [`same, ${k.llm.label} (min–max)`, (r) => cell(r.llm)],
      ['vs OTLP proto', (r) => x(r.llm.vsOtlpProto)],
      ['application thread on-CPU µs/span, small / LLM', (r) => `${r.small.threadCpuMicrosPerSpan ?? '–'} / ${r.llm.threadCpuMicrosPerSpan ?? '–'}`],
      ['process CPU µs/span, small / LLM (all threads)', (r) => `${r.small.processCpuMicrosPerSpan} / ${r.llm.processCpuMicrosPerSpan}`],
      ['delivered', warn],
    ]),
  );
  const row = (v) => appThread.rows.find((r) => r.variant === v);
  const def = row('default');
  const main = row('main');
  const floor = row('undici-floor');
  out.push(
    `
Targets: default ≤ 1.0× OTLP proto: small ${x(def.small.vsOtlpProto)}, LLM ${x(def.llm.vsOtlpProto)} → ${pass(def.small.vsOtlpProto <= 1 && def.llm.vsOtlpProto <= 1)}; ` +
      `'main' ≤ 30 µs per small span: ${main.small.microsPerSpan} µs (undici floor ${floor.small.microsPerSpan} µs) → ${pass(main.small.microsPerSpan <= 30)}.`,
  );
  out.push(
    `
Each variant in a fresh child process, ${appThread.rounds} round(s) in rotated order, median (min–max); ${k.small.label}: ${appThread.rows[0].small.spans.toLocaleString('en-US')} spans, ` +
      `${k.llm.label}: ${appThread.rows[0].llm.spans.toLocaleString('en-US')} spans (a tenth more first, as warm-up, not measured). ` +
      'BasicTracerProvider + BatchSpanProcessor (batch 512, queue 100k, 5 ms delay), traces of a root + 3 children with GenAI and HTTP attributes, produced 100 spans a chunk with setImmediate between chunks; the discard sink in another process. ' +
      'µs per span: the main thread\'s event-loop active time (performance.eventLoopUtilization()) from before the first span until forceFlush() resolved and every span was settled, minus the same round\'s run with a no-op exporter, over the span count. ' +
      'A worker thread\'s CPU is not on the application\'s loop (it is in "process CPU"). ' +
      'The loop never idles while spans are produced (setImmediate between chunks), so active time is wall time there and includes time the thread waited for a core; "on-CPU" is the main thread\'s own CPU time (/proc/self/task/<pid>/schedstat), the same subtraction, without those waits. ' +
      `No-op active ms per round: small ${appThread.noop.small.activeMillis.join(', ')}; LLM ${appThread.noop.llm.activeMillis.join(', ')}.`,
  );
  return out.join('\n');
}

export function renderReport(results) {
  const out = [];
  const m = results.machine;
  out.push(`Machine: ${m.cpuModel}, ${m.cpuCount} CPUs, ${m.totalMemoryGiB} GiB, ${m.platform}, Node ${m.node}.`);
  out.push(
    `Run: ${results.startedAt}, ${results.quick ? 'BENCH_QUICK=1' : 'full'}, ${results.rounds} round(s) per throughput figure (best kept), ${results.durationSeconds} s in all. ` +
      `Other processes used ${results.otherLoad.mean} cores on average (max ${results.otherLoad.max}) during the throughput runs.`,
  );

  out.push('\n### Throughput: this exporter behind BatchSpanProcessor vs the ceiling (runs/s)\n');
  out.push(
    table(results.throughput, [
      ['shape', (r) => `${r.shape} (${r.description})`],
      ['spans', (r) => r.spans],
      ['avg body B', (r) => r.avgBodyBytes],
      ['ceiling (best c)', (r) => `${r.ceiling.runsPerSecond.toLocaleString('en-US')} (c=${r.ceiling.concurrency})`],
      ['ceiling level-by-level (best c)', (r) => `${r.levelCeiling.runsPerSecond.toLocaleString('en-US')} (c=${r.levelCeiling.concurrency})`],
      ['tuned: runs/s', (r) => r.tuned.runsPerSecond],
      ['tuned: ratio', (r) => x(r.tuned.ratio)],
      ['tuned: first end → last ack, s', (r) => r.tuned.seconds],
      ['tuned: dropped', (r) => r.tuned.droppedByBsp],
      ['tuned: time in export() calls', (r) => `${Math.round(r.tuned.exportCallsShare * 100)} %`],
      ['defaults: runs/s', (r) => r.defaults.runsPerSecond],
      ['defaults: ratio', (r) => x(r.defaults.ratio)],
      ['defaults: s', (r) => r.defaults.seconds],
      ['batch transport (tuned BSP): runs/s', (r) => r.batch?.runsPerSecond],
      ['batch: ratio', (r) => x(r.batch?.ratio)],
      ['defaults at full speed: dropped', (r) => `${r.defaultsFullSpeed.droppedByBsp.toLocaleString('en-US')} (${Math.round((100 * r.defaultsFullSpeed.droppedByBsp) / r.spans)} %)`],
      ['other load, cores', (r) => r.tuned.otherLoad],
    ]),
  );
  out.push(
    '\nRatio: runs/s over the unconstrained ceiling (deep: over the level-by-level ceiling). "defaults" is paced so the 2048-span queue never overflows ' +
      '(0 dropped: the rate these settings sustain); "at full speed" offers the same spans as fast as "tuned" does. ' +
      '"batch transport": `transport: \'batch\'` (`POST /runs/batch`, up to 100 runs a request) with the tuned processor; its ratio is still over the one-POST-per-run ceiling. ' +
      '"time in export() calls": share of the tuned run spent inside the synchronous export() calls (mapping, serializing, gate), ' +
      'when no response is processed. "other load": cores used by processes outside the bench during the tuned run.',
  );

  out.push('\n### Ceiling by concurrency (runs/s; client CPU µs per run)\n');
  const levels = results.throughput[0].ceiling.byConcurrency.map((c) => c.concurrency);
  const ceilingRows = results.throughput.flatMap((r) => [
    { name: `${r.shape} unconstrained`, list: r.ceiling.byConcurrency },
    ...(r.shape === 'deep' ? [{ name: `${r.shape} level-by-level`, list: r.levelCeiling.byConcurrency }] : []),
  ]);
  out.push(
    table(ceilingRows, [
      ['ceiling', (r) => r.name],
      ...levels.map((c) => [`c=${c}`, (r) => {
        const hit = r.list.find((e) => e.concurrency === c);
        return hit ? `${hit.runsPerSecond.toLocaleString('en-US')} (${hit.clientCpuMicrosPerRun} µs)` : undefined;
      }]),
    ]),
  );

  out.push('\n### CPU per run, and the throughput it allows (robust to load from other processes)\n');
  out.push(
    table(results.throughput, [
      ['shape', (r) => r.shape],
      ['ceiling: client CPU µs/run', (r) => r.capacity.ceilingClientMicros],
      ['exporter tuned: client CPU µs/span', (r) => r.capacity.exporterClientMicros],
      ['server CPU µs/run (ceiling / exporter)', (r) => `${r.capacity.ceilingServerMicros} / ${r.capacity.exporterServerMicros}`],
      ['ceiling: CPU-bound runs/s', (r) => r.capacity.ceilingRunsPerSecond],
      ['exporter: CPU-bound runs/s', (r) => r.capacity.exporterRunsPerSecond],
      ['CPU-bound ratio', (r) => x(r.capacity.ratio)],
    ]),
  );
  out.push(
    '\nCPU-bound runs/s = 10⁶ / max(client µs, server µs): what each side allows with one core each and perfect overlap. ' +
      'CPU time is not inflated when other processes take the cores, so this ratio is stable where wall-clock ratios are not; ' +
      'for the exporter it is an upper bound (its synchronous export() phases do not overlap with delivery).',
  );

  if (results.bridge?.length) {
    out.push('\n### The bridge vs the exporter on the same spans (spans/s delivered)\n');
    out.push(
      table(results.bridge, [
        ['shape', (r) => r.shape],
        ['bridge: spans/s (rounds)', (r) => `${r.spansPerSecond.toLocaleString('en-US')} (${r.allRounds.map((n) => n.toLocaleString('en-US')).join(', ')})`],
        ['exporter tuned: runs/s', (r) => r.exporterRunsPerSecond],
        ['ratio', (r) => x(r.ratio)],
        ['bridge process CPU µs/span', (r) => r.bridgeCpuMicrosPerSpan],
        ['delivered / failed', (r) => `${r.delivered.toLocaleString('en-US')} / ${r.failed}${r.serverCountMatches ? '' : ' (server count differs)'}`],
        ['other load, cores', (r) => r.otherLoad],
      ]),
    );
    out.push(
      '\nThe bridge started in the bench process with startBridge (otel-langsmith/bridge, exporter options as tuned: maxConcurrentRequests 64), the strict local server as LangSmith; ' +
        'a child process sends the shape\'s spans with the official OTLP/HTTP protobuf exporter (batches of 512, 4 in flight, no compression). ' +
        'From the first batch sent to every span delivered by the bridge\'s exporter; best of the rounds, after one discarded warm-up. ' +
        'Three processes (sender, bridge, server) share the two cores, where the exporter\'s own run has two (exporter, server).',
    );
  }

  out.push('\n### CPU of the exporting process per span, same spans, same BSP settings (queue 100k, batch 2048, 50 ms)\n');
  out.push(
    table(results.standardExporters, [
      ['shape', (r) => r.shape],
      ['langsmith: runs/s', (r) => r.langsmith.runsPerSecond],
      ['langsmith: CPU µs/span', (r) => r.langsmith.cpuMicrosPerSpan],
      ['langsmith: longest export() ms', (r) => r.langsmith.longestExportCall.millis],
      ['langsmith batch: runs/s', (r) => r.langsmithBatch?.runsPerSecond],
      ['langsmith batch: CPU µs/span', (r) => r.langsmithBatch?.cpuMicrosPerSpan],
      ['OTLP JSON: spans/s', (r) => r['otlp-http-json'].spansPerSecond],
      ['OTLP JSON: CPU µs/span', (r) => r['otlp-http-json'].cpuMicrosPerSpan],
      ['OTLP JSON: B/span', (r) => r['otlp-http-json'].bytesPerSpan],
      ['OTLP JSON: longest export() ms', (r) => r['otlp-http-json'].longestExportCallMillis],
      ['Zipkin: spans/s', (r) => r.zipkin.spansPerSecond],
      ['Zipkin: CPU µs/span', (r) => r.zipkin.cpuMicrosPerSpan],
      ['Zipkin: B/span', (r) => r.zipkin.bytesPerSpan],
      ['Zipkin: longest export() ms', (r) => r.zipkin.longestExportCallMillis],
    ]),
  );
  out.push(
    '\nCPU: `process.cpuUsage()` of the exporting process (all its threads, GC included) over the run, per span; the receiving server runs in another process and is not counted. ' +
      'Longest export(): wall time of the longest synchronous export() call (a 2048-span batch).',
  );

  out.push('\n### Per-span cost on the application thread (CPU µs/span, median of interleaved iterations; min and wall time in the JSON)\n');
  out.push(
    table(results.mapping.rows, [
      ['shape', (r) => r.shape],
      ['mapSpan', (r) => r.mapSpan.medianMicros],
      ['OTLP transform', (r) => r['OTLP transform (createExportTraceServiceRequest)'].medianMicros],
      ['mapSpan / OTLP transform', (r) => x(r.mapSpanVsOtlpTransform)],
      ['mapSpan + serialize', (r) => r['mapSpan + serialize'].medianMicros],
      ['+ encode (as the transport does)', (r) => r['mapSpan + serialize + encode']?.medianMicros],
      ['OTLP JSON serializeRequest', (r) => r['OTLP JSON serializeRequest (transform + stringify + encode)'].medianMicros],
      ['serialized / OTLP JSON', (r) => x(r.serializedVsOtlpJson)],
    ]),
  );

  if (results.steadyState?.length) {
    out.push('\n### The application thread\'s share: one long-lived exporter, delivery on the application thread, in a worker, or in batches\n');
    out.push(
      table(results.steadyState, [
        ['setting', (r) => r.setting],
        ['runs/s', (r) => r.runsPerSecond],
        ['application thread CPU µs/span', (r) => r.appThreadCpuMicrosPerSpan],
        ['application loop busy µs/span (ELU)', (r) => r.appLoopMicrosPerSpan],
        ['process CPU µs/span (all threads)', (r) => r.processCpuMicrosPerSpan],
        ['rounds kept (spans each)', (r) => `${r.rounds} (${r.spansPerRound.toLocaleString('en-US')})`],
        ['past 100,000 runs: application thread CPU µs/span (rounds)', (r) => (r.pastRememberedIds ? `${r.pastRememberedIds.appThreadCpuMicrosPerSpan} (${r.pastRememberedIds.rounds})` : '–')],
      ]),
    );
    out.push(
      '\nFlat traces, BSP defaults, paced so nothing is dropped; one exporter for all rounds (the first ones, warming up every thread\'s JIT, are not kept); medians. ' +
        '"application thread CPU": CPU time of the main thread alone (Linux schedstat), per span; "application loop busy": event-loop utilisation over the round, per span, which also counts time the thread waited for a core (feeding the processor and polling stats included in both). ' +
        '"past 100,000 runs": the rounds that began with the exporter\'s memory of acknowledged ids (kept for children that end after their parent) already full, where a cost of forgetting would show.',
    );
  }

  if (results.appThread) {
    out.push('\n### Application-thread cost per span, exporter by exporter (event-loop active time minus a no-op exporter)\n');
    out.push(renderAppThreadTable(results.appThread));
  }

  out.push(`\n### Event loop beside an application producing ~${results.eventLoop.rate.toLocaleString('en-US')} spans/s${results.eventLoop.receiver ? ` (runs sent to the ${results.eventLoop.receiver})` : ''}\n`);
  out.push(
    table(results.eventLoop.variants, [
      ['variant', (r) => r.variant],
      ['spans/s', (r) => r.spansPerSecond],
      ['ELU', (r) => r.eventLoopUtilization],
      ['delay p50 ms', (r) => r.delayMillis.p50],
      ['delay p99 ms', (r) => r.delayMillis.p99],
      ['delay max ms', (r) => r.delayMillis.max],
      ['longest gap between app ticks ms (without GC)', (r) => (r.betweenTicks ? `${r.betweenTicks.maxMillis} (${r.betweenTicks.maxWithoutGcMillis})` : undefined)],
      ['gaps > 10 ms', (r) => r.betweenTicks?.over10Millis],
      [
        'longest gap not waiting for a core ms (without GC); gaps > 10 ms',
        (r) => (r.betweenTicks?.maxOnCpuMillis === undefined ? '–' : `${r.betweenTicks.maxOnCpuMillis} (${r.betweenTicks.maxOnCpuWithoutGcMillis}); ${r.betweenTicks.over10OnCpuMillis}`),
      ],
      ['longest wait for a core in a gap ms', (r) => r.betweenTicks?.maxWaitedMillis ?? '–'],
      ['GC: longest pause ms, major GCs', (r) => (r.gc ? `${r.gc.maxPauseMillis}, ${r.gc.majorPauses}` : undefined)],
      ['longest export() call: wall (CPU), spans', (r) => (r.longestExportCall ? `${r.longestExportCall.millis} ms (${r.longestExportCall.cpuMillis} ms), ${r.longestExportCall.spans}` : undefined)],
      ['export() calls > 10 ms', (r) => `${r.exportCallsOver10Millis} of ${r.exportCalls}`],
      ['backlog at end of window', (r) => r.backlogAtWindowEnd],
      ['dropped by BSP', (r) => `${r.droppedByBsp.toLocaleString('en-US')} of ${r.spansProduced.toLocaleString('en-US')}`],
      ['failed at the final flush', (r) => r.runsFailed],
      ['not delivered after drain', (r) => (r.undeliveredAfterDrain === undefined ? undefined : `${r.undeliveredAfterDrain.toLocaleString('en-US')} (${r.drainSeconds} s)`)],
    ]),
  );
  out.push(
    '\nbaseline: same application and BatchSpanProcessor, with an exporter that returns at once. The application spends 20 % of its time on work of its own. ' +
      '"gap between app ticks": the application sleeps 1 ms between ticks; everything else the loop runs in between (responses, mapping slices, the processor\'s timer, GC) delays its next tick: ' +
      'the longest gap is the longest stall the application sees from work not its own (the delay histogram also counts the application\'s own ticks, which grow when it catches up after a gap). ' +
      '"without GC": the same minus the garbage-collection pauses inside it. ' +
      '"not waiting for a core": the gap minus the time the application\'s thread sat runnable but unscheduled (Linux schedstat, read at every tick): what ran on the thread in the gap (the exporter, undici, timers, GC); on two vCPUs shared with the receiving server, the worker and V8\'s helper threads, the rest of a long gap is the scheduler, which the baseline shows too. ' +
      '"backlog at end of window": spans in the processor\'s queue plus runs queued or in flight in the exporter when the window closed (the exporter falling behind). ' +
      '"failed at the final flush": runs the exporter failed when the drain\'s forceFlush() handed it the whole backlog at once. ' +
      '"not delivered after drain": spans neither dropped, failed nor delivered when the bounded drain ended (backlog, or children of dropped parents still held).',
  );

  out.push('\n### Memory: runs held for parents that have not ended (child process, --expose-gc)\n');
  out.push(
    table(results.memory, [
      ['children held', (r) => `${r.heldRuns.toLocaleString('en-US')} ${r.kind}`],
      ['avg body B', (r) => r.avgBodyBytes],
      ['heap B per held run', (r) => r.heapBytesPerHeldRun],
      ['heap / body', (r) => x(r.heapToBodyRatio)],
      ['RSS B per held run', (r) => r.rssBytesPerHeldRun],
      ['heap held MiB', (r) => r.heapUsedHeldMiB],
      ['peak heap MiB', (r) => r.peakHeapUsedMiB],
      ['peak RSS MiB', (r) => r.peakRssMiB],
      ['release: s (runs/s)', (r) => `${r.releaseSeconds} (${r.releasedRunsPerSecond.toLocaleString('en-US')})`],
      ['failed', (r) => r.failed],
    ]),
  );

  if (results.shutdown) {
    const s = results.shutdown;
    out.push(`\nprovider.shutdown() with the server down (${s.spans} spans, default options): ${s.providerShutdownSeconds} s, ${s.outcome}, ${s.runsFailed} runs failed.`);
  }

  const v = results.verification;
  out.push(
    `\nChecks: the server's stored-run count ${v.serverCountMatchesStats ? 'matched' : 'did NOT match'} exporter.stats().runsDelivered in every exporter run; ` +
      `${v.failedRuns} runs failed; ${v.ceilingErrors} ceiling requests answered non-2xx.`,
  );

  out.push('\n### Targets\n');
  out.push(table(results.targets, [['target', (t) => t.target], ['measured', (t) => t.measured], ['status', (t) => (t.status ? `**${t.status}**` : pass(t.met))]]));
  return out.join('\n');
}

export function writeResults(results, markdown) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = new URL('latest.json', RESULTS_DIR);
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(new URL('latest.md', RESULTS_DIR), `${markdown}\n`);
  return json.pathname;
}
