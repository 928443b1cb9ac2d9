/**
 * A real Galera arbitrator (garbd) in the cluster: a fourth member that votes, holds no data and
 * publishes no address. `cluster` judges the three nodes as before and names garbd in the
 * component, `--discover` skips its empty address, and with garbd a data node cut off from a
 * two-node cluster leaves the other node Primary (degraded, not no-primary): the reason garbd exists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  type CliRun,
  cluster,
  type Garbd,
  isolate,
  json,
  node,
  restartMissing,
  show,
  shutdown,
  sql,
  startGarbd,
  waitAllSynced,
  waitFor,
  wsrepState,
} from './support/cluster.js';

const native = (): string[] => ['-u', cluster().user.native.user];
const pwEnv = (): NodeJS.ProcessEnv => ({ MYSQL_PWD: cluster().user.native.password });

interface ClusterJson {
  verdict: string;
  reason: string;
  writer: string | null;
  components: { members: string[]; primary: boolean; size: number; targets: string[] }[];
  nodes: { target: string; healthy: boolean; outcome: string }[];
}

async function judge(targets: string[], extra: string[] = []): Promise<{ run: CliRun; result: ClusterJson }> {
  const run = await cli(['cluster', ...native(), '--json', ...extra, ...targets], pwEnv());
  return { run, result: json(run) as unknown as ClusterJson };
}

let garbd: Garbd | undefined;

beforeAll(async () => {
  await waitAllSynced();
  garbd = await startGarbd();
});

afterAll(async () => {
  await garbd?.stop();
  await waitAllSynced();
});

describe('garbd joined: four members, three of them nodes', () => {
  it('the nodes count it, list it with an empty address, and cluster is healthy naming it in the component', async () => {
    const s = show(1, 'STATUS', ['wsrep_cluster_size', 'wsrep_incoming_addresses']);
    expect(s['wsrep_cluster_size']).toBe('4');
    // garbd's entry in wsrep_incoming_addresses is empty.
    expect((s['wsrep_incoming_addresses'] ?? '').split(',').sort()).toEqual(
      ['', ...cluster().nodes.map((x) => x.target)].sort(),
    );
    const { run, result } = await judge(cluster().nodes.map((x) => x.target));
    expect(run.code, run.stdout).toBe(0);
    expect(result).toMatchObject({ verdict: 'healthy', writer: node(1).target });
    expect(result.components).toHaveLength(1);
    expect(result.components[0]!.members).toEqual(['garbd', 'node1', 'node2', 'node3']);
    expect(result.components[0]).toMatchObject({ primary: true, size: 4 });
  });

  it('--discover from one node adds the two other nodes and skips garbd (no address)', async () => {
    const { run, result } = await judge([node(1).target], ['--discover']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(result.nodes.map((x) => x.target).sort()).toEqual(
      cluster()
        .nodes.map((x) => x.target)
        .sort(),
    );
    expect(result.verdict).toBe('healthy');
  });
});

describe('garbd keeps the quorum', () => {
  it('node 3 leaves cleanly, node 2 is cut off: node 1 and garbd stay Primary; degraded, exit 1, writer node 1; all back after', async () => {
    await shutdown(3);
    try {
      await waitFor(
        'node 1 Primary with node 2 and garbd',
        () => {
          const s = wsrepState(1);
          return s.status === 'Primary' && s.size === 3;
        },
        60_000,
      );
      // Without garbd this is quorum loss (one of two); with it, two of three remain.
      await isolate(2);
      await waitFor(
        'node 1 Primary with garbd alone',
        () => {
          const s = wsrepState(1);
          return s.status === 'Primary' && s.state === 4 && s.size === 2;
        },
        60_000,
      );
      const { run, result } = await judge(cluster().nodes.map((x) => x.target));
      expect(run.code, run.stdout).toBe(1);
      expect(result).toMatchObject({ verdict: 'degraded', writer: node(1).target });
      expect(result.nodes.map((x) => x.outcome)).toEqual(['healthy', 'unhealthy', 'unreachable']);
      const primary = result.components.filter((c) => c.primary);
      expect(primary).toHaveLength(1);
      expect(primary[0]).toMatchObject({ members: ['garbd', 'node1'], size: 2 });
    } finally {
      // Node 2 back (not rejoin(): node 3 is down), garbd out, then node 3 restarted.
      sql(2, "SET GLOBAL wsrep_provider_options='gmcast.isolate=0'");
      await garbd?.stop();
      await restartMissing();
    }
    const { run } = await judge(cluster().nodes.map((x) => x.target));
    expect(run.code, run.stdout).toBe(0);
  });
});
