import type { ProbeEvent, ProbeResult } from '../probe/types.js';

const ms = (value: number): string => `${Math.round(value)} ms`;

/** The one human line for a result, e.g. `127.0.0.1:3311 healthy: Synced, Primary, 3 nodes (4 ms)`. */
export function humanLine(r: ProbeResult): string {
  const total = ms(r.timings.total);
  if (r.outcome === 'healthy') {
    const n = r.node;
    if (n?.localStateComment !== undefined && n.clusterStatus !== undefined) {
      const size = n.clusterSize === undefined ? '' : `, ${n.clusterSize} node${n.clusterSize === 1 ? '' : 's'}`;
      return `${r.target} healthy: ${n.localStateComment}, ${n.clusterStatus}${size} (${total})`;
    }
    return `${r.target} healthy: ${r.reason}${n?.version ? `, ${n.version}` : ''} (${total})`;
  }
  if (r.outcome === 'unhealthy') return `${r.target} unhealthy: ${r.reason} (${total})`;
  if (r.outcome === 'timeout' && r.error?.limitMs !== undefined) {
    return `${r.target} timeout in ${r.phase} after ${ms(r.error.limitMs)}: ${r.reason}`;
  }
  return `${r.target} ${r.outcome} in ${r.phase}: ${r.reason} (${total})`;
}

/** A `--verbose` trace line. */
export function traceLine(e: ProbeEvent): string {
  return `galera-probe: ${e.at.toFixed(1).padStart(7)} ms ${e.phase} ${e.event}${e.detail ? `: ${e.detail}` : ''}`;
}
