import type { LangSmithExporterOptions } from '../config/options.js';
import { resolveConfig } from '../config/resolve-config.js';
import type { FailureSink } from '../delivery/failure-sink.js';
import { FailureLog } from '../diagnostics/failure-log.js';
import { parseIsoTimestamp } from '../schema/validate-run.js';
import { ExportCall } from '../pipeline/export-call.js';
import { assemblePipeline } from '../pipeline/assemble.js';
import { emptyCounters } from '../pipeline/stats.js';
import { readSpool, rewriteSegment } from './spool-files.js';

/** What a replay did: runs acknowledged, runs left in the spool, lines it could not read, files read. */
export interface ReplayResult {
  delivered: number;
  /** Runs still in the spool: refused or failed again, or children of such runs. */
  remaining: number;
  unreadableLines: number;
  files: number;
}

const MAX_TIMER_MILLIS = 2 ** 31 - 1;

/** During replay a run that fails again simply stays in its file: a sink that only says yes. */
const STAY_IN_FILE: FailureSink = { accept: () => true, flush: async () => undefined };

/**
 * Resends spooled runs parent first (a parent not in the spool is taken as already stored), then
 * removes what the server acknowledged from the spool files. Runs whose parent fails again stay.
 */
export async function replaySpool(dir: string, options: LangSmithExporterOptions = {}): Promise<ReplayResult> {
  const config = resolveConfig({ ...options, failedRunsDir: undefined }, options.env ?? process.env);
  const { runs, unreadable, files } = await readSpool(dir);
  const unique = new Map(runs.map((entry) => [entry.run.id, entry]));
  const delivered = new Set<string>();
  const pipeline = assemblePipeline(config, {
    log: new FailureLog(),
    counters: emptyCounters(),
    sink: STAY_IN_FILE,
    onSettled: (id, outcome) => {
      if (outcome.kind === 'delivered') delivered.add(id);
    },
  });

  for (const { run } of unique.values()) {
    const parent = run.parent_run_id;
    if (parent && !unique.has(parent)) pipeline.assumeDelivered(parent, 0);
  }
  await new Promise<void>((resolve) => {
    const call = new ExportCall(() => resolve(), MAX_TIMER_MILLIS); // replay waits for every run, however long
    for (const { run } of unique.values()) {
      pipeline.submit({ id: run.id, parentId: run.parent_run_id, body: JSON.stringify(run), startMicros: parseIsoTimestamp(run.start_time) ?? 0 }, call);
    }
    call.seal();
  });
  await pipeline.shutdown();

  for (const file of files) {
    const keep = [...runs.filter((e) => e.file === file && !delivered.has(e.run.id)).map((e) => e.line), ...unreadable.filter((u) => u.file === file).map((u) => u.line)];
    await rewriteSegment(file, keep);
  }
  return { delivered: delivered.size, remaining: unique.size - delivered.size, unreadableLines: unreadable.length, files: files.length };
}
