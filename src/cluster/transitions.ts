/**
 * What changed between two looks at the cluster: node states and verdicts, the cluster verdict,
 * the writer; and each node's recent receive queues (a trend). Pure: two results and a time in,
 * transitions out; the caller keeps the state and owns the clock.
 */
import { clusterRows, type NodeRow, stateWords } from './rows.js';
import type { ClusterResult } from './types.js';

export type Transition =
  /** A node's state in words changed: `Synced -> Donor/Desynced`, `Synced -> timeout`. */
  | { at: number; kind: 'state'; target: string; from: string; to: string }
  /** A node's own verdict changed: `healthy -> unhealthy`, with the new reason. */
  | { at: number; kind: 'verdict'; target: string; from: string; to: string; reason: string }
  /** A node appeared (discovery) or is no longer probed. */
  | { at: number; kind: 'node'; target: string; from: string | null; to: string | null }
  | { at: number; kind: 'cluster'; from: string; to: string; reason: string }
  | { at: number; kind: 'writer'; from: string | null; to: string | null };

/** Compares two looks at the cluster; `before` undefined (the first look) gives nothing. */
export function diffClusters(before: ClusterResult | undefined, after: ClusterResult, at: number): Transition[] {
  if (!before) return [];
  const out: Transition[] = [];
  const old = new Map(clusterRows(before).map((r) => [r.target, r]));
  const rows = clusterRows(after);
  for (const row of rows) {
    const prev = old.get(row.target);
    if (!prev) {
      out.push({ at, kind: 'node', target: row.target, from: null, to: stateWords(row) });
      continue;
    }
    const [from, to] = [stateWords(prev), stateWords(row)];
    if (from !== to) out.push({ at, kind: 'state', target: row.target, from, to });
    if (prev.verdict !== row.verdict)
      out.push({ at, kind: 'verdict', target: row.target, from: prev.verdict, to: row.verdict, reason: row.reason });
  }
  const now = new Set(rows.map((r) => r.target));
  for (const [target, prev] of old)
    if (!now.has(target)) out.push({ at, kind: 'node', target, from: stateWords(prev), to: null });
  if (before.verdict !== after.verdict)
    out.push({ at, kind: 'cluster', from: before.verdict, to: after.verdict, reason: after.reason });
  if (before.writer !== after.writer) out.push({ at, kind: 'writer', from: before.writer, to: after.writer });
  return out;
}

/** `127.0.0.1:3313 Synced -> Donor/Desynced`: a transition in words, without its time. */
export function transitionText(t: Transition): string {
  switch (t.kind) {
    case 'state':
      return `${t.target} ${t.from} -> ${t.to}`;
    case 'verdict':
      return `${t.target} ${t.from} -> ${t.to}: ${t.reason}`;
    case 'node':
      return t.from === null ? `${t.target} appeared: ${t.to ?? ''}` : `${t.target} no longer probed (was ${t.from})`;
    case 'cluster':
      return `cluster ${t.from} -> ${t.to}: ${t.reason}`;
    case 'writer':
      return `writer ${t.from ?? 'none'} -> ${t.to ?? 'none'}`;
  }
}

export interface WatchOptions {
  /** Receive-queue values kept per node (default 8). */
  trendLength?: number;
  /** Transitions kept (default 200). */
  logLength?: number;
}

/** What `watch` keeps between looks: the last result, recent receive queues, recent transitions. */
export interface WatchState {
  last: ClusterResult | undefined;
  /** Per target, its last receive-queue values, oldest first (null: no value that time). */
  trends: Readonly<Record<string, readonly (number | null)[]>>;
  /** Newest last, at most `logLength`. */
  log: readonly Transition[];
}

export const EMPTY_WATCH: WatchState = { last: undefined, trends: {}, log: [] };

/** The next state after a new look at the cluster, and what changed. */
export function advance(
  state: WatchState,
  result: ClusterResult,
  at: number,
  options: WatchOptions = {},
): { state: WatchState; transitions: Transition[]; rows: NodeRow[] } {
  const trendLength = options.trendLength ?? 8;
  const logLength = options.logLength ?? 200;
  const transitions = diffClusters(state.last, result, at);
  const rows = clusterRows(result);
  const trends: Record<string, (number | null)[]> = {};
  for (const row of rows) trends[row.target] = [...(state.trends[row.target] ?? []), row.recvQueue].slice(-trendLength);
  const log = [...state.log, ...transitions].slice(-logLength);
  return { state: { last: result, trends, log }, transitions, rows };
}
