/** viewer.css: three panes (traces, run tree, run detail), light and dark. */
export const STYLES_CSS = String.raw`
:root {
  --bg: #f6f7f9; --pane: #ffffff; --text: #1f2937; --muted: #6b7280; --line: #e5e7eb; --hover: #f3f4f6;
  --accent: #2563eb; --selected: #e0ecff; --code: #f3f4f6; --error: #dc2626; --error-bg: #fef2f2; --ok: #059669;
  --llm: #9333ea; --chain: #2563eb; --tool: #ea580c; --retriever: #059669; --embedding: #0d9488; --prompt: #64748b; --parser: #64748b; --other: #6b7280;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1115; --pane: #161a20; --text: #e5e7eb; --muted: #9ca3af; --line: #2a303a; --hover: #1f242c;
    --accent: #60a5fa; --selected: #1e3a5f; --code: #1f242c; --error: #f87171; --error-bg: #3a1618; --ok: #34d399;
  }
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--text); display: flex; flex-direction: column; }
code, pre, .fn { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; }
h1, h2, h3 { margin: 0; }
button { font: inherit; color: inherit; }
.muted { color: var(--muted); }
[hidden] { display: none !important; }

.top { display: flex; align-items: center; gap: 16px; padding: 8px 16px; background: #111827; color: #f9fafb; }
.top h1 { font-size: 15px; font-weight: 600; }
.top h1 span { font-weight: 400; color: #9ca3af; }
.top .muted { color: #9ca3af; }
.status { margin-left: auto; padding: 2px 10px; border-radius: 999px; font-size: 12px; background: #374151; }
.status::before { content: "●"; margin-right: 6px; }
.status[data-state="live"]::before { color: #34d399; }
.status[data-state="reconnecting"]::before, .status[data-state="connecting"]::before { color: #fbbf24; }
.status[data-state="disconnected"]::before { color: #f87171; }
.status[data-state="snapshot"]::before { color: #9ca3af; }

/* Requests the server refused (401, 422...): the exporter's errors, shown here as in the terminal. */
.refused { padding: 6px 16px; background: var(--error-bg); border-bottom: 2px solid var(--error); }
.refused-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 8px; }
.refused-head strong { color: var(--error); }
.refused-head span { word-break: break-word; }
.refused details { margin-top: 2px; }
.refused summary { cursor: pointer; color: var(--muted); font-size: 12px; }
.refused-list { margin: 4px 0 2px; padding-left: 18px; max-height: 160px; overflow: auto; font-size: 12px; }
.refused-list li { word-break: break-word; }
.refused-list .clock { color: var(--muted); font-variant-numeric: tabular-nums; }
button.link { margin-left: auto; padding: 0; border: 0; background: none; color: var(--accent); cursor: pointer; text-decoration: underline; }

.panes { flex: 1; min-height: 0; display: grid; grid-template-columns: minmax(240px, 300px) minmax(360px, 1fr) minmax(380px, 1.15fr); }
.pane { min-width: 0; overflow: auto; background: var(--pane); border-right: 1px solid var(--line); }
.pane:last-child { border-right: 0; }
.placeholder, .empty { color: var(--muted); padding: 24px 16px; margin: 0; }
/* The endpoint is one long word: it wraps inside the narrow trace pane instead of running out of it. */
.empty p { margin: 0 0 8px; }
.empty code { overflow-wrap: anywhere; word-break: break-word; }
@media (max-width: 900px) {
  .panes { grid-template-columns: 1fr; grid-auto-rows: minmax(240px, auto); overflow: auto; }
  .pane { border-right: 0; border-bottom: 1px solid var(--line); }
}

.traces input { width: calc(100% - 16px); margin: 8px; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--text); }
.trace-list { list-style: none; margin: 0; padding: 0; }
.trace-list li { border-bottom: 1px solid var(--line); }
.trace-list li.fresh { animation: fresh 1.5s ease-out; }
@keyframes fresh { from { background: #fde68a; } to { background: transparent; } }
.trace-item { display: block; width: 100%; text-align: left; padding: 8px 12px; background: none; border: 0; border-left: 3px solid transparent; cursor: pointer; }
.trace-item:hover { background: var(--hover); }
.trace-item[aria-current="true"] { background: var(--selected); border-left-color: var(--accent); }
.trace-line { display: flex; align-items: center; gap: 8px; }
.trace-name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.trace-meta { display: flex; flex-wrap: wrap; gap: 4px 10px; color: var(--muted); font-size: 12px; margin-top: 2px; }
.trace-meta .clock { margin-left: auto; }
.project { color: var(--accent); }
.error-pill { margin-left: auto; flex: none; color: #fff; background: var(--error); border-radius: 999px; padding: 0 7px; font-size: 11px; font-weight: 600; }

.tree-head, .run-head { padding: 12px 16px 8px; border-bottom: 1px solid var(--line); }
.tree-head h2, .run-head h2 { font-size: 15px; word-break: break-word; }
.tree-head p, .run-head p { margin: 4px 0 0; }
/* The axis lines up with the rows' track column: same grid, same padding. */
.axis, .row { display: grid; grid-template-columns: minmax(0, 1fr) 64px 34%; gap: 8px; padding: 4px 16px 4px 13px; border-left: 3px solid transparent; }
.axis { padding-top: 8px; padding-bottom: 0; color: var(--muted); font-size: 11px; }
.axis-labels { display: flex; justify-content: space-between; }
.rows { padding: 4px 0 16px; }
.row { align-items: center; width: 100%; background: none; border-top: 0; border-right: 0; border-bottom: 0; cursor: pointer; text-align: left; }
.row:hover { background: var(--hover); }
.row.selected { background: var(--selected); border-left-color: var(--accent); }
.row-label { display: flex; align-items: flex-start; gap: 6px; min-width: 0; }
/* Names wrap rather than end in an ellipsis: siblings sharing a long prefix still read differently. */
.row-title { display: flex; flex-direction: column; min-width: 0; }
.row-name { overflow-wrap: anywhere; }
.row-llm { color: var(--muted); font-size: 11px; overflow-wrap: anywhere; }
.row-model { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.row-duration { color: var(--muted); font-size: 12px; text-align: right; font-variant-numeric: tabular-nums; }
.track { position: relative; height: 14px; background: var(--hover); border-radius: 3px; }
.bar { position: absolute; top: 3px; height: 8px; min-width: 2px; border-radius: 2px; background: var(--other); }
.bar.failed { outline: 2px solid var(--error); outline-offset: 0; }
.error-dot { flex: none; width: 16px; height: 16px; border-radius: 50%; background: var(--error); color: #fff; font-size: 11px; font-weight: 700; text-align: center; line-height: 16px; }

.badge { flex: none; display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 11px; font-weight: 600; color: #fff; background: var(--other); line-height: 18px; }
.type-llm { background: var(--llm); } .type-chain { background: var(--chain); } .type-tool { background: var(--tool); }
.type-retriever { background: var(--retriever); } .type-embedding { background: var(--embedding); }
.type-prompt { background: var(--prompt); } .type-parser { background: var(--parser); } .type-other { background: var(--other); }

.run-head h2 { display: flex; align-items: center; gap: 8px; }
.status-error { color: var(--error); font-weight: 600; }
.status-ok { color: var(--ok); font-weight: 600; }
.tags { display: flex; flex-wrap: wrap; gap: 4px; }
.tag { padding: 0 6px; border: 1px solid var(--line); border-radius: 999px; font-size: 11px; }
.ids code { font-size: 11px; }
.section { padding: 10px 16px; border-bottom: 1px solid var(--line); }
.section h3, .section > summary { font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin-bottom: 8px; }
.section > summary { cursor: pointer; margin-bottom: 0; }
.section[open] > summary { margin-bottom: 8px; }

.error-box { margin: 10px 16px; padding: 10px 12px; background: var(--error-bg); border-left: 4px solid var(--error); border-radius: 4px; }
.error-first { font-weight: 600; color: var(--error); word-break: break-word; }
.error-box details { margin-top: 6px; }
.error-box summary { cursor: pointer; color: var(--muted); }
.error-box pre { margin-top: 6px; max-height: 320px; overflow: auto; }

.messages, .choices, .documents { display: flex; flex-direction: column; gap: 8px; }
.msg { border: 1px solid var(--line); border-left: 4px solid var(--other); border-radius: 6px; padding: 8px 10px; background: var(--pane); }
.msg[data-role="user"], .msg[data-role="human"] { border-left-color: var(--chain); }
.msg[data-role="assistant"], .msg[data-role="ai"], .msg[data-role="completion"] { border-left-color: var(--llm); }
.msg[data-role="system"] { border-left-color: var(--prompt); }
.msg[data-role="tool"], .msg[data-role="function"] { border-left-color: var(--tool); }
.msg[data-role="document"] { border-left-color: var(--retriever); }
.msg header { display: flex; gap: 8px; align-items: baseline; margin-bottom: 4px; }
.role { font-weight: 700; text-transform: capitalize; }
.text { white-space: pre-wrap; word-break: break-word; }
.msg .text + .text { margin-top: 6px; }
.reasoning { color: var(--muted); font-style: italic; }
.part-label { display: inline-block; margin-right: 6px; font-size: 11px; font-style: normal; font-weight: 600; color: var(--muted); text-transform: uppercase; }
.tool-call { margin-top: 6px; padding: 6px 8px; background: var(--code); border-radius: 4px; }
.tool-head { display: flex; gap: 8px; align-items: baseline; margin-bottom: 4px; }
.fn { font-weight: 700; }
.choice-head { font-size: 12px; margin-bottom: 4px; }
.event-list { display: flex; flex-direction: column; gap: 8px; }
.event { border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; }
.event-head { display: flex; gap: 8px; align-items: baseline; }
.event .kv { margin-top: 4px; }

.stats { display: flex; gap: 8px; margin-bottom: 8px; }
.stat { flex: 1; display: flex; flex-direction: column; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; }
.feedback-list { display: grid; gap: 6px; }
.feedback-item { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px; }
.feedback-comment { flex-basis: 100%; }
.stat-value { font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums; }
.stat-label { color: var(--muted); font-size: 11px; text-transform: uppercase; }

table.kv { width: 100%; border-collapse: collapse; table-layout: fixed; }
.kv th, .kv td { text-align: left; vertical-align: top; padding: 4px 6px; border-top: 1px solid var(--line); word-break: break-word; }
.kv tr:first-child > th, .kv tr:first-child > td { border-top: 0; }
.kv th { width: 34%; font-weight: 500; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; color: var(--muted); }
.kv .kv th { width: 40%; }
pre.json { padding: 6px 8px; background: var(--code); border-radius: 4px; max-height: 360px; overflow: auto; }
.raw pre.json { max-height: 600px; }
`;
