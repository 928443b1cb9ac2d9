/**
 * What the status page's script reads of `/status.json`: the part of StatusModel (../page.ts)
 * it draws, written out here so that the browser build needs nothing of the server's modules.
 * test/status-page.test.ts checks that StatusModel still fits it.
 */

/** `[from, to, value]`: the value held from `from` until `to` (ms since the epoch). */
export type BrowserRun = readonly [number, number, string | null];

export interface BrowserRow {
  target: string;
  name: string | null;
  verdict: string;
  class: string;
  primary: boolean | null;
  state: string | null;
  component: string | null;
  size: number | null;
  recvQueue: number | null;
  lastCommitted: number | null;
  lag: number | null;
  timeMs: number;
  writer: boolean;
  otherCluster: boolean;
  reason: string;
}

export interface BrowserModel {
  at: number | null;
  mode: 'cluster' | 'node';
  self: string;
  verdict: string | null;
  reason: string;
  writer: string | null;
  rows: readonly BrowserRow[];
  history: { verdict: readonly BrowserRun[]; nodes: readonly { target: string; runs: readonly BrowserRun[] }[] };
}
