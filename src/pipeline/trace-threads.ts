import { META_THREAD_KEY_FROM_TRACE } from '../mapping/metadata-keys.js';
import { threadKeyOf, type ThreadKey } from '../mapping/thread-key.js';
import { RecentMap } from '../ordering/recent-map.js';
import type { RunCreate } from '../schema/run.js';

/** Traces whose thread key is remembered: the newest are kept, older ones are forgotten whole. */
export const REMEMBERED_TRACE_THREADS = 10_000;
/** A longer key value is not carried (it would make the per-trace memory unbounded). */
const MAX_KEY_CHARS = 512;

/** What carrying a thread key needs to know about a run on its way. */
export interface ThreadCarrier {
  /** The run's OTel trace id; unset when its key must not be carried (hidden metadata, replay). */
  trace: string | undefined;
  /** The run's own thread key, if it has one. */
  thread: ThreadKey | undefined;
  body: string;
}

/**
 * The thread key of each trace (mapping/thread-key.ts), carried to the trace's runs that lack one.
 *
 * A key is known from the moment a run that carries it enters the pipeline, held or not, and is
 * added to every run of the trace that leaves the parent gate after that (runs wait for their
 * parent, so in practice all descendants, and siblings and ancestors that end later). A run that
 * has a key of its own keeps it; the first key seen for a trace is the trace's. A run sent before
 * any key was known is never patched (docs/guarantees.md). Bounded: REMEMBERED_TRACE_THREADS traces.
 */
export class TraceThreads {
  private readonly keys = new RecentMap<string, ThreadKey>(REMEMBERED_TRACE_THREADS);

  /** A run entered the pipeline: its key becomes its trace's, unless the trace has one already. */
  note(run: Pick<ThreadCarrier, 'trace' | 'thread'>): void {
    if (run.trace === undefined || run.thread === undefined || this.keys.has(run.trace)) return;
    for (const value of Object.values(run.thread)) if (typeof value === 'string' && value.length > MAX_KEY_CHARS) return;
    this.keys.set(run.trace, run.thread);
  }

  /** A run leaves the gate: it gets its trace's key when it has none (its body is rewritten). */
  carry(run: ThreadCarrier): void {
    if (run.thread !== undefined || run.trace === undefined) return;
    const key = this.keys.get(run.trace);
    if (key === undefined) return;
    const parsed = JSON.parse(run.body) as RunCreate;
    parsed.extra ??= {};
    const metadata = (parsed.extra.metadata ??= {});
    if (threadKeyOf(metadata)) return; // transformRun gave it one after all
    Object.assign(metadata, key);
    metadata[META_THREAD_KEY_FROM_TRACE] = true;
    run.body = JSON.stringify(parsed);
    run.thread = key;
  }
}
