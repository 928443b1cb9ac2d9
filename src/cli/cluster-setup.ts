/**
 * `serve --cluster HOST:PORT,... [--writer-delay DUR]`: the options, and the ClusterView built
 * from them (one HealthCheck per other member; this node's own check is shared with /health).
 */
import { formatTarget, type ProbeOptions } from '../probe/options.js';
import { probe } from '../probe/probe.js';
import type { ClusterResult } from '../cluster/types.js';
import { MAX_CLUSTER_TARGETS } from '../cluster/probe-cluster.js';
import { ClusterView, clusterRoutes } from '../serve/cluster-view/index.js';
import { HealthCheck } from '../serve/health/index.js';
import type { Route } from '../serve/http/index.js';
import { parseTarget, type Values } from './args.js';
import { durationOption } from './duration.js';
import { UsageError } from './usage.js';

export const CLUSTER_SERVE_OPTIONS = {
  cluster: { type: 'string' },
  'writer-delay': { type: 'string' },
} as const;

/** `--cluster`'s list, each as `host:port` (port 3306 when omitted); no duplicates, no sockets. */
export function parseClusterList(text: string): string[] {
  const list: string[] = [];
  for (const item of text.split(',')) {
    const entry = item.trim();
    if (entry === '') throw new UsageError('--cluster: an empty entry; expected HOST:PORT,HOST:PORT,...');
    const t = parseTarget(entry);
    if (t.socketPath !== undefined || t.host === undefined)
      throw new UsageError(
        `--cluster: ${JSON.stringify(entry)} is not HOST:PORT (unix sockets cannot be compared across nodes)`,
      );
    const normalized = formatTarget(t.host, t.port ?? 3306);
    if (list.includes(normalized)) throw new UsageError(`--cluster: ${normalized} is listed twice`);
    list.push(normalized);
  }
  if (list.length > MAX_CLUSTER_TARGETS) throw new UsageError(`--cluster: at most ${MAX_CLUSTER_TARGETS} nodes`);
  return list;
}

export interface ClusterSetupInput {
  values: Values;
  /** This node's target, normalized (`host:port`); must be in the list. */
  self: string;
  /** This node's check, shared with /health. */
  selfCheck: HealthCheck;
  /** The probe options of this node; peers get the same but their own host and port. */
  base: ProbeOptions;
  cacheMs: number;
  maxAgeMs: number;
  waitMs: number;
  onChange: (view: ClusterResult, previous: ClusterResult | undefined) => void;
}

export interface ClusterSetup {
  view: ClusterView;
  targets: string[];
  routes: Record<string, Route>;
  /** Closes the peers' checks (this node's is closed with the server). */
  close: () => Promise<void>;
  summary: string;
}

export function clusterFrom(input: ClusterSetupInput): ClusterSetup | undefined {
  const { values } = input;
  const text = values['cluster'];
  const delayText = values['writer-delay'];
  if (typeof text !== 'string') {
    if (typeof delayText === 'string') throw new UsageError('--writer-delay needs --cluster');
    return undefined;
  }
  if (input.base.check === 'alive')
    throw new UsageError(
      '--cluster: --check alive reads nothing of Galera; the cluster is judged from the Galera check',
    );
  const targets = parseClusterList(text);
  if (!targets.includes(input.self)) {
    throw new UsageError(
      `--cluster: this node's target ${input.self} is not in the list (${targets.join(',')}); give the same host:port in both`,
    );
  }
  const writerDelayMs = durationOption(values, 'writer-delay', 0, 3_600_000, '0, 5s or 1500ms');
  const checks = new Map<string, HealthCheck>();
  for (const target of targets) {
    if (target === input.self) {
      checks.set(target, input.selfCheck);
      continue;
    }
    const { host, port } = parseTarget(target);
    const options: ProbeOptions = { ...input.base, host: host!, port: port! };
    delete options.socketPath;
    checks.set(
      target,
      new HealthCheck({
        probe: (signal) => probe({ ...options, signal }),
        cacheMs: input.cacheMs,
        maxAgeMs: input.maxAgeMs,
        waitMs: input.waitMs,
      }),
    );
  }
  const view = new ClusterView({
    self: input.self,
    targets,
    checks,
    expectSize: input.base.expectSize,
    writerDelayMs,
    onChange: input.onChange,
  });
  return {
    view,
    targets,
    routes: clusterRoutes(view),
    close: async () => {
      await Promise.all([...checks].filter(([t]) => t !== input.self).map(([, c]) => c.close()));
    },
    summary: `cluster of ${targets.length}: ${targets.join(',')}; this node ${input.self}; writer delay ${writerDelayMs} ms`,
  };
}
