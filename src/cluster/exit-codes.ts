import type { ClusterVerdict } from './types.js';

/**
 * Stable exit codes of `galera-probe cluster`, documented in docs/galera.md. 0-2 mean what they
 * mean for one node; 8 and 9 are the cluster's own, clear of the single-node codes (0-7).
 */
export const CLUSTER_EXIT_CODES = {
  healthy: 0,
  degraded: 1,
  unreachable: 2,
  'split-brain': 8,
  'no-primary': 9,
  usage: 64,
} as const satisfies Record<ClusterVerdict | 'usage', number>;

export function clusterExitCodeFor(verdict: ClusterVerdict): number {
  return CLUSTER_EXIT_CODES[verdict];
}
