/**
 * app.js: follows GET /_local/events (every stored run, then each new one, and the feedback on
 * them; `reset` when the server forgets them) and keeps three panes in step: the trace list, the selected trace's run
 * tree with timing bars, the selected run. The selection lives in the URL hash. GET /_viewer/state
 * (polled) says whether the server wants one API key and which requests it refused.
 *
 * With ?static=1 (or ?live=0) the page renders once from a snapshot (GET /_local/runs) and opens no
 * stream, so it settles: headless screenshots (chromium --headless --virtual-time-budget) finish.
 */
export const APP_JS = String.raw`
import { fill, h } from './dom.js';
import { renderRun, typeBadge } from './detail.js';
import { RunStore, formatClock, formatDuration, llmSummary } from './model.js';

const STATE_POLL_MILLIS = 2000;
const query = new URLSearchParams(location.search);
const staticMode = ['1', 'true', 'yes'].includes(query.get('static') || '') || ['0', 'false', 'no'].includes(query.get('live') || '');

const store = new RunStore();
const byId = (id) => document.getElementById(id);
const ui = {
  list: byId('trace-list'),
  empty: byId('empty'),
  tree: byId('tree'),
  detail: byId('detail'),
  status: byId('status'),
  counts: byId('counts'),
  filter: byId('filter'),
  keyHint: byId('key-hint'),
  refused: byId('refused'),
  refusedTitle: byId('refused-title'),
  refusedLatest: byId('refused-latest'),
  refusedList: byId('refused-list'),
};
const state = {
  traceId: null,
  runId: null,
  /** What the tree and detail panes show (null: to be drawn), so they are rebuilt only when it changes. */
  treeKey: null,
  detailRun: null,
  detailFeedback: null,
  /** Trace id -> { li, summary, selected }, reused across renders. */
  items: new Map(),
  listed: false,
  scheduled: false,
  /** Refused requests the user dismissed (the count at the time); the banner shows again past it. */
  dismissedRefusals: 0,
  refusedCount: 0,
};

byId('origin').textContent = location.origin;
readHash();
window.addEventListener('hashchange', () => {
  readHash();
  schedule();
});
ui.filter.addEventListener('input', () => renderList(true));
ui.tree.addEventListener('keydown', moveSelection);
byId('refused-dismiss').addEventListener('click', () => {
  state.dismissedRefusals = state.refusedCount;
  ui.refused.hidden = true;
});
if (staticMode) {
  loadSnapshot();
} else {
  connect();
  pollState();
}
render();

/** ?static=1: every stored run once, the newest trace selected unless the hash names one; no stream, no polling. */
async function loadSnapshot() {
  setStatus('connecting', 'loading snapshot');
  try {
    const [runs, feedback, serverState] = await Promise.all([getJson('/_local/runs'), getJson('/_local/feedback').catch(() => []), getJson('/_viewer/state').catch(() => null)]);
    if (Array.isArray(runs)) for (const run of runs) store.add(run);
    if (Array.isArray(feedback)) for (const item of feedback) store.addFeedback(item);
    if (serverState) applyState(serverState);
    if (!state.traceId || !store.hasTrace(state.traceId)) {
      const newest = store.summaries()[0];
      if (newest) selectTrace(newest.id);
    }
    setStatus('snapshot', 'snapshot · reload to update');
  } catch {
    setStatus('disconnected', 'snapshot failed');
  }
  render();
}

async function getJson(path) {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) throw new Error(path + ': ' + response.status);
  return response.json();
}

async function pollState() {
  try {
    applyState(await getJson('/_viewer/state'));
  } catch {
    // The server is away (restarting): the run stream shows that; try again on the next tick.
  }
  setTimeout(pollState, STATE_POLL_MILLIS);
}

/** The empty state's key advice and the refused-requests banner. */
function applyState(serverState) {
  if (serverState === null || typeof serverState !== 'object') return;
  if (serverState.apiKey === 'required') {
    fill(ui.keyHint, 'Set ', h('code', null, 'LANGSMITH_API_KEY'), ' to the key this server was started with (its ', h('code', null, '--api-key'), ').');
  } else if (serverState.apiKey === 'any') {
    fill(ui.keyHint, 'Any non-empty ', h('code', null, 'LANGSMITH_API_KEY'), ' works: this server was started without ', h('code', null, '--api-key'), '.');
  }
  const refused = serverState.refused && typeof serverState.refused === 'object' ? serverState.refused : { count: 0, recent: [] };
  const count = Number(refused.count) || 0;
  const recent = Array.isArray(refused.recent) ? refused.recent : [];
  // Fewer than before: the server forgot them (reset); what was dismissed is gone too.
  if (count < state.dismissedRefusals) state.dismissedRefusals = 0;
  state.refusedCount = count;
  ui.refused.hidden = count === 0 || count <= state.dismissedRefusals;
  if (ui.refused.hidden) return;
  ui.refusedTitle.textContent = count + (count === 1 ? ' request refused' : ' requests refused') + ' by this server';
  const latest = recent[recent.length - 1];
  ui.refusedLatest.textContent = latest ? '· latest: ' + refusalText(latest) : '';
  fill(ui.refusedList, recent.slice().reverse().map((r) => h('li', null, h('span', { class: 'clock' }, formatClock(Number(r.at))), ' ', refusalText(r))));
}

function refusalText(r) {
  const status = Number(r.status) === 0 ? 'no response' : String(r.status);
  const why = r.hint || r.detail;
  return status + ' ' + String(r.method) + ' ' + String(r.path) + (why ? ': ' + String(why) : '');
}

function connect() {
  const source = new EventSource('/_local/events');
  let opened = false;
  source.addEventListener('open', () => {
    // A reconnect replays every stored run: start over, so runs the server forgot meanwhile go too.
    if (opened) forgetRuns(false);
    opened = true;
    setStatus('live', 'live');
  });
  source.addEventListener('run', (event) => {
    let run;
    try {
      run = JSON.parse(event.data);
    } catch {
      return;
    }
    if (store.add(run)) schedule();
  });
  source.addEventListener('feedback', (event) => {
    let feedback;
    try {
      feedback = JSON.parse(event.data);
    } catch {
      return;
    }
    if (store.addFeedback(feedback)) schedule();
  });
  source.addEventListener('reset', () => forgetRuns(true));
  source.addEventListener('error', () => {
    if (source.readyState !== EventSource.CLOSED) {
      setStatus('reconnecting', 'reconnecting…');
      return;
    }
    // Refused (not an event stream): EventSource gives up, so try again ourselves.
    setStatus('disconnected', 'disconnected');
    setTimeout(connect, 3000);
  });
}

function forgetRuns(clearSelection) {
  store.clear();
  if (clearSelection) {
    state.traceId = null;
    state.runId = null;
    writeHash();
  }
  state.treeKey = null;
  state.detailRun = null;
  state.detailFeedback = null;
  schedule();
}

function setStatus(name, text) {
  ui.status.dataset.state = name;
  ui.status.textContent = text;
}

function schedule() {
  if (state.scheduled) return;
  state.scheduled = true;
  requestAnimationFrame(render);
}

function render() {
  state.scheduled = false;
  renderList(false);
  renderTree();
  renderDetail();
}

function renderList(filterChanged) {
  const filter = ui.filter.value.trim().toLowerCase();
  const summaries = store.summaries();
  const shown = summaries.filter((s) => !filter || [s.name, s.project, s.id].some((text) => String(text).toLowerCase().includes(filter)));
  const items = new Map();
  for (const summary of summaries) {
    const old = state.items.get(summary.id);
    const selected = summary.id === state.traceId;
    if (old && old.summary === summary && old.selected === selected) {
      items.set(summary.id, old);
      continue;
    }
    // New traces flash once; the class goes at the end, or every later reordering would replay it.
    const li = old ? old.li : h('li', { class: state.listed ? 'fresh' : null, onanimationend: (event) => event.currentTarget.classList.remove('fresh') });
    fill(li, traceItem(summary, selected));
    items.set(summary.id, { li, summary, selected });
  }
  state.items = items;
  if (filterChanged || shown.length !== ui.list.childElementCount || shown.some((s, i) => ui.list.children[i] !== items.get(s.id).li)) {
    ui.list.replaceChildren(...shown.map((s) => items.get(s.id).li));
  }
  state.listed = summaries.length > 0 || state.listed;
  ui.empty.hidden = store.runCount > 0;
  const traces = summaries.length;
  ui.counts.textContent = traces + (traces === 1 ? ' trace · ' : ' traces · ') + store.runCount + (store.runCount === 1 ? ' run' : ' runs');
}

function traceItem(s, selected) {
  return h('button', { type: 'button', class: 'trace-item', 'aria-current': selected ? 'true' : null, 'data-trace-id': s.id, onclick: () => selectTrace(s.id) },
    h('span', { class: 'trace-line' },
      h('span', { class: 'trace-name', title: String(s.name) }, String(s.name)),
      s.errorCount > 0 ? h('span', { class: 'error-pill', title: s.errorCount + ' failed run(s)' }, '✕ ' + s.errorCount) : null),
    h('span', { class: 'trace-meta' },
      h('span', null, s.runCount + (s.runCount === 1 ? ' run' : ' runs')),
      h('span', null, formatDuration(s.duration)),
      s.project ? h('span', { class: 'project' }, String(s.project)) : null,
      h('span', { class: 'clock' }, formatClock(s.start))));
}

function renderTree() {
  const tree = state.traceId ? store.tree(state.traceId) : undefined;
  const key = tree ? tree.id + ':' + tree.rows.length : '';
  if (key !== state.treeKey) {
    state.treeKey = key;
    fill(ui.tree, tree ? treeView(tree) : h('p', { class: 'placeholder' }, state.traceId ? 'This trace is not here (any more).' : 'Select a trace.'));
  }
  for (const row of ui.tree.querySelectorAll('.row')) {
    const selected = row.dataset.runId === state.runId;
    row.classList.toggle('selected', selected);
    row.setAttribute('aria-current', String(selected));
  }
}

function treeView(tree) {
  const root = tree.rows[0].run;
  const errors = tree.rows.filter((row) => row.run.error).length;
  return [
    h('header', { class: 'tree-head' },
      h('h2', null, String(root.name)),
      h('p', { class: 'muted' },
        tree.rows.length + (tree.rows.length === 1 ? ' run · ' : ' runs · ') + formatDuration(tree.duration),
        errors > 0 ? h('span', { class: 'status-error' }, ' · ' + errors + ' failed') : null,
        ' · trace ', h('code', null, tree.id))),
    h('div', { class: 'axis', 'aria-hidden': 'true' }, h('span'), h('span'),
      h('span', { class: 'axis-labels' }, h('span', null, '0'), h('span', null, formatDuration(tree.duration / 2)), h('span', null, formatDuration(tree.duration)))),
    h('div', { class: 'rows', role: 'tree' }, tree.rows.map(rowView)),
  ];
}

function rowView(row) {
  const run = row.run;
  const label = h('span', { class: 'row-label' },
    typeBadge(run.run_type),
    h('span', { class: 'row-title' },
      h('span', { class: 'row-name' }, String(run.name)),
      llmView(run)),
    run.error ? h('span', { class: 'error-dot', title: 'error' }, '!') : null);
  // CSSOM, not a style attribute: the CSP allows only our stylesheet.
  label.style.paddingLeft = row.depth * 16 + 'px';
  const known = ['llm', 'chain', 'tool', 'retriever', 'embedding', 'prompt', 'parser'].includes(run.run_type) ? run.run_type : 'other';
  const bar = h('span', { class: 'bar type-' + known + (run.error ? ' failed' : '') });
  bar.style.left = (row.offset * 100).toFixed(3) + '%';
  bar.style.width = (row.width * 100).toFixed(3) + '%';
  return h('button', { type: 'button', class: 'row', role: 'treeitem', 'data-run-id': run.id, 'aria-level': row.depth + 1, onclick: () => selectRun(run.id) },
    label,
    h('span', { class: 'row-duration' }, formatDuration(row.duration)),
    h('span', { class: 'track', title: 'starts at +' + formatDuration(row.at) + ', lasts ' + formatDuration(row.duration) }, bar));
}

/** An llm row's model and token counts, as LangSmith shows them in its tree. */
function llmView(run) {
  const llm = llmSummary(run);
  if (!llm) return null;
  return h('span', { class: 'row-llm' },
    llm.model ? h('span', { class: 'row-model' }, llm.model) : null,
    llm.model && llm.tokens ? ' · ' : null,
    llm.tokens ? h('span', { class: 'row-tokens', title: llm.tokensTitle }, llm.tokens) : null);
}

function renderDetail() {
  const run = (state.runId && store.run(state.runId)) || undefined;
  const feedback = run ? store.feedback(run.id) : null;
  if (run === state.detailRun && feedback === state.detailFeedback) return;
  state.detailRun = run;
  state.detailFeedback = feedback;
  fill(ui.detail, run ? renderRun(run, feedback) : h('p', { class: 'placeholder' }, 'Select a run.'));
  ui.detail.scrollTop = 0;
}

function selectTrace(traceId) {
  const tree = store.tree(traceId);
  state.traceId = traceId;
  state.runId = tree ? tree.rows[0].run.id : traceId;
  writeHash();
  schedule();
}

function selectRun(runId) {
  state.runId = runId;
  writeHash();
  schedule();
}

/** Up and down arrows move through the runs of the tree. */
function moveSelection(event) {
  if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
  const rows = [...ui.tree.querySelectorAll('.row')];
  const at = rows.findIndex((row) => row.dataset.runId === state.runId);
  const next = rows[Math.min(rows.length - 1, Math.max(0, at + (event.key === 'ArrowDown' ? 1 : -1)))];
  if (!next) return;
  event.preventDefault();
  next.focus();
  selectRun(next.dataset.runId);
}

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  state.traceId = params.get('trace');
  state.runId = params.get('run') || state.traceId;
}

function writeHash() {
  const params = new URLSearchParams();
  if (state.traceId) params.set('trace', state.traceId);
  if (state.runId && state.runId !== state.traceId) params.set('run', state.runId);
  const hash = params.toString();
  history.replaceState(null, '', hash ? '#' + hash : location.pathname);
}
`;
