/**
 * The status page's stylesheet and script, served at their own paths so that the page's
 * Content-Security-Policy allows nothing inline. The script fetches `status.json` every second
 * and draws it the way status-page.ts renders it on the server; it builds the DOM with
 * textContent and attributes only (nothing a node says is ever parsed as HTML).
 */

export const STATUS_CSS = `:root{color-scheme:light dark;--ok:#2e7d32;--warn:#b26a00;--bad:#c62828;--down:#6d4c41;--split:#8e24aa;--fg:#222;--bg:#fafafa;--card:#fff;--line:#ddd}
@media (prefers-color-scheme:dark){:root{--fg:#e6e6e6;--bg:#121212;--card:#1e1e1e;--line:#333}}
*{box-sizing:border-box}
body{margin:0;padding:12px;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;flex-wrap:wrap;align-items:baseline;gap:0 16px}
h1{font-size:1.2rem;margin:0 0 6px}
h2{font-size:1rem;margin:16px 0 6px}
h3{font-size:.95rem;margin:0 0 4px;word-break:break-all}
#updated{margin:0;opacity:.7}
.summary{border-left:6px solid var(--line);padding:6px 10px;background:var(--card);margin:8px 0}
.summary p{margin:2px 0;word-break:break-word}
#nodes{display:flex;flex-wrap:wrap;gap:10px}
.node{flex:1 1 260px;max-width:100%;background:var(--card);border:1px solid var(--line);border-top:6px solid var(--line);border-radius:4px;padding:8px 10px}
.node dl{display:grid;grid-template-columns:auto 1fr;gap:0 10px;margin:6px 0}
.node dt{opacity:.7}
.node dd{margin:0;word-break:break-word}
.verdict{margin:0;font-weight:600}
.reason{margin:0;font-size:.85rem;opacity:.8;word-break:break-word}
.name{opacity:.7;font-weight:400}
.badge{font-size:.75rem;padding:1px 6px;border-radius:8px;background:#1565c0;color:#fff;font-weight:600}
.tl-row{display:flex;align-items:center;gap:8px;margin:3px 0}
.tl-label{flex:0 0 9.5em;font-size:.8rem;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.tl{flex:1 1 auto;height:14px;min-width:0;background:var(--line)}
.legend{font-size:.8rem}
.key{display:inline-block;width:10px;height:10px;margin:0 3px 0 10px}
footer{margin-top:16px;font-size:.8rem}
footer a{margin-right:12px}
.stale #updated{color:var(--bad);opacity:1}
.c-healthy{border-color:var(--ok);fill:var(--ok);background-color:var(--ok)}
.c-unhealthy,.c-degraded{border-color:var(--warn);fill:var(--warn);background-color:var(--warn)}
.c-non-primary,.c-no-primary{border-color:var(--bad);fill:var(--bad);background-color:var(--bad)}
.c-down,.c-unreachable,.c-unknown{border-color:var(--down);fill:var(--down);background-color:var(--down)}
.c-split-brain{border-color:var(--split);fill:var(--split);background-color:var(--split)}
.node.c-healthy,.node.c-unhealthy,.node.c-non-primary,.node.c-down,.node.c-unknown,.summary{background-color:var(--card)}
.c-healthy .verdict{color:var(--ok)}.c-unhealthy .verdict{color:var(--warn)}.c-non-primary .verdict,.c-down .verdict{color:var(--bad)}
@media (max-width:480px){body{padding:8px}.tl-label{flex-basis:6.5em}}
`;

