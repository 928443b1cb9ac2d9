export { judgeCluster, componentLabel, type JudgeOptions } from './judge.js';
export {
  probeCluster,
  clusterTargetList,
  discoverable,
  MAX_CLUSTER_TARGETS,
  type ClusterOptions,
} from './probe-cluster.js';
export { CLUSTER_EXIT_CODES, clusterExitCodeFor } from './exit-codes.js';
export { CLUSTER_VERDICTS } from './types.js';
export type { ClusterResult, ClusterTimings, ClusterVerdict, Component, Identification, Judgement } from './types.js';
