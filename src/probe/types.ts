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
  /** The caller's AbortSignal fired (library only; the CLI never aborts a probe). */
  | 'aborted';

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