export const STATUS_JS = `'use strict';
(function () {
  var SVG = 'http://www.w3.org/2000/svg';
  var WINDOW = 15 * 60 * 1000;
  var WORDS = /^(healthy|unhealthy|non-primary|down|degraded|split-brain|no-primary|unreachable)$/;
  function cls(w) { return typeof w === 'string' && WORDS.test(w) ? w : 'unknown'; }
  function num(v) { return v === null || v === undefined ? '-' : String(v); }
  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function time(ms) { return new Date(ms).toLocaleTimeString(); }
  function fields(r) {
    return [
      ['status', r.primary === null ? '-' : r.primary ? 'Primary' : 'non-Primary'],
      ['state', r.state === null ? '-' : r.state],
      ['component', r.component === null ? '-' : r.component],
      ['size', num(r.size)],
      ['recv queue', num(r.recvQueue)],
      ['committed', r.lastCommitted === null ? '-' : r.lastCommitted + ' (lag ' + num(r.lag) + ')'],
      ['probe', r.timeMs + ' ms']
    ];
  }
  function card(r) {
    var a = el('article', 'node c-' + cls(r.class));
    var h = el('h3');
    h.appendChild(el('span', 'target', r.target));
    h.appendChild(document.createTextNode(' '));
    h.appendChild(el('span', 'name', r.name === null ? '' : r.name));
    if (r.writer) { h.appendChild(document.createTextNode(' ')); h.appendChild(el('span', 'badge', 'writer')); }
    if (r.otherCluster) { h.appendChild(document.createTextNode(' ')); h.appendChild(el('span', 'badge', 'other cluster')); }
    a.appendChild(h);
    a.appendChild(el('p', 'verdict', r.verdict));
    var dl = el('dl');
    fields(r).forEach(function (f) { dl.appendChild(el('dt', '', f[0])); dl.appendChild(el('dd', '', f[1])); });
    a.appendChild(dl);
    a.appendChild(el('p', 'reason', r.reason));
    return a;
  }
  function timeline(label, runs, now) {
    var start = now - WINDOW;
    var row = el('div', 'tl-row');
    row.appendChild(el('span', 'tl-label', label));
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'tl');
    svg.setAttribute('viewBox', '0 0 900 10');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
    runs.forEach(function (run) {
      var from = run[0], to = run[1], value = run[2];
      if (to <= start) return;
      var rect = document.createElementNS(SVG, 'rect');
      rect.setAttribute('x', Math.max(0, (from - start) / 1000).toFixed(1));
      rect.setAttribute('y', '0');
      rect.setAttribute('width', Math.max(0.5, (Math.min(to, now) - Math.max(from, start)) / 1000).toFixed(1));
      rect.setAttribute('height', '10');
      rect.setAttribute('class', 'c-' + cls(value));
      var title = document.createElementNS(SVG, 'title');
      title.textContent = (value === null ? 'none' : value) + ' ' + time(from) + ' to ' + time(to);
      rect.appendChild(title);
      svg.appendChild(rect);
    });
    row.appendChild(svg);
    return row;
  }
  function replace(id, children) {
    var box = document.getElementById(id);
    while (box.firstChild) box.removeChild(box.firstChild);
    children.forEach(function (c) { box.appendChild(c); });
  }
  function draw(m) {
    var now = Date.now();
    var cluster = m.mode === 'cluster';
    var first = m.rows[0];
    var title = cluster ? 'cluster ' + (m.verdict === null ? 'unknown' : m.verdict) : m.self + ' ' + (first ? first.verdict : 'unknown');
    document.title = 'galera-probe: ' + title;
    document.getElementById('verdict').textContent = title;
    document.getElementById('reason').textContent = m.reason;
    document.getElementById('writer').textContent = cluster ? (m.writer === null ? 'none' : m.writer) : 'n/a (no --cluster)';
    document.getElementById('summary').className = 'summary c-' + cls(cluster ? m.verdict : first ? first.class : null);
    document.getElementById('updated').textContent = m.at === null ? 'not looked yet' : 'as of ' + time(m.at);
    replace('nodes', m.rows.map(card));
    var rows = m.history.nodes.map(function (n) { return timeline(n.target, n.runs, now); });
    if (cluster) rows.unshift(timeline('cluster', m.history.verdict, now));
    replace('timeline', rows);
    document.body.classList.remove('stale');
  }
  function stale() {
    document.body.classList.add('stale');
    document.getElementById('updated').textContent = 'no answer from serve since ' + time(Date.now());
  }
  function tick() {
    fetch('status.json', { cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(draw, stale)
      .then(function () { setTimeout(tick, 1000); });
  }
  tick();
})();
`;
