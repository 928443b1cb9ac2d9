/**
 * `galera-probe cluster [options] <target>...`: every target probed at once, the whole judged.
 * Thin: options in, one judgement out, printed; the judging is src/cluster's.
 */
import { clusterExitCodeFor } from '../cluster/exit-codes.js';
import { type ClusterOptions, clusterTargetList, probeCluster } from '../cluster/probe-cluster.js';
import { parse, PROBE_OPTIONS, sharedProbeOptionsFrom, type Values } from './args.js';
import { clusterLines } from './cluster-format.js';
import type { Io } from './io.js';
import { UsageError } from './usage.js';

const CLUSTER_OPTIONS = {
  ...PROBE_OPTIONS,
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  discover: { type: 'boolean' },
} as const;

/** What `cluster` and `watch` refuse alike: --verbose, no target, too many, one given twice. */
export function checkClusterArguments(command: string, values: Values, positionals: readonly string[]): void {
  if (values['verbose'] === true)
    throw new UsageError(
      `${command}: --verbose traces one probe; use galera-probe -v <target> on the node in question`,
    );
  if (positionals.length === 0)
    throw new UsageError(
      `${command}: give the cluster's targets, e.g. galera-probe ${command} 10.0.0.1:3306 10.0.0.2:3306 10.0.0.3:3306`,
    );
  try {
    clusterTargetList(positionals);
  } catch (err) {
    if (err instanceof TypeError)
      throw new UsageError(`${command}: ${err.message.replace(/^galera-probe: option targets: /, '')}`);
    throw err;
  }
}

/**
 * The probe options of `cluster` and `watch` for their targets (checked first with
 * checkClusterArguments); usage errors are thrown here, before anything connects.
 */
export function clusterOptionsFrom(values: Values, positionals: readonly string[], io: Io): ClusterOptions {
  const { options } = sharedProbeOptionsFrom(values, {
    env: io.env,
    warn: (line) => io.stderr(`galera-probe: ${line}\n`),
  });
  return { ...options, targets: [...positionals], discover: values['discover'] === true };
}

export async function clusterCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, CLUSTER_OPTIONS);
  checkClusterArguments('cluster', values, positionals);
  const options = clusterOptionsFrom(values, positionals, io);
  if (options.check === 'alive')
    throw new UsageError('cluster: --check alive reads nothing of Galera; the cluster is judged from the Galera check');
  const result = await probeCluster(options);
  if (values['json'] === true) io.stdout(`${JSON.stringify(result)}\n`);
  else if (values['quiet'] !== true) io.stdout(`${clusterLines(result).join('\n')}\n`);
  return clusterExitCodeFor(result.verdict);
}
