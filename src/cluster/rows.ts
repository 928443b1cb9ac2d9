/**
 * One row per node, as every view shows it (`watch` in the terminal, serve's `/status` page on
 * the server and in the browser): the fields an operator looks at during an incident, read from
 * a ClusterResult (or a single node's result). Pure: results in, rows out.
 */
import type { ProbeResult } from '../probe/types.js';
import { componentLabel } from './judge.js';
import type { ClusterResult } from './types.js';

/**
 * How a node looks at a glance, and what the timelines record:
 * `healthy`; `unhealthy` (answered, Primary, but not to be used: donor, joiner, read-only...);
 * `non-primary` (answered outside any Primary component); `down` (did not answer).
 */
export type NodeClass = 'healthy' | 'unhealthy' | 'non-primary' | 'down';

export const NODE_CLASSES: readonly NodeClass[] = ['healthy', 'unhealthy', 'non-primary', 'down'];

export interface NodeRow {
  target: string;
  /** `wsrep_node_name`, or null. */
  name: string | null;
  /** `healthy`, `unhealthy`, or how the probe ended (`timeout`, `unreachable`, ...). */
  verdict: string;
  class: NodeClass;
  /** Whether the node says it is in a Primary component; null when it did not answer or is not Galera. */
  primary: boolean | null;
  /** `wsrep_local_state_comment` (`Synced`, `Donor/Desynced`, ...), or null. */
  state: string | null;
  /** The component it reported being in, `{node1,node2}`, or null. */
  component: string | null;
  size: number | null;
  recvQueue: number | null;
  lastCommitted: number | null;
  /** How many transactions behind the highest `last_committed` of its history; null when unknown. */
  lag: number | null;
  /** The probe's time, ms. */
  timeMs: number;
  writer: boolean;
  otherCluster: boolean;
  /** The node's own one-sentence reason. */
  reason: string;
}

const answered = (r: ProbeResult): boolean => r.outcome === 'healthy' || r.outcome === 'unhealthy';

/** The class of one node's result. */
export function nodeClass(r: ProbeResult): NodeClass {
  if (!answered(r)) return 'down';
  const status = r.node?.clusterStatus;
  if (status !== undefined && status.toLowerCase() !== 'primary') return 'non-primary';
  return r.healthy ? 'healthy' : 'unhealthy';
}

/** `Synced`, `non-Primary Initialized`, `timeout`: a node's state in a few words, for transitions. */
export function stateWords(row: NodeRow): string {
  if (row.class === 'down') return row.verdict;
  const state = row.state ?? 'answering';
  return row.primary === false ? `non-Primary ${state}` : state;
}

/** One node's row; `cluster` adds the component, the writer and the lag. */
export function nodeRow(r: ProbeResult, cluster?: ClusterResult): NodeRow {
  const n = answered(r) ? r.node : undefined;
  const component = cluster?.components.find((c) => c.targets.includes(r.target));
  let lag: number | null = null;
  if (n?.lastCommitted !== undefined && cluster) {
    // Only nodes of the same history compare: another cluster's seqnos mean nothing here.
    let highest = n.lastCommitted;
    for (const other of cluster.nodes) {
      const o = answered(other) ? other.node : undefined;
      if (o?.lastCommitted !== undefined && o.clusterStateUuid === n.clusterStateUuid)
        highest = Math.max(highest, o.lastCommitted);
    }
    lag = highest - n.lastCommitted;
  }
  return {
    target: r.target,
    name: n?.nodeName ?? null,
    verdict: r.healthy ? 'healthy' : answered(r) ? 'unhealthy' : r.outcome,
    class: nodeClass(r),
    primary: n?.clusterStatus !== undefined ? n.clusterStatus.toLowerCase() === 'primary' : null,
    state: n?.localStateComment ?? (n?.localState !== undefined ? `state ${n.localState}` : null),
    component: component ? componentLabel(component) : null,
    size: n?.clusterSize ?? null,
    recvQueue: n?.localRecvQueue ?? null,
    lastCommitted: n?.lastCommitted ?? null,
    lag,
    timeMs: Math.round(r.timings.total),
    writer: cluster?.writer === r.target,
    otherCluster: cluster?.otherCluster.includes(r.target) ?? false,
    reason: r.reason,
  };
}

/** Every node's row, in target order. */
export function clusterRows(cluster: ClusterResult): NodeRow[] {
  return cluster.nodes.map((r) => nodeRow(r, cluster));
}
