import type { ClusterResult } from './types.js';

/** `cluster split-brain: 2 Primary components ({n1,n2}, {n3}); ...; writer 127.0.0.1:3311 (4 ms)` */
export function clusterLine(result: ClusterResult): string {
  return `cluster ${result.verdict}: ${result.reason}; writer ${result.writer ?? 'none'} (${Math.round(result.timings.total)} ms)`;
}
