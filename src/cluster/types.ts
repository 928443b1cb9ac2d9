import type { ProbeResult } from '../probe/types.js';

/**
 * The cluster as a whole:
 * - `healthy`: every target answered, is healthy, and all are in one Primary component;
 * - `degraded`: exactly one Primary component, but some target is unhealthy, unreachable,
 *   outside it, or of another cluster (a small component alone is not a minority: nodes that
 *   leave cleanly lower Galera's quorum base);
 * - `split-brain`: two or more Primary components with no member in common;
 * - `no-primary`: no answering node is in a Primary component (quorum lost);
 * - `unreachable`: no target answered at all.
 */
export type ClusterVerdict = 'healthy' | 'degraded' | 'split-brain' | 'no-primary' | 'unreachable';

export const CLUSTER_VERDICTS: readonly ClusterVerdict[] = [
  'healthy',
  'degraded',
  'split-brain',
  'no-primary',
  'unreachable',
];

/** How a component's member set is known. */
export type Identification =
  /** `mysql.wsrep_cluster_members` (Galera 4): the member uuids. */
  | 'members'
  /** `wsrep_incoming_addresses`, when every entry is a real address. */
  | 'addresses'
  /** Size, configuration id and state uuid only: who is in it is not known. */
  | 'status';

export interface Component {
  /** Member names (`wsrep_node_name`, else the address, else the uuid), sorted; `[]` when unknown. */
  members: string[];
  /** What Galera says: the nodes of this component report `Primary`. */
  primary: boolean;
  /** Primary, but smaller than a majority of `--expect-size`: it does not count as Primary for the verdict. */
  minority: boolean;
  /** Members, as the component reports its size (it counts members that are not targets, such as garbd). */
  size: number;
  /** `wsrep_cluster_conf_id` (the highest reported), or null. */
  confId: number | null;
  /** `wsrep_cluster_state_uuid`, or null. */
  stateUuid: string | null;
  /** The targets (as given) that reported being in it, in target order. */
  targets: string[];
  identifiedBy: Identification;
  /** Its nodes report different member sets: a view change is in progress. */
  changing: boolean;
}

export interface ClusterTimings {
  /** Milliseconds from the start to the verdict. */
  total: number;
}

export interface ClusterResult {
  verdict: ClusterVerdict;
  /** One sentence. */
  reason: string;
  /** The target (as given) that should take writes, or null. */
  writer: string | null;
  /** `no-primary` only: the answering node with the highest `wsrep_last_committed`. */
  bootstrapCandidate: string | null;
  expectSize: number | null;
  components: Component[];
  /** One single-node result per target, in target order (seeds first, then discovered). */
  nodes: ProbeResult[];
  /** Targets whose `wsrep_cluster_state_uuid` differs from the majority's: another cluster, or a diverged history. */
  otherCluster: string[];
  /** Remarks that do not change the verdict (discovery, missing members table). */
  notes: string[];
  timings: ClusterTimings;
}

/** The judgement alone: what `judgeCluster` returns, before nodes and timings are attached. */
export type Judgement = Omit<ClusterResult, 'nodes' | 'timings' | 'notes'> & { notes: string[] };
