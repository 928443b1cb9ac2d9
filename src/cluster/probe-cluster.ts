/**
 * Probes every target at once, each with its own phase deadlines and all within one overall
 * deadline, then judges the whole. The I/O around `judgeCluster`, and nothing more.
 */
import { now } from '../util/clock.js';
import { formatTarget, MAX_TIMEOUT_MS, type ProbeOptions } from '../probe/options.js';
import { probe } from '../probe/probe.js';
import { parseTarget, type Target } from '../probe/target.js';
import type { ProbeResult } from '../probe/types.js';
import { clusterResult, judgeCluster } from './judge.js';
import type { ClusterResult } from './types.js';

export interface ClusterOptions extends Omit<ProbeOptions, 'host' | 'port' | 'socketPath' | 'onEvent'> {
  /**
   * The nodes, in writer-preference order: `host:port`, `[v6]:port`, `host` (port 3306) or a
   * socket path, or Target objects. The same list on every observer gives the same writer.
   */
  targets: readonly (string | Target)[];
  /** Also probe the addresses the answering nodes publish in `wsrep_incoming_addresses`. */
  discover?: boolean;
  /** Runs one probe (tests give a scripted one); default: `probe`. */
  probe?: (options: ProbeOptions) => Promise<ProbeResult>;
}

/** At most this many targets in one judgement, seeds and discovered together. */
export const MAX_CLUSTER_TARGETS = 64;

function targetText(t: Target): string {
  if (t.socketPath !== undefined) return t.socketPath;
  return formatTarget(t.host ?? '127.0.0.1', t.port ?? 3306);
}

/**
 * The targets as probeCluster takes them: parsed, each once (`db1` and `db1:3306` are the
 * same), at most MAX_CLUSTER_TARGETS. Throws TypeError naming the problem; the CLI checks its
 * arguments with it before probing anything.
 */
export function clusterTargetList(targets: unknown): { text: string; target: Target }[] {
  if (!Array.isArray(targets) || targets.length === 0)
    throw new TypeError('galera-probe: option targets must be a non-empty array');
  if (targets.length > MAX_CLUSTER_TARGETS)
    throw new TypeError(`galera-probe: option targets: at most ${MAX_CLUSTER_TARGETS} targets`);
  const seen = new Set<string>();
  return targets.map((t: unknown) => {
    const target = typeof t === 'string' ? parseTarget(t) : (t as Target);
    if (typeof target !== 'object' || target === null)
      throw new TypeError('galera-probe: option targets: each target is a string or a {host, port} object');
    const text = targetText(target);
    if (seen.has(text)) throw new TypeError(`galera-probe: option targets: ${text} is given twice`);
    seen.add(text);
    return { text, target };
  });
}

/** `host:port` entries of `wsrep_incoming_addresses` that are not targets yet; `AUTO` and garbage skipped. */
export function discoverable(
  results: readonly ProbeResult[],
  known: ReadonlySet<string>,
): { found: { text: string; target: Target }[]; published: number } {
  const found: { text: string; target: Target }[] = [];
  const seen = new Set(known);
  let published = 0;
  for (const r of results) {
    for (const address of r.node?.incomingAddresses ?? []) {
      if (address === '' || address.toUpperCase() === 'AUTO') continue;
      let target: Target;
      try {
        target = parseTarget(address);
      } catch {
        continue;
      }
      if (target.socketPath !== undefined) continue;
      published++;
      const text = targetText(target);
      if (seen.has(text)) continue;
      seen.add(text);
      found.push({ text, target });
    }
  }
  return { found, published };
}

/**
 * Probes the cluster and judges it. Resolves by the overall deadline (`timeout`, default 2 s)
 * whatever the nodes do; rejects only for invalid options.
 */
export async function probeCluster(options: ClusterOptions): Promise<ClusterResult> {
  if (typeof options !== 'object' || options === null) throw new TypeError('galera-probe: options must be an object');
  const start = now();
  const { targets, discover, probe: probeOne = probe, ...shared } = options;
  const seeds = clusterTargetList(targets);
  const timeout = shared.timeout ?? 2000;
  if (typeof timeout !== 'number' || !(timeout > 0) || timeout > MAX_TIMEOUT_MS)
    throw new TypeError(`galera-probe: option timeout must be a number of milliseconds in (0, ${MAX_TIMEOUT_MS}]`);
  const deadline = start + timeout;

  const run = (list: { text: string; target: Target }[], budget: number): Promise<ProbeResult[]> =>
    Promise.all(list.map(({ target }) => probeOne({ ...shared, ...target, timeout: budget })));

  const nodes = await run(seeds, timeout);
  const notes: string[] = [];
  if (discover === true) {
    const { found, published } = discoverable(nodes, new Set(seeds.map((s) => s.text)));
    const room = Math.max(0, MAX_CLUSTER_TARGETS - seeds.length);
    const next = found.slice(0, room);
    if (published === 0) {
      notes.push(
        'discovery: no node published a usable address in wsrep_incoming_addresses (set wsrep_node_incoming_address on each node)',
      );
    } else if (found.length === 0) {
      notes.push('discovery: every published address is already a target');
    } else {
      if (found.length > next.length)
        notes.push(
          `discovery: ${found.length - next.length} address(es) left out (at most ${MAX_CLUSTER_TARGETS} targets)`,
        );
      const left = deadline - now();
      // Under a millisecond left: no time to connect anywhere; say so rather than start.
      const more = left >= 1 ? await run(next, left) : next.map(({ text }) => noTimeLeft(text));
      nodes.push(...more);
      notes.push(
        `discovery: ${next.length} target(s) added from wsrep_incoming_addresses: ${next.map((n) => n.text).join(', ')}`,
      );
    }
  }
  return clusterResult(judgeCluster(nodes, { expectSize: shared.expectSize }), nodes, now() - start, notes);
}

function noTimeLeft(target: string): ProbeResult {
  return {
    target,
    healthy: false,
    outcome: 'timeout',
    phase: 'connect',
    reason: 'the overall deadline passed before this discovered target could be probed',
    error: { code: 'TIMEOUT', message: 'no time left after discovery' },
    timings: { total: 0 },
  };
}
