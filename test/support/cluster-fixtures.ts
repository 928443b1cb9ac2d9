/**
 * Cluster fixtures shared by the tests of the judgement and of its views (cluster, serve
 * --cluster, watch, /status): single-probe results of three nodes as the judgement reads them,
 * and the fake-server state of a synced node whose component holds given members.
 */
import { clusterResult, judgeCluster } from '../../src/cluster/judge.js';
import type { ClusterResult } from '../../src/cluster/types.js';
import type { NodeInfo, ProbeResult } from '../../src/probe/types.js';
import { type GaleraNodeState, SYNCED_NODE, withState } from './fake-server.js';

export const UUID = '21147112-e995-11f1-b33d-cfad17c45876';
export const T = ['127.0.0.1:3311', '127.0.0.1:3312', '127.0.0.1:3313'] as const;
export const member = (n: number) => ({ uuid: `g${n}`, name: `n${n}`, address: T[n - 1]! });

/** Node n answered: Primary and Synced in the component of members `inView`, unless `over` says otherwise. */
export function nodeResult(
  n: number,
  inView: number[] = [1, 2, 3],
  over: Partial<NodeInfo> = {},
  healthy = true,
  reason = healthy ? 'synced' : 'not synced',
): ProbeResult {
  return {
    target: T[n - 1]!,
    healthy,
    outcome: healthy ? 'healthy' : 'unhealthy',
    reason,
    node: {
      version: '10.11.19-MariaDB',
      wsrepOn: true,
      clusterStatus: 'Primary',
      localState: 4,
      localStateComment: 'Synced',
      clusterSize: inView.length,
      clusterStateUuid: UUID,
      clusterConfId: 3,
      gcommUuid: `g${n}`,
      localIndex: inView.indexOf(n),
      lastCommitted: 100,
      localRecvQueue: 0,
      readOnly: false,
      nodeName: `n${n}`,
      members: inView.map(member),
      ...over,
    },
    timings: { total: 3 },
  };
}

/** Node n cut off: non-Primary, Initialized, size 1, its members SELECT refused with 1047. */
export function nonPrimaryResult(n: number, lastCommitted = 100): ProbeResult {
  const r = nodeResult(
    n,
    [n],
    { clusterStatus: 'non-Primary', localState: 0, localStateComment: 'Initialized', lastCommitted },
    false,
    'non-Primary',
  );
  delete r.node!.members;
  r.node!.membersUnavailable = '1047 WSREP has not yet prepared node for application use';
  return r;
}

/** Node n did not answer. */
export function silentResult(n: number): ProbeResult {
  return {
    target: T[n - 1]!,
    healthy: false,
    outcome: 'timeout',
    phase: 'greeting',
    reason: 'no greeting within 2000 ms',
    timings: { total: 2000 },
  };
}

/** The judged cluster of these results, as probeCluster returns it. */
export function clusterOf(nodes: ProbeResult[]): ClusterResult {
  return clusterResult(judgeCluster(nodes), nodes, 5);
}

/** A fake server's state: synced node `name`, in a component of `members` ([name, address] pairs). */
export function syncedState(
  name: string,
  members: [string, string][],
  extra: Record<string, string> = {},
): GaleraNodeState {
  return {
    ...withState(
      SYNCED_NODE,
      {
        wsrep_cluster_size: String(members.length),
        wsrep_cluster_state_uuid: UUID,
        wsrep_cluster_conf_id: '3',
        wsrep_gcomm_uuid: `uuid-${name}`,
        wsrep_last_committed: '42',
        wsrep_incoming_addresses: members.map(([, a]) => a).join(','),
        ...extra,
      },
      { wsrep_node_name: name },
    ),
    members: members.map(([n, a]) => [`uuid-${n}`, n, a]),
  };
}
