/**
 * The model behind `watch` and the status page, as tables: rows read from a judged cluster,
 * transitions between two looks, receive-queue trends; and the terminal's colour decision.
 * No sockets, no clock.
 */
import { describe, expect, it } from 'vitest';
import { plain, useColour } from '../src/cli/ansi.js';
import { clock, screen, sparkline, transitionLine, trendArrow } from '../src/cli/watch-render.js';
import { clusterRows, nodeClass } from '../src/cluster/rows.js';
import { advance, diffClusters, EMPTY_WATCH, transitionText } from '../src/cluster/transitions.js';
import type { NodeInfo, ProbeResult } from '../src/probe/types.js';
import { clusterOf, nodeResult, silentResult, T } from './support/cluster-fixtures.js';

const node = (
  n: number,
  over: Partial<NodeInfo> = {},
  healthy = true,
  reason = 'synced',
  inView = [1, 2, 3],
): ProbeResult => nodeResult(n, inView, over, healthy, reason);
const donor = (n: number): ProbeResult =>
  node(n, { localState: 2, localStateComment: 'Donor/Desynced' }, false, 'Donor/Desynced');
function isolated(n: number): ProbeResult {
  const r = node(
    n,
    { clusterStatus: 'non-Primary', localState: 0, localStateComment: 'Initialized', clusterSize: 1 },
    false,
    'non-Primary',
  );
  delete r.node!.members;
  return r;
}
const silent = silentResult;
const cluster = clusterOf;

describe('rows', () => {
  it('read the fields an operator looks at, with the lag to the highest last_committed of the same history', () => {
    const rows = clusterRows(
      cluster([node(1, { lastCommitted: 120 }), node(2, { lastCommitted: 117, localRecvQueue: 4 }), isolated(3)]),
    );
    expect(rows[0]).toMatchObject({
      target: T[0],
      name: 'n1',
      verdict: 'healthy',
      class: 'healthy',
      primary: true,
      state: 'Synced',
      size: 3,
      lastCommitted: 120,
      lag: 0,
      writer: true,
    });
    expect(rows[1]).toMatchObject({ lag: 3, recvQueue: 4, writer: false });
    expect(rows[2]).toMatchObject({
      verdict: 'unhealthy',
      class: 'non-primary',
      primary: false,
      state: 'Initialized',
      component: '{n3}',
    });
  });

  it.each([
    [node(1), 'healthy'],
    [donor(1), 'unhealthy'],
    [isolated(1), 'non-primary'],
    [silent(1), 'down'],
  ] as const)('a node %#: class %s', (r, cls) => {
    expect(nodeClass(r)).toBe(cls);
  });

  it('a node of another history has no lag against this one', () => {
    const rows = clusterRows(
      cluster([node(1, { lastCommitted: 5 }), node(2, { lastCommitted: 900, clusterStateUuid: 'other' })]),
    );
    expect(rows.map((r) => r.lag)).toEqual([0, 0]);
  });
});

