export { probe } from './probe/probe.js';
export type { ProbeOptions, SslMode, PemSource } from './probe/options.js';
export type {
  Check,
  Member,
  NodeInfo,
  Outcome,
  Phase,
  ProbeError,
  ProbeEvent,
  ProbeResult,
  ServerVerification,
  Timings,
} from './probe/types.js';
export { OUTCOMES } from './probe/types.js';
export type { Target } from './probe/target.js';
export { probeCluster, judgeCluster, CLUSTER_EXIT_CODES, clusterExitCodeFor } from './cluster/index.js';
export type { ClusterOptions, ClusterResult, ClusterVerdict, Component, JudgeOptions } from './cluster/index.js';
export { EXIT_CODES, exitCodeFor } from './probe/exit-codes.js';
export { VERSION } from './version.js';
export { HealthCheck, createHealthServer, shutdownHealthServer, readinessLine, liveness } from './serve/index.js';
export type { HealthCheckOptions, HealthServerOptions, Answer, CheckVerdict, VerdictChange } from './serve/index.js';
/** @deprecated CheckVerdict's earlier name, kept so that existing imports still compile. */
export type { CheckVerdict as Verdict } from './serve/index.js';
export { Metrics } from './serve/index.js';
