/**
 * `watch`'s two views of the same model (src/cluster/rows.ts and transitions.ts): a screen
 * redrawn in place on a terminal, and one line per change for a pipe or a log.
 */
import type { NodeClass, NodeRow } from '../cluster/rows.js';
import { type Transition, transitionText, type WatchState } from '../cluster/transitions.js';
import type { ClusterResult, ClusterVerdict } from '../cluster/types.js';
import { ANSI, type Colour, paint } from './ansi.js';
import { clusterLines } from './cluster-format.js';

const CLASS_COLOUR: Record<NodeClass, Colour> = {
  healthy: 'green',
  unhealthy: 'yellow',
  'non-primary': 'red',
  down: 'red',
};
const VERDICT_COLOUR: Record<ClusterVerdict, Colour> = {
  healthy: 'green',
  degraded: 'yellow',
  'split-brain': 'magenta',
  'no-primary': 'red',
  unreachable: 'red',
};

/** `12:01:03`, local time. */
export function clock(at: number): string {
  return new Date(at).toTimeString().slice(0, 8);
}

const num = (v: number | null): string => (v === null ? '-' : String(v));

/** `↑` rising, `↓` falling, `→` flat, ` ` unknown: the last value against the one before. */
export function trendArrow(values: readonly (number | null)[]): string {
  const [a, b] = [values.at(-2), values.at(-1)];
  if (a === undefined || b === undefined || a === null || b === null) return ' ';
  return b > a ? '↑' : b < a ? '↓' : '→';
}

const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of the values, scaled to their maximum (`·` where a value is missing). */
export function sparkline(values: readonly (number | null)[]): string {
  const max = Math.max(0, ...values.filter((v): v is number => v !== null));
  return values
    .map((v) =>
      v === null
        ? '·'
        : max === 0
          ? BARS[0]!
          : BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1)))]!,
    )
    .join('');
}

interface Cell {
  text: string;
  colour?: Colour | undefined;
}

const HEADER = [
  'TARGET',
  'NAME',
  'VERDICT',
  'STATUS',
  'STATE',
  'SIZE',
  'COMPONENT',
  'RECVQ',
  'TREND',
  'COMMITTED',
  'LAG',
  'TIME',
  '',
];

function rowCells(row: NodeRow, trend: readonly (number | null)[]): Cell[] {
  const colour = CLASS_COLOUR[row.class];
  return [
    { text: row.target },
    { text: row.name ?? '-' },
    { text: row.verdict, colour },
    {
      text: row.primary === null ? '-' : row.primary ? 'Primary' : 'non-Primary',
      colour: row.primary === false ? 'red' : undefined,
    },
    { text: row.state ?? '-', colour: row.state !== null && row.state !== 'Synced' ? 'yellow' : undefined },
    { text: num(row.size) },
    { text: row.component ?? '-' },
    { text: num(row.recvQueue), colour: (row.recvQueue ?? 0) > 0 ? 'yellow' : undefined },
    { text: `${sparkline(trend)} ${trendArrow(trend)}`.trimEnd() },
    { text: num(row.lastCommitted) },
    { text: num(row.lag), colour: (row.lag ?? 0) > 0 ? 'yellow' : undefined },
    { text: `${row.timeMs} ms` },
    {
      text: row.otherCluster ? 'other-cluster' : row.writer ? 'writer' : row.class === 'healthy' ? '' : row.reason,
      colour: row.writer ? 'cyan' : undefined,
    },
  ];
}

/** Cells padded into columns, painted, and cut at `width` characters (the text, not the escapes). */
function table(rows: Cell[][], width: number, colour: boolean): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c.text].length)));
  return rows.map((row) => {
    let used = 0;
    let line = '';
    for (const [i, cell] of row.entries()) {
      const sep = i === 0 ? '' : '  ';
      const padded = i === row.length - 1 ? cell.text : cell.text.padEnd(widths[i]!);
      const room = width - used - sep.length;
      if (room <= 0) break;
      const shown = [...padded].slice(0, room).join('');
      line += sep + paint(colour, cell.colour, shown);
      used += sep.length + [...shown].length;
    }
    return line.trimEnd();
  });
}

const cut = (text: string, width: number): string => [...text].slice(0, Math.max(0, width)).join('');

export interface Frame {
  result: ClusterResult;
  rows: NodeRow[];
  state: WatchState;
  at: number;
  intervalMs: number;
}

/** The whole screen: a title, the cluster, one row per node, then the newest transitions that fit. */
export function screen(f: Frame, size: { columns: number; rows: number }, colour: boolean): string[] {
  const width = Math.max(20, size.columns);
  const height = Math.max(5, size.rows);
  const lines: string[] = [];
  lines.push(
    paint(colour, 'bold', cut(`galera-probe watch   every ${f.intervalMs} ms   ${clock(f.at)}   q: quit`, width)),
  );
  const verdict = `cluster ${f.result.verdict}`;
  lines.push(
    paint(colour, VERDICT_COLOUR[f.result.verdict], cut(verdict, width)) +
      cut(`: ${f.result.reason}`, width - verdict.length),
  );
  lines.push(cut(`writer ${f.result.writer ?? 'none'}`, width));
  lines.push('');
  lines.push(
    ...table(
      [
        HEADER.map((text) => ({ text, colour: 'dim' as const })),
        ...f.rows.map((r) => rowCells(r, f.state.trends[r.target] ?? [])),
      ],
      width,
      colour,
    ),
  );
  for (const note of f.result.notes) lines.push(cut(`note: ${note}`, width));
  lines.push('');
  const room = height - lines.length - 1;
  if (room > 0) {
    lines.push(paint(colour, 'dim', 'transitions'));
    const log = f.state.log.slice(-room);
    if (log.length === 0) lines.push(paint(colour, 'dim', cut('(none yet)', width)));
    for (const t of log) lines.push(cut(transitionLine(t), width));
  }
  return lines.slice(0, height);
}

/** The screen as one write: home, each line erased to its end, the rest of the screen erased. */
export function redraw(lines: readonly string[]): string {
  return `${ANSI.home}${lines.map((l) => `${l}${ANSI.clearLine}`).join('\r\n')}${ANSI.clearBelow}`;
}

/** `12:01:03 127.0.0.1:3313 Synced -> Donor/Desynced` */
export function transitionLine(t: Transition): string {
  return `${clock(t.at)} ${transitionText(t)}`;
}

/** The first look, for a log: `cluster`'s own lines (one per node, then the cluster), each with the time. */
export function startLines(f: Frame, colour: boolean): string[] {
  return clusterLines(f.result).map(
    (l, i, all) =>
      `${clock(f.at)} ${i === all.length - 1 - f.result.notes.length ? paint(colour, VERDICT_COLOUR[f.result.verdict], l) : l}`,
  );
}
