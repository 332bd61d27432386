/**
 * app.js: follows GET /_local/events (every stored run, then each new one; `reset` when the
 * server forgets them) and keeps three panes in step: the trace list, the selected trace's run
 * tree with timing bars, the selected run. The selection lives in the URL hash.
 */
export const APP_JS = String.raw`
import { fill, h } from './dom.js';
import { renderRun, typeBadge } from './detail.js';
import { RunStore, formatClock, formatDuration } from './model.js';

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
};
const state = {
  traceId: null,
  runId: null,
  /** What the tree and detail panes show (null: to be drawn), so they are rebuilt only when it changes. */
  treeKey: null,
  detailRun: null,
  /** Trace id -> { li, summary, selected }, reused across renders. */
  items: new Map(),
  listed: false,
  scheduled: false,
};

byId('origin').textContent = location.origin;
readHash();
window.addEventListener('hashchange', () => {
  readHash();
  schedule();
});
ui.filter.addEventListener('input', () => renderList(true));
ui.tree.addEventListener('keydown', moveSelection);
connect();
render();

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
    h('span', { class: 'row-name', title: String(run.name) }, String(run.name)),
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

function renderDetail() {
  const run = (state.runId && store.run(state.runId)) || undefined;
  if (run === state.detailRun) return;
  state.detailRun = run;
  fill(ui.detail, run ? renderRun(run) : h('p', { class: 'placeholder' }, 'Select a run.'));
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
