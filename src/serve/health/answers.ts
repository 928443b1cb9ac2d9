/** A check's answer read three ways: a readiness line, liveness, and a probe result. */
import type { ProbeResult } from '../../probe/types.js';
import type { Answer } from './health-check.js';

/** The one-line text body for readiness. */
export function readinessLine(answer: Answer): string {
  if (answer.kind === 'maintenance') return 'maintenance';
  if (answer.kind === 'none') return `unknown: ${answer.reason}`;
  const r = answer.result;
  if (r.healthy) return r.reason;
  if (r.outcome === 'unhealthy') return `not ready: ${r.reason}`;
  return `${r.outcome}${r.phase ? ` in ${r.phase}` : ''}: ${r.reason}`;
}

/**
 * Liveness: the node answered and, when it is a Galera node, is in a Primary component. A
 * donor or joiner is alive; a node cut off from its cluster or not answering is not. A drain
 * (maintenance) is not a reason to restart anything: alive, without touching the database.
 */
export function liveness(answer: Answer): { live: boolean; line: string } {
  if (answer.kind === 'maintenance') return { live: true, line: 'live: maintenance (not checked)' };
  if (answer.kind === 'none') return { live: false, line: `not live: ${answer.reason}` };
  const r = answer.result;
  if (r.outcome !== 'healthy' && r.outcome !== 'unhealthy')
    return { live: false, line: `not live: ${readinessLine(answer)}` };
  const status = r.node?.clusterStatus;
  if (status !== undefined && status !== 'Primary') return { live: false, line: `not live: ${r.reason}` };
  return {
    live: true,
    line:
      status === undefined
        ? 'live'
        : `live: ${status}${r.node?.localStateComment ? `, ${r.node.localStateComment}` : ''}`,
  };
}

/** The answer as the JSON body of /health and /live. */
export function answerJson(answer: Answer): Record<string, unknown> {
  if (answer.kind === 'result') return { ...answer.result };
  if (answer.kind === 'maintenance') return { healthy: false, outcome: 'maintenance', reason: 'maintenance' };
  return { healthy: false, outcome: 'unknown', reason: answer.reason };
}

/** A check's answer as a probe result a judgement can read (maintenance and no answer in time as unhealthy and timeout). */
export function resultOf(target: string, answer: Answer): ProbeResult {
  if (answer.kind === 'result') return answer.result;
  if (answer.kind === 'maintenance')
    return { target, healthy: false, outcome: 'unhealthy', reason: 'maintenance', timings: { total: 0 } };
  return {
    target,
    healthy: false,
    outcome: 'timeout',
    reason: answer.reason,
    error: { code: 'TIMEOUT', message: answer.reason },
    timings: { total: 0 },
  };
}
