/**
 * The status page's script, for the browser (type-checked with the DOM library by
 * tsconfig.browser.json, bundled by scripts/bundle-status-script.ts into ../script.ts). It
 * fetches `status.json` every second and draws it the way ../page.ts renders it on the server;
 * the page works without it. It builds the DOM with textContent and attributes only: nothing a
 * node says is ever parsed as HTML.
 */
import type { NodeRow as BrowserRow } from '../../../cluster/rows.js';
import type { Run } from '../history.js';
import type { StatusModel as BrowserModel } from '../page.js';

/** A run of any timeline the page draws (a verdict, a writer or a node's class). */
type BrowserRun = Run<string | null>;

const SVG = 'http://www.w3.org/2000/svg';
const WINDOW = 15 * 60 * 1000;
const WORDS = /^(healthy|unhealthy|non-primary|down|degraded|split-brain|no-primary|unreachable)$/;

/** A class word from the model, or `unknown`: nothing else reaches a class attribute. */
function cls(word: unknown): string {
  return typeof word === 'string' && WORDS.test(word) ? word : 'unknown';
}

function num(v: number | null | undefined): string {
  return v === null || v === undefined ? '-' : String(v);
}

function el(tag: string, className?: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function time(ms: number): string {
  return new Date(ms).toLocaleTimeString();
}

function byId(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} is missing`);
  return e;
}

function fields(r: BrowserRow): [string, string][] {
  return [
    ['status', r.primary === null ? '-' : r.primary ? 'Primary' : 'non-Primary'],
    ['state', r.state === null ? '-' : r.state],
    ['component', r.component === null ? '-' : r.component],
    ['size', num(r.size)],
    ['recv queue', num(r.recvQueue)],
    ['committed', r.lastCommitted === null ? '-' : `${r.lastCommitted} (lag ${num(r.lag)})`],
    ['probe', `${r.timeMs} ms`],
  ];
}

function card(r: BrowserRow): HTMLElement {
  const a = el('article', `node c-${cls(r.class)}`);
  const h = el('h3');
  h.appendChild(el('span', 'target', r.target));
  h.appendChild(document.createTextNode(' '));
  h.appendChild(el('span', 'name', r.name === null ? '' : r.name));
  for (const [shown, badge] of [
    [r.writer, 'writer'],
    [r.otherCluster, 'other cluster'],
  ] as const) {
    if (!shown) continue;
    h.appendChild(document.createTextNode(' '));
    h.appendChild(el('span', 'badge', badge));
  }
  a.appendChild(h);
  a.appendChild(el('p', 'verdict', r.verdict));
  const dl = el('dl');
  for (const [term, value] of fields(r)) {
    dl.appendChild(el('dt', '', term));
    dl.appendChild(el('dd', '', value));
  }
  a.appendChild(dl);
  a.appendChild(el('p', 'reason', r.reason));
  return a;
}

function timeline(label: string, runs: readonly BrowserRun[], now: number): HTMLElement {
  const start = now - WINDOW;
  const row = el('div', 'tl-row');
  row.appendChild(el('span', 'tl-label', label));
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'tl');
  svg.setAttribute('viewBox', '0 0 900 10');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  for (const [from, to, value] of runs) {
    if (to <= start) continue;
    const rect = document.createElementNS(SVG, 'rect');
    rect.setAttribute('x', Math.max(0, (from - start) / 1000).toFixed(1));
    rect.setAttribute('y', '0');
    rect.setAttribute('width', Math.max(0.5, (Math.min(to, now) - Math.max(from, start)) / 1000).toFixed(1));
    rect.setAttribute('height', '10');
    rect.setAttribute('class', `c-${cls(value)}`);
    const title = document.createElementNS(SVG, 'title');
    title.textContent = `${value === null ? 'none' : value} ${time(from)} to ${time(to)}`;
    rect.appendChild(title);
    svg.appendChild(rect);
  }
  row.appendChild(svg);
  return row;
}

function replace(id: string, children: readonly Node[]): void {
  const box = byId(id);
  while (box.firstChild) box.removeChild(box.firstChild);
  for (const c of children) box.appendChild(c);
}

function draw(m: BrowserModel): void {
  const now = Date.now();
  const cluster = m.mode === 'cluster';
  const first = m.rows[0];
  const title = cluster
    ? `cluster ${m.verdict === null ? 'unknown' : m.verdict}`
    : `${m.self} ${first ? first.verdict : 'unknown'}`;
  document.title = `galera-probe: ${title}`;
  byId('verdict').textContent = title;
  byId('reason').textContent = m.reason;
  byId('writer').textContent = cluster ? (m.writer === null ? 'none' : m.writer) : 'n/a (no --cluster)';
  byId('summary').className = `summary c-${cls(cluster ? m.verdict : first ? first.class : null)}`;
  byId('updated').textContent = m.at === null ? 'not looked yet' : `as of ${time(m.at)}`;
  replace('nodes', m.rows.map(card));
  const rows = m.history.nodes.map((n) => timeline(n.target, n.runs, now));
  if (cluster) rows.unshift(timeline('cluster', m.history.verdict, now));
  replace('timeline', rows);
  document.body.classList.remove('stale');
}

function stale(): void {
  document.body.classList.add('stale');
  byId('updated').textContent = `no answer from serve since ${time(Date.now())}`;
}

function tick(): void {
  fetch('status.json', { cache: 'no-store', credentials: 'same-origin' })
    .then((r) => {
      if (!r.ok) throw new Error(String(r.status));
      return r.json() as Promise<BrowserModel>;
    })
    .then(draw, stale)
    .then(() => setTimeout(tick, 1000));
}

tick();
