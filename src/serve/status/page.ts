/**
 * serve's `/status`: the model (`/status.json`: the last look's rows, verdict, writer, and the
 * history as runs) and its server-rendered HTML, which is the page a browser without JavaScript
 * sees; status.js draws the same model in place every second. Every string that came from a
 * node or a request is escaped here, in one place.
 */
import { type NodeRow, nodeRow, clusterRows } from '../../cluster/rows.js';
import type { ClusterResult, ClusterVerdict } from '../../cluster/types.js';
import type { ProbeResult } from '../../probe/types.js';
import type { HistoryJson, Run } from './history.js';

export interface StatusModel {
  /** When the last look started (ms since the epoch); null before the first. */
  at: number | null;
  /** `cluster` with --cluster, else `node`. */
  mode: 'cluster' | 'node';
  /** This serve's own target. */
  self: string;
  /** The cluster verdict; null without --cluster. */
  verdict: ClusterVerdict | null;
  /** The cluster's reason, or the node's. */
  reason: string;
  writer: string | null;
  rows: NodeRow[];
  history: HistoryJson;
  /** The last look as the other endpoints give it: `/cluster?format=json`'s object, or the node's result. */
  cluster: ClusterResult | null;
  node: ProbeResult | null;
}

/** The model from the last look (none yet: empty rows). */
export function statusModel(input: {
  self: string;
  mode: 'cluster' | 'node';
  at: number | null;
  cluster?: ClusterResult | undefined;
  node?: ProbeResult | undefined;
  history: HistoryJson;
}): StatusModel {
  const { cluster, node } = input;
  return {
    at: input.at,
    mode: input.mode,
    self: input.self,
    verdict: cluster?.verdict ?? null,
    reason: cluster?.reason ?? node?.reason ?? 'not looked yet',
    writer: cluster?.writer ?? null,
    rows: cluster ? clusterRows(cluster) : node ? [nodeRow(node)] : [],
    history: input.history,
    cluster: cluster ?? null,
    node: cluster ? null : (node ?? null),
  };
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe in HTML content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Only these reach a class attribute; anything else becomes `unknown`. */
const CLASS_WORDS = /^(healthy|unhealthy|non-primary|down|degraded|split-brain|no-primary|unreachable)$/;
const cls = (word: string | null): string => (word !== null && CLASS_WORDS.test(word) ? word : 'unknown');

const num = (v: number | null): string => (v === null ? '-' : String(v));

/** A node's card fields; status.js shows the same, in the same order. */
export function cardFields(row: NodeRow): [string, string][] {
  return [
    ['status', row.primary === null ? '-' : row.primary ? 'Primary' : 'non-Primary'],
    ['state', row.state ?? '-'],
    ['component', row.component ?? '-'],
    ['size', num(row.size)],
    ['recv queue', num(row.recvQueue)],
    ['committed', row.lastCommitted === null ? '-' : `${row.lastCommitted} (lag ${num(row.lag)})`],
    ['probe', `${row.timeMs} ms`],
  ];
}

function card(row: NodeRow): string {
  const badges = [row.writer ? 'writer' : '', row.otherCluster ? 'other cluster' : ''].filter((b) => b !== '');
  return [
    `<article class="node c-${cls(row.class)}">`,
    `<h3><span class="target">${escapeHtml(row.target)}</span> <span class="name">${escapeHtml(row.name ?? '')}</span>${badges.map((b) => ` <span class="badge">${escapeHtml(b)}</span>`).join('')}</h3>`,
    `<p class="verdict">${escapeHtml(row.verdict)}</p>`,
    `<dl>${cardFields(row)
      .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
      .join('')}</dl>`,
    `<p class="reason">${escapeHtml(row.reason)}</p>`,
    '</article>',
  ].join('');
}

const WINDOW_MS = 15 * 60 * 1000;

const utc = (ms: number): string => `${new Date(ms).toISOString().slice(11, 19)} UTC`;

/** One timeline row: an SVG 900 units wide (one per second of the last 15 minutes). */
function timeline(label: string, runs: Run<string | null>[], now: number): string {
  const start = now - WINDOW_MS;
  const rects = runs
    .filter(([, to]) => to > start)
    .map(([from, to, value]) => {
      const x = Math.max(0, (from - start) / 1000);
      const w = Math.max(0.5, (Math.min(to, now) - Math.max(from, start)) / 1000);
      return `<rect x="${x.toFixed(1)}" y="0" width="${w.toFixed(1)}" height="10" class="c-${cls(value)}"><title>${escapeHtml(`${value ?? 'none'} ${utc(from)} to ${utc(to)}`)}</title></rect>`;
    });
  return `<div class="tl-row"><span class="tl-label">${escapeHtml(label)}</span><svg class="tl" viewBox="0 0 900 10" preserveAspectRatio="none" role="img" aria-label="${escapeHtml(label)}">${rects.join('')}</svg></div>`;
}

/** The whole page, as a browser without JavaScript shows it (it reloads itself every 5 s). */
export function statusHtml(m: StatusModel, now: number): string {
  const title =
    m.mode === 'cluster' ? `cluster ${m.verdict ?? 'unknown'}` : `${m.self} ${m.rows[0]?.verdict ?? 'unknown'}`;
  const summaryClass = m.mode === 'cluster' ? cls(m.verdict) : cls(m.rows[0]?.class ?? null);
  const rows = m.history.nodes.map((n) => timeline(n.target, n.runs, now));
  if (m.mode === 'cluster') rows.unshift(timeline('cluster', m.history.verdict, now));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`galera-probe: ${title}`)}</title>
<link rel="stylesheet" href="status.css">
<script src="status.js" defer></script>
<noscript><meta http-equiv="refresh" content="5"></noscript>
</head>
<body data-mode="${m.mode}">
<header><h1>galera-probe <span id="self">${escapeHtml(m.self)}</span></h1><p id="updated">${m.at === null ? 'not looked yet' : `as of ${utc(m.at)}`}</p></header>
<section id="summary" class="summary c-${summaryClass}">
<p><strong id="verdict">${escapeHtml(title)}</strong>: <span id="reason">${escapeHtml(m.reason)}</span></p>
<p>writer <strong id="writer">${escapeHtml(m.mode === 'cluster' ? (m.writer ?? 'none') : 'n/a (no --cluster)')}</strong></p>
</section>
<section id="nodes">${m.rows.map(card).join('\n')}</section>
<section id="history"><h2>Last 15 minutes</h2><div id="timeline">${rows.join('')}</div>
<p class="legend"><span class="key c-healthy"></span>healthy <span class="key c-unhealthy"></span>unhealthy <span class="key c-non-primary"></span>non-Primary <span class="key c-down"></span>down <span class="key c-degraded"></span>degraded <span class="key c-split-brain"></span>split-brain</p></section>
<footer><a href="status.json">status.json</a>${m.mode === 'cluster' ? ' <a href="cluster?format=json">cluster?format=json</a>' : ' <a href="health?format=json">health?format=json</a>'}</footer>
</body>
</html>
`;
}
