/**
 * The cluster judgement as a table of situations: per-node results in, verdict, writer and
 * bootstrap candidate out. No sockets: judgeCluster is a pure function.
 */
import { describe, expect, it } from 'vitest';
import { judgeCluster } from '../src/cluster/judge.js';
import type { ProbeResult } from '../src/probe/types.js';
import { nodeResult, nonPrimaryResult, silentResult, T, UUID } from './support/cluster-fixtures.js';

const node = nodeResult;
const nonPrimary = nonPrimaryResult;
const unreachable = silentResult;

describe('judgeCluster', () => {
  it('all synced in one component: healthy, the first target writes', () => {
    const j = judgeCluster([node(1), node(2), node(3)]);
    expect(j).toMatchObject({ verdict: 'healthy', writer: T[0], bootstrapCandidate: null, otherCluster: [] });
    expect(j.components).toEqual([
      {
        members: ['n1', 'n2', 'n3'],
        primary: true,
        minority: false,
        size: 3,
        confId: 3,
        stateUuid: UUID,
        targets: [...T],
        identifiedBy: 'members',
        changing: false,
      },
    ]);
    expect(j.reason).toBe('3 of 3 nodes healthy in one Primary component {n1,n2,n3}');
  });

  it('the writer follows the order of the targets, not wsrep_local_index', () => {
    const j = judgeCluster([node(3, [1, 2, 3], { localIndex: 2 }), node(1, [1, 2, 3], { localIndex: 0 }), node(2)]);
    expect(j.writer).toBe(T[2]);
  });

  it('a read-only node is never the writer, with or without --require-writable', () => {
    const j = judgeCluster([node(1, [1, 2, 3], { readOnly: true }), node(2), node(3)]);
    expect(j).toMatchObject({ verdict: 'healthy', writer: T[1] });
  });

  it('an unhealthy first node (a donor) makes it degraded and the writer moves on', () => {
    const donor = node(
      1,
      [1, 2, 3],
      { localState: 2, localStateComment: 'Donor/Desynced' },
      false,
      'not synced: Donor/Desynced (state 2)',
    );
    const j = judgeCluster([donor, node(2), node(3)]);
    expect(j).toMatchObject({ verdict: 'degraded', writer: T[1] });
    expect(j.reason).toBe(
      '2 of 3 nodes healthy in the Primary component {n1,n2,n3}; 127.0.0.1:3311 not synced: Donor/Desynced (state 2)',
    );
  });

  it('an unreachable node: degraded, and the writer stays where it was', () => {
    const j = judgeCluster([node(1, [1, 2]), node(2, [1, 2]), unreachable(3)]);
    expect(j).toMatchObject({ verdict: 'degraded', writer: T[0] });
    expect(j.reason).toMatch(/127\.0\.0\.1:3313 timeout in greeting$/);
  });

  it('an isolated node (non-Primary): degraded; the writer moves when it was the writer', () => {
    expect(judgeCluster([node(1, [1, 2]), node(2, [1, 2]), nonPrimary(3)])).toMatchObject({
      verdict: 'degraded',
      writer: T[0],
    });
    const moved = judgeCluster([nonPrimary(1), node(2, [2, 3]), node(3, [2, 3])]);
    expect(moved).toMatchObject({ verdict: 'degraded', writer: T[1] });
    // The isolated node vouches for itself only, not for the peers its stale addresses list.
    expect(moved.components.map((c) => [c.primary, c.members, c.size])).toEqual([
      [true, ['n2', 'n3'], 2],
      [false, ['n1'], 1],
    ]);
  });

  it('a split brain: two Primary components, the writer only in the majority one', () => {
    // Node 3 bootstrapped alone: Primary, Synced, size 1, same state uuid and conf id, local index 0 like node 1.
    const three = node(3, [3], { localIndex: 0 });
    const j = judgeCluster([node(1, [1, 2]), node(2, [1, 2]), three]);
    expect(j).toMatchObject({ verdict: 'split-brain', writer: T[0] });
    expect(j.reason).toBe('2 Primary components ({n1,n2}, {n3}); {n1,n2} holds a majority of 3');
    // Listing node 3 first does not make it the writer.
    expect(judgeCluster([three, node(1, [1, 2]), node(2, [1, 2])]).writer).toBe(T[0]);
  });

  it('a split brain where no component holds a majority has no writer', () => {
    const j = judgeCluster([node(1, [1]), node(2, [2]), node(3, [3])]);
    expect(j).toMatchObject({ verdict: 'split-brain', writer: null });
    expect(j.reason).toMatch(/^3 Primary components \(\{n1\}, \{n2\}, \{n3\}\); none holds a majority of 3/);
    expect(judgeCluster([node(1, [1, 2]), node(2, [1, 2]), node(3, [3])], { expectSize: 5 }).writer).toBeNull();
  });

  it('with --expect-size, a minority component beside another is still a split brain', () => {
    const j = judgeCluster([node(1, [1, 2]), node(2, [1, 2]), node(3, [3])], { expectSize: 3 });
    expect(j).toMatchObject({ verdict: 'split-brain', writer: T[0] });
    expect(j.components.map((c) => c.minority)).toEqual([false, true]);
  });

  it('quorum lost: no-primary, and the bootstrap candidate has the highest last committed (ties: target order)', () => {
    const j = judgeCluster([nonPrimary(1, 10), nonPrimary(2, 12), nonPrimary(3, 12)]);
    expect(j.components.map((c) => [c.primary, c.targets])).toEqual([
      [false, [T[0]]],
      [false, [T[1]]],
      [false, [T[2]]],
    ]);
    expect(j.notes).toEqual([]);
    expect(j).toMatchObject({ verdict: 'no-primary', writer: null, bootstrapCandidate: T[1] });
    expect(j.reason).toBe(
      'no answering node is in a Primary component (quorum lost); bootstrap candidate 127.0.0.1:3312 (last committed 12)',
    );
    const silent = judgeCluster([nonPrimary(1, 10), unreachable(2), nonPrimary(3, 9)]);
    expect(silent.bootstrapCandidate).toBe(T[0]);
    expect(silent.reason).toMatch(/1 target\(s\) did not answer and may hold newer data/);
  });

  it('nobody answered: unreachable', () => {
    expect(judgeCluster([unreachable(1), unreachable(2), unreachable(3)])).toMatchObject({
      verdict: 'unreachable',
      writer: null,
      components: [],
    });
  });

  it('a clean shrink: the last node standing is a legitimate Primary (degraded), unless --expect-size says otherwise', () => {
    const alone = node(1, [1]);
    expect(judgeCluster([alone, unreachable(2), unreachable(3)])).toMatchObject({ verdict: 'degraded', writer: T[0] });
    const strict = judgeCluster([alone, unreachable(2), unreachable(3)], { expectSize: 3 });
    expect(strict).toMatchObject({ verdict: 'no-primary', writer: null, bootstrapCandidate: T[0] });
    expect(strict.reason).toMatch(/^no Primary component holds a majority of 3 \(\{n1\} has 1\)/);
  });

  it('a node of another history is reported and keeps the verdict at most degraded', () => {
    const stranger = node(3, [3], { clusterStateUuid: 'ffffffff-0000-11f1-0000-000000000000' });
    const j = judgeCluster([node(1, [1, 2]), node(2, [1, 2]), stranger]);
    expect(j).toMatchObject({ verdict: 'degraded', otherCluster: [T[2]], writer: T[0] });
    expect(j.reason).toMatch(/127\.0\.0\.1:3313 belongs to another cluster/);
  });

  it('nodes disagreeing on overlapping member sets are one component changing its view, not a split brain', () => {
    const j = judgeCluster([node(1, [1, 2]), node(2, [1, 2]), node(3, [1, 2, 3])]);
    expect(j.verdict).toBe('degraded');
    expect(j.components).toHaveLength(1);
    expect(j.components[0]).toMatchObject({ changing: true, members: ['n1', 'n2', 'n3'] });
  });

  it('without the members table, wsrep_incoming_addresses tells the components apart', () => {
    const addressesOnly = (r: ProbeResult, addresses: string[]): ProbeResult => {
      delete r.node!.members;
      r.node!.incomingAddresses = addresses;
      return r;
    };
    const j = judgeCluster([
      addressesOnly(node(1, [1, 2]), [T[0], T[1]]),
      addressesOnly(node(2, [1, 2]), [T[0], T[1]]),
      addressesOnly(node(3, [3]), [T[2]]),
    ]);
    expect(j).toMatchObject({ verdict: 'split-brain', writer: T[0] });
    expect(j.components.map((c) => c.identifiedBy)).toEqual(['addresses', 'addresses']);
  });

  it('with neither (AUTO addresses), size and configuration id tell them apart, and a note says so', () => {
    const statusOnly = (r: ProbeResult): ProbeResult => {
      delete r.node!.members;
      r.node!.incomingAddresses = ['AUTO', 'AUTO'];
      return r;
    };
    const split = judgeCluster([statusOnly(node(1, [1, 2])), statusOnly(node(2, [1, 2])), statusOnly(node(3, [3]))]);
    expect(split).toMatchObject({ verdict: 'split-brain', writer: T[0] });
    expect(split.notes.join(' ')).toMatch(/size and configuration id only/);
    expect(judgeCluster([statusOnly(node(1)), statusOnly(node(2)), statusOnly(node(3))])).toMatchObject({
      verdict: 'healthy',
      writer: T[0],
    });
  });

  it('a plain MySQL server among the targets is outside the component', () => {
    const plain: ProbeResult = {
      target: T[2],
      healthy: false,
      outcome: 'unhealthy',
      reason: 'not a Galera node (no wsrep status)',
      node: { version: '8.0.40' },
      timings: { total: 2 },
    };
    expect(judgeCluster([node(1, [1, 2]), node(2, [1, 2]), plain])).toMatchObject({
      verdict: 'degraded',
      writer: T[0],
    });
  });

  it('one Primary component whose nodes are all unhealthy is degraded without a writer', () => {
    const desynced = (n: number) =>
      node(n, [1, 2, 3], { localState: 2, localStateComment: 'Donor/Desynced' }, false, 'not synced');
    const j = judgeCluster([desynced(1), desynced(2), desynced(3)]);
    expect(j).toMatchObject({ verdict: 'degraded', writer: null });
    expect(j.reason).toMatch(/^no healthy node in the Primary component/);
  });
});
