/** model.js: the runs the page has seen, grouped into traces, and time formatting. No DOM. */
export const MODEL_JS = String.raw`
/** Milliseconds since the epoch, keeping the microseconds LangSmith times carry; NaN if unreadable. */
export function parseTime(text) {
  if (typeof text !== 'string') return NaN;
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/.exec(text);
  if (!match) return Date.parse(text);
  const fraction = match[2] ? Number('0.' + match[2]) * 1000 : 0;
  return Date.parse(match[1] + (match[3] || 'Z')) + fraction;
}

export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1) return Math.round(ms * 1000) + ' µs';
  if (ms < 10) return ms.toFixed(2) + ' ms';
  if (ms < 100) return ms.toFixed(1) + ' ms';
  if (ms < 1000) return Math.round(ms) + ' ms';
  if (ms < 60000) return (ms / 1000).toFixed(2) + ' s';
  const seconds = Math.round(ms / 1000);
  return Math.floor(seconds / 60) + 'm ' + String(seconds % 60).padStart(2, '0') + 's';
}

/** Local wall-clock time with milliseconds, e.g. 14:03:07.215. */
export function formatClock(ms) {
  if (!Number.isFinite(ms)) return '';
  const date = new Date(ms);
  const two = (n) => String(n).padStart(2, '0');
  return two(date.getHours()) + ':' + two(date.getMinutes()) + ':' + two(date.getSeconds()) + '.' + String(date.getMilliseconds()).padStart(3, '0');
}

export function firstLine(text) {
  const line = String(text).split('\n').find((l) => l.trim() !== '');
  return line === undefined ? '' : line.trim();
}

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const tokenCount = (value) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/**
 * An llm run's model (metadata ls_model_name, else the invocation's model) and token counts
 * (outputs.usage_metadata), e.g. { model: 'gpt-4o', tokens: '120 in / 35 out tokens' }; null when
 * the run is no llm run or has neither.
 */
export function llmSummary(run) {
  if (!isObject(run) || run.run_type !== 'llm') return null;
  const extra = isObject(run.extra) ? run.extra : {};
  const metadata = isObject(extra.metadata) ? extra.metadata : {};
  const params = isObject(extra.invocation_params) ? extra.invocation_params : {};
  const model = [metadata.ls_model_name, params.model, params.model_name].find((m) => typeof m === 'string' && m !== '') || '';
  const usage = isObject(run.outputs) && isObject(run.outputs.usage_metadata) ? run.outputs.usage_metadata : {};
  const input = tokenCount(usage.input_tokens);
  const output = tokenCount(usage.output_tokens);
  const total = tokenCount(usage.total_tokens);
  let tokens = '';
  if (input !== undefined || output !== undefined) tokens = (input ?? '?') + ' in / ' + (output ?? '?') + ' out tokens';
  else if (total !== undefined) tokens = total + ' tokens';
  if (!model && !tokens) return null;
  const sum = total ?? (input !== undefined && output !== undefined ? input + output : undefined);
  return { model, tokens, tokensTitle: sum === undefined ? tokens : sum + ' tokens in all' };
}

const startOf = (run) => parseTime(run.start_time);
/** A run without an end time lasts until its start, for the arithmetic's sake. */
const endOf = (run) => {
  const end = parseTime(run.end_time);
  return Number.isFinite(end) ? end : startOf(run);
};
const byStart = (a, b) => startOf(a) - startOf(b) || String(a.dotted_order || '').localeCompare(String(b.dotted_order || ''));

/** Every run the feed delivered, by id (each id once), and by trace. */
const NO_FEEDBACK = Object.freeze([]);

export class RunStore {
  #runs = new Map();
  #traces = new Map();
  /** Run id -> feedback on it (POST /feedback), in arrival order. */
  #feedback = new Map();
  #feedbackIds = new Set();

  /** False for feedback already stored (the feed replays everything on reconnect) or not feedback. */
  addFeedback(feedback) {
    if (feedback === null || typeof feedback !== 'object' || typeof feedback.id !== 'string' || typeof feedback.run_id !== 'string') return false;
    if (this.#feedbackIds.has(feedback.id)) return false;
    this.#feedbackIds.add(feedback.id);
    const list = this.#feedback.get(feedback.run_id) || [];
    this.#feedback.set(feedback.run_id, [...list, feedback]);
    return true;
  }

  /** The run's feedback; the same array until more arrives (renders compare it). */
  feedback(runId) {
    return this.#feedback.get(runId) || NO_FEEDBACK;
  }

  /** False for a run already stored (the feed replays everything on reconnect) or not a run. */
  add(run) {
    if (run === null || typeof run !== 'object' || typeof run.id !== 'string' || this.#runs.has(run.id)) return false;
    const traceId = typeof run.trace_id === 'string' ? run.trace_id : run.id;
    this.#runs.set(run.id, run);
    let trace = this.#traces.get(traceId);
    if (!trace) this.#traces.set(traceId, (trace = { id: traceId, runs: [], summary: undefined }));
    trace.runs.push(run);
    trace.summary = undefined;
    return true;
  }

  clear() {
    this.#runs.clear();
    this.#traces.clear();
    this.#feedback.clear();
    this.#feedbackIds.clear();
  }

  get runCount() {
    return this.#runs.size;
  }

  run(id) {
    return this.#runs.get(id);
  }

  hasTrace(id) {
    return this.#traces.has(id);
  }

  /** One summary per trace, the newest (latest root start) first. */
  summaries() {
    const all = [...this.#traces.values()].map((trace) => (trace.summary ||= summarize(trace)));
    const newest = (a, b) => (b.start || 0) - (a.start || 0) || (b.receivedAt || 0) - (a.receivedAt || 0) || (a.id < b.id ? -1 : 1);
    return all.sort(newest);
  }

  /**
   * The runs of a trace in tree order, each with its depth and its timing bar (offset and width
   * as fractions of the time from the root's start to the latest end in the trace).
   */
  tree(traceId) {
    const trace = this.#traces.get(traceId);
    if (!trace) return undefined;
    const ids = new Set(trace.runs.map((run) => run.id));
    const children = new Map();
    const tops = [];
    for (const run of trace.runs) {
      if (run.parent_run_id && ids.has(run.parent_run_id) && run.parent_run_id !== run.id) {
        if (!children.has(run.parent_run_id)) children.set(run.parent_run_id, []);
        children.get(run.parent_run_id).push(run);
      } else {
        tops.push(run);
      }
    }
    tops.sort(byStart);
    const start = least(tops.map(startOf));
    const end = Math.max(start, greatest(trace.runs.map(endOf)));
    const span = end - start;
    const rows = [];
    const visit = (run, depth) => {
      const runStart = startOf(run);
      const offset = span > 0 && Number.isFinite(runStart) ? (runStart - start) / span : 0;
      const width = span > 0 ? (endOf(run) - runStart) / span : 1;
      rows.push({ run, depth, at: runStart - start, offset: clamp(offset), width: clamp(width), duration: parseTime(run.end_time) - runStart });
      for (const child of (children.get(run.id) || []).sort(byStart)) visit(child, depth + 1);
    };
    for (const top of tops) visit(top, 0);
    return { id: traceId, rows, start, duration: span };
  }
}

/** Math.min/max over the finite values, without spreading a huge array into arguments. */
const least = (values) => values.reduce((a, b) => (Number.isFinite(b) && !(b >= a) ? b : a), NaN);
const greatest = (values) => values.reduce((a, b) => (Number.isFinite(b) && !(b <= a) ? b : a), NaN);

function clamp(fraction) {
  return Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
}

function summarize(trace) {
  const root = trace.runs.find((run) => run.id === trace.id) || [...trace.runs].sort(byStart)[0];
  const start = startOf(root);
  const rootEnd = parseTime(root.end_time);
  const end = Number.isFinite(rootEnd) ? rootEnd : greatest(trace.runs.map(endOf));
  return {
    id: trace.id,
    root,
    name: root.name,
    project: root.session_name || '',
    runCount: trace.runs.length,
    errorCount: trace.runs.filter((run) => run.error).length,
    start,
    duration: end - start,
    receivedAt: least(trace.runs.map((run) => Number(run.received_at))),
  };
}
`;
