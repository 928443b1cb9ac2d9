import { componentLabel } from '../cluster/judge.js';
import type { ClusterResult } from '../cluster/types.js';
import type { ProbeResult } from '../probe/types.js';
import { humanLine } from './format.js';

const ms = (value: number): string => `${Math.round(value)} ms`;

/** `cluster split-brain: 2 Primary components ({n1,n2}, {n3}); ...; writer 127.0.0.1:3311 (4 ms)` */
export function clusterLine(result: ClusterResult): string {
  return `cluster ${result.verdict}: ${result.reason}; writer ${result.writer ?? 'none'} (${ms(result.timings.total)})`;
}

/** The columns of one node's line; a node that did not answer gets its single-probe line. */
function nodeColumns(r: ProbeResult, result: ClusterResult): string[] {
  const n = r.node;
  if ((r.outcome !== 'healthy' && r.outcome !== 'unhealthy') || n?.localState === undefined) {
    return [humanLine(r)];
  }
  const component = result.components.find((c) => c.targets.includes(r.target));
  return [
    r.target,
    r.healthy ? 'healthy' : 'unhealthy',
    n.clusterStatus ?? '-',
    n.localStateComment ?? `state ${n.localState}`,
    `size ${n.clusterSize ?? '-'}`,
    component ? componentLabel(component) : '-',
    `committed ${n.lastCommitted ?? '-'}`,
    `recvq ${n.localRecvQueue ?? '-'}`,
    ms(r.timings.total),
    result.otherCluster.includes(r.target) ? 'other-cluster' : result.writer === r.target ? 'writer' : '',
  ];
}

/** The cluster's human output: one aligned line per node, then one line for the cluster. */
export function clusterLines(result: ClusterResult): string[] {
  const rows = result.nodes.map((r) => nodeColumns(r, result));
  const widths: number[] = [];
  for (const row of rows)
    if (row.length > 1) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const lines = rows.map((row, i) => {
    if (row.length === 1) return row[0]!;
    const r = result.nodes[i]!;
    const line = row
      .map((cell, j) => cell.padEnd(widths[j]!))
      .join('  ')
      .trimEnd();
    return r.healthy ? line : `${line}  (${r.reason})`;
  });
  lines.push(clusterLine(result));
  for (const note of result.notes) lines.push(`note: ${note}`);
  return lines;
}
