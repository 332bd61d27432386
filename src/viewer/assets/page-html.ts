/** The page: a static shell that app.js fills; no inline script or style (the CSP forbids both). */
export const PAGE_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>otel-langsmith traces</title>
<link rel="icon" href="/_viewer/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/_viewer/viewer.css">
<script type="module" src="/_viewer/app.js"></script>
</head>
<body>
<header class="top">
  <h1>otel-langsmith <span>traces</span></h1>
  <span id="counts" class="muted"></span>
  <span id="status" class="status" data-state="connecting">connecting</span>
</header>
<section id="refused" class="refused" role="alert" hidden>
  <div class="refused-head"><strong id="refused-title"></strong> <span id="refused-latest"></span>
    <button id="refused-dismiss" type="button" class="link">Dismiss</button></div>
  <details><summary>Latest refused requests</summary><ul id="refused-list" class="refused-list"></ul></details>
</section>
<main class="panes">
  <nav class="pane traces" aria-label="Traces">
    <input id="filter" type="search" placeholder="Filter by name, project or id" autocomplete="off">
    <ul id="trace-list" class="trace-list"></ul>
    <div id="empty" class="empty" hidden><p>Waiting for runs. Point an app at</p>
      <p><code>LANGSMITH_ENDPOINT=<span id="origin"></span></code></p>
      <p id="key-hint"><code>LANGSMITH_API_KEY</code> must be set.</p></div>
  </nav>
  <section class="pane tree" id="tree" aria-label="Run tree"><p class="placeholder">Select a trace.</p></section>
  <section class="pane detail" id="detail" aria-label="Run details"><p class="placeholder">Select a run.</p></section>
</main>
</body>
</html>
`;
