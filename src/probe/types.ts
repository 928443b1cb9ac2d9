/** Phases of a probe, in order. `tls` happens only when TLS is negotiated. */
export type Phase = 'connect' | 'tls' | 'greeting' | 'auth' | 'query';

export const PHASES: readonly Phase[] = ['connect', 'tls', 'greeting', 'auth', 'query'];

export type Outcome =
  | 'healthy'
  | 'unhealthy'
  | 'unreachable'
  | 'timeout'
  | 'access-denied'
  | 'protocol-error'
  | 'server-error'
  /**
   * TLS that no CA verified, and the server's proof after the login (MariaDB 11.4+) does not
   * match the certificate this connection saw: something in between terminated TLS with a
   * certificate of its own (a relay, a man in the middle). Never healthy.
   */
  | 'certificate-mismatch'
  /** The caller's AbortSignal fired (library only; the CLI never aborts a probe). */
  | 'aborted';

/** Every outcome, in the order of their exit codes (for tables and one-hot gauges). */
export const OUTCOMES: readonly Outcome[] = [
  'healthy',
  'unhealthy',
  'unreachable',
  'timeout',
  'access-denied',
  'protocol-error',
  'server-error',
  'aborted',
  'certificate-mismatch',
];

/**
 * How the server's identity was established: `ca` (a CA verified its certificate),
 * `fingerprint` (no CA did, but its proof after the login matches the certificate this
 * connection saw: MariaDB 11.4+), `none` (not verified: plain TCP, a unix socket, or TLS with
 * no CA and no proof).
 */
export type ServerVerification = 'ca' | 'fingerprint' | 'none';

export type Check = 'galera' | 'alive';

export interface ProbeError {
  /** Stable: TIMEOUT, ABORTED, ECONNREFUSED, ECONNRESET, ENOTFOUND, ENOENT, CONNECTION_CLOSED, ACCESS_DENIED, AUTH_UNSUPPORTED, SERVER_ERROR, TLS_*, and the protocol codes. */
  code: string;
  message: string;
  /** Server errors: the ERR packet's error number and SQL state. */
  errno?: number;
  sqlState?: string;
  /** Timeouts: the limit that passed, in ms. */
  limitMs?: number;
}

/** What the node reported. Galera fields are present only when the server reports them. */
export interface NodeInfo {
  version: string;
  connectionId?: number;
  authPlugin?: string;
  tls?: boolean;
  /** Set once authentication is done. */
  serverVerification?: ServerVerification;
  wsrepOn?: boolean;
  clusterStatus?: string;
  localState?: number;
  localStateComment?: string;
  ready?: boolean;
  connected?: boolean;
  desync?: boolean;
  rejectQueries?: string;
  sstDonorRejectsQueries?: boolean;
  readOnly?: boolean;
  maintMode?: string;
  clusterSize?: number;
  localRecvQueue?: number;
  /** `wsrep_cluster_state_uuid`: the cluster's history; another value is another cluster or a diverged one. */
  clusterStateUuid?: string;
  /** `wsrep_cluster_conf_id`: the number of the membership view this node is in. */
  clusterConfId?: number;
  /** `wsrep_gcomm_uuid`: this node's identity in the group (the members table's node_uuid). */
  gcommUuid?: string;
  /** `wsrep_local_index`: node-local, and reused on both sides of a split brain. */
  localIndex?: number;
  /** `wsrep_last_committed`: the seqno of the last transaction this node committed. */
  lastCommitted?: number;
  /** `wsrep_node_name`. */
  nodeName?: string;
  /** `wsrep_incoming_addresses`, split at commas (`AUTO` or empty where a node publishes none). */
  incomingAddresses?: string[];
  /** `wsrep_flow_control_paused_ns`: nanoseconds paused by flow control, a counter. */
  flowControlPausedNs?: number;
  /** `wsrep_flow_control_paused`: the fraction of time paused since the last FLUSH STATUS (older servers). */
  flowControlPaused?: number;
  localSendQueue?: number;
  /**
   * The members of this node's Primary component, from `mysql.wsrep_cluster_members`
   * (Galera 4). Absent on a non-Primary node, where the SELECT fails with 1047, and where
   * the table is missing or the probe user may not read it (`membersUnavailable` says which).
   */
  members?: Member[];
  /** Why `members` is absent on a node that answered: the server's error, e.g. `1142 SELECT command denied`. */
  membersUnavailable?: string;
}

export interface Member {
  /** node_uuid: the member's `wsrep_gcomm_uuid`. */
  uuid: string;
  name: string;
  /** node_incoming_address: `host:port`, or `AUTO` / empty when the member publishes none (garbd). */
  address: string;
}

export type Timings = Partial<Record<Phase, number>> & { total: number };

export interface ProbeResult {
  target: string;
  healthy: boolean;
  outcome: Outcome;
  /** The phase that failed; absent when the node answered (healthy or unhealthy). */
  phase?: Phase;
  /** One sentence. */
  reason: string;
  error?: ProbeError;
  node?: NodeInfo;
  /** Milliseconds spent in each phase reached, and in all. */
  timings: Timings;
}

/** A step of the probe, for tracing (`--verbose`). Never carries secrets. */
export interface ProbeEvent {
  phase: Phase | 'close';
  event: 'start' | 'end' | 'fail';
  /** ms since the probe started. */
  at: number;
  detail?: string;
}