describe('transitions', () => {
  const at = Date.UTC(2026, 10, 26, 12, 1, 3);
  it.each([
    ['nothing changed', [node(1), node(2), node(3)], [node(1), node(2), node(3)], []],
    [
      'a node becomes donor',
      [node(1), node(2), node(3)],
      [node(1), node(2), donor(3)],
      [`${T[2]} Synced -> Donor/Desynced`, `${T[2]} healthy -> unhealthy: Donor/Desynced`],
    ],
    [
      'a node is isolated',
      [node(1), node(2), node(3)],
      [node(1, {}, true, 'synced', [1, 2]), node(2, {}, true, 'synced', [1, 2]), isolated(3)],
      [`${T[2]} Synced -> non-Primary Initialized`, `${T[2]} healthy -> unhealthy: non-Primary`],
    ],
    [
      'the writer goes silent',
      [node(1), node(2)],
      [silent(1), node(2)],
      [`${T[0]} Synced -> timeout`, `${T[0]} healthy -> timeout: no greeting within 2000 ms`],
    ],
  ] as const)('%s', (_, before, after, texts) => {
    const t = diffClusters(cluster([...before]), cluster([...after]), at);
    // The cluster's own lines carry the judgement's wording: that is judgeCluster's table.
    expect(t.map(transitionText).filter((s) => !s.startsWith('cluster ') && !s.startsWith('writer '))).toEqual(texts);
    expect(t.every((x) => x.at === at)).toBe(true);
  });

  it('writer and cluster verdict changes are their own transitions', () => {
    const t = diffClusters(cluster([node(1), node(2)]), cluster([silent(1), node(2)]), at).map(transitionText);
    expect(t).toContain(`writer ${T[0]} -> ${T[1]}`);
    expect(t.some((s) => /^cluster healthy -> degraded: /.test(s))).toBe(true);
  });

  it('the first look gives none; a node that appears or goes is said', () => {
    expect(diffClusters(undefined, cluster([node(1)]), at)).toEqual([]);
    const t = diffClusters(cluster([node(1)]), cluster([node(1), node(2)]), at).map(transitionText);
    expect(t).toContain(`${T[1]} appeared: Synced`);
    expect(diffClusters(cluster([node(1), node(2)]), cluster([node(1)]), at).map(transitionText)).toContain(
      `${T[1]} no longer probed (was Synced)`,
    );
  });

  it('a line carries the local time of the look', () => {
    const [t] = diffClusters(cluster([node(1)]), cluster([donor(1)]), at);
    expect(transitionLine(t!)).toBe(`${new Date(at).toTimeString().slice(0, 8)} ${T[0]} Synced -> Donor/Desynced`);
  });
});

describe('advance: trends and the log are bounded', () => {
  it('keeps the last values of each receive queue and the last transitions only', () => {
    let state = EMPTY_WATCH;
    for (let i = 0; i < 30; i++) {
      const r = cluster([node(1, { localRecvQueue: i }), i % 2 === 0 ? node(2) : donor(2)]);
      state = advance(state, r, i * 1000, { trendLength: 5, logLength: 7 }).state;
    }
    expect(state.trends[T[0]]).toEqual([25, 26, 27, 28, 29]);
    expect(state.log).toHaveLength(7);
    expect(state.log.at(-1)!.at).toBe(29_000);
  });

  it.each([
    [[0, 0, 0], '▁▁▁', '→'],
    [[0, 4, 8], '▁▄█', '↑'],
    [[8, 1], '█▁', '↓'],
    [[null, 3], '·█', ' '],
    [[], '', ' '],
  ] as const)('%j: %s %s', (values, spark, arrow) => {
    expect(sparkline(values)).toBe(spark);
    expect(trendArrow(values)).toBe(arrow);
  });
});

describe('the terminal view', () => {
  it.each([
    ['auto', true, {}, true],
    ['auto', true, { NO_COLOR: '1' }, false],
    ['auto', true, { NO_COLOR: '' }, true],
    ['auto', false, {}, false],
    ['always', false, { NO_COLOR: '1' }, true],
    ['never', true, {}, false],
  ] as const)('--color %s, terminal %s, env %j: colour %s', (mode, tty, env, expected) => {
    expect(useColour(mode, tty, env)).toBe(expected);
  });

  it('the screen fits the terminal: no line wider than it, no more lines than its height', () => {
    let state = EMPTY_WATCH;
    let rows = clusterRows(cluster([node(1)]));
    for (let i = 0; i < 40; i++) {
      const r = cluster([node(1), i % 2 ? donor(2) : node(2), node(3)]);
      const next = advance(state, r, i * 1000);
      state = next.state;
      rows = next.rows;
    }
    const lines = screen(
      { result: state.last!, rows, state, at: 0, intervalMs: 1000 },
      { columns: 60, rows: 15 },
      true,
    );
    expect(lines.length).toBe(15);
    for (const l of lines) expect([...plain(l)].length).toBeLessThanOrEqual(60);
    expect(plain(lines.at(-1)!)).toMatch(new RegExp(`^${clock(39_000)} cluster healthy -> degraded`));
    expect(plain(lines.join('\n'))).toMatch(/127\.0\.0\.1:3312 Synced -> Donor\/Desynced/);
    expect(lines.join('\n')).toContain('\u001b[32m');
    expect(
      screen({ result: state.last!, rows, state, at: 0, intervalMs: 1000 }, { columns: 200, rows: 40 }, false).join(
        '\n',
      ),
    ).not.toContain('\u001b');
  });
});
