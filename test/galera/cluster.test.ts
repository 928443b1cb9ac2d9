/**
 * `galera-probe cluster` against the real three-node cluster, each verdict produced for real:
 * all synced, one node desynced, one isolated (the writer stays, or moves when it was the
 * writer), a split brain made with gmcast.isolate + pc.bootstrap and healed by a full state
 * transfer, quorum lost and re-formed, and a clean shrink by SHUTDOWN and the nodes' return.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  type CliRun,
  cluster,
  healSplitBrain,
  isolate,
  json,
  node,
  rejoin,
  restartMissing,
  show,
  shutdown,
  splitBrain,
  sql,
  waitAllSynced,
  waitFor,
  wsrepState,
} from './support/cluster.js';

const native = (): string[] => ['-u', cluster().user.native.user];
const pwEnv = (): NodeJS.ProcessEnv => ({ MYSQL_PWD: cluster().user.native.password });
const targets = (order = [1, 2, 3]): string[] => order.map((n) => node(n).target);

interface ClusterJson {
  verdict: string;
  reason: string;
  writer: string | null;
  bootstrapCandidate: string | null;
  components: {
    members: string[];
    primary: boolean;
    minority: boolean;
    size: number;
    targets: string[];
    identifiedBy: string;
  }[];
  nodes: { target: string; healthy: boolean; outcome: string; node?: Record<string, unknown> }[];
  otherCluster: string[];
}

async function judge(extra: string[] = [], order = [1, 2, 3]): Promise<{ run: CliRun; result: ClusterJson }> {
  const run = await cli(['cluster', ...native(), '--json', ...extra, ...targets(order)], pwEnv());
  return { run, result: json(run) as unknown as ClusterJson };
}

/** Polls `cluster --json` until `accept` holds (the nodes settle a view change in seconds). */
async function judgeUntil(
  what: string,
  accept: (r: ClusterJson) => boolean,
  extra: string[] = [],
  order = [1, 2, 3],
): Promise<{ run: CliRun; result: ClusterJson }> {
  let last: { run: CliRun; result: ClusterJson } | undefined;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    last = await judge(extra, order);
    if (accept(last.result)) return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out waiting for ${what}; last: ${last?.run.stdout}`);
}

beforeAll(async () => {
  await waitAllSynced();
});

afterAll(async () => {
  // Leave the cluster as found, whatever failed: clear isolation and desync, start missing nodes.
  for (const { n } of cluster().nodes) {
    try {
      sql(n, "SET GLOBAL wsrep_desync=OFF, GLOBAL wsrep_provider_options='gmcast.isolate=0'");
    } catch {
      // A node that is down is started below.
    }
  }
  await restartMissing();
});

describe('a synced cluster', () => {
  it('is healthy, exit 0: one Primary component of three named members, node 1 writes', async () => {
    const { run, result } = await judge();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(result).toMatchObject({
      verdict: 'healthy',
      writer: node(1).target,
      bootstrapCandidate: null,
      otherCluster: [],
    });
    const names = cluster()
      .nodes.map(({ n }) => show(n, 'VARIABLES', ['wsrep_node_name'])['wsrep_node_name']!)
      .sort();
    expect(result.components).toHaveLength(1);
    expect(result.components[0]).toMatchObject({
      members: names,
      primary: true,
      size: 3,
      identifiedBy: 'members',
      targets: targets(),
    });
    // The facts of the cluster view, as the server reports them.
    const status = show(2, 'STATUS', ['wsrep_cluster_state_uuid', 'wsrep_gcomm_uuid', 'wsrep_cluster_conf_id']);
    expect(result.nodes[1]!.node).toMatchObject({
      clusterStateUuid: status['wsrep_cluster_state_uuid'],
      gcommUuid: status['wsrep_gcomm_uuid'],
      clusterConfId: Number(status['wsrep_cluster_conf_id']),
    });
  });

  it('the writer is the first target given, whatever the order', async () => {
    const { result } = await judge([], [3, 1, 2]);
    expect(result.writer).toBe(node(3).target);
  });

  it('a user that may not read mysql.wsrep_cluster_members: components from the published addresses', async () => {
    const tls = cluster().user.tls;
    const run = await cli(['cluster', '-u', tls.user, '--ssl-mode', 'REQUIRED', '--json', ...targets()], {
      MYSQL_PWD: tls.password,
    });
    expect(run.code, run.stdout).toBe(0);
    const result = json(run) as unknown as ClusterJson;
    expect(result.components[0]).toMatchObject({ identifiedBy: 'addresses', members: targets() });
    expect(String(result.nodes[0]!.node?.['membersUnavailable'])).toMatch(/^1142 /);
  });

  it('the human output: one line per node, the writer marked, then the cluster line', async () => {
    const run = await cli(['cluster', ...native(), ...targets()], pwEnv());
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /^127\.0\.0\.1:\d+\s+healthy\s+Primary\s+Synced\s+size 3\s+\{.+\}\s+committed \d+\s+recvq \d+\s+\d+ ms\s+writer$/,
    );
    expect(lines[3]).toMatch(
      /^cluster healthy: 3 of 3 nodes healthy in one Primary component \{.+\}; writer 127\.0\.0\.1:\d+ \(\d+ ms\)$/,
    );
  });
});

describe('one node out of rotation', () => {
  it('desynced writer (Donor/Desynced): degraded, exit 1, and the writer moves to node 2', async () => {
    sql(1, 'SET GLOBAL wsrep_desync=ON');
    try {
      await waitFor('node 1 Donor/Desynced', () => wsrepState(1).state === 2, 30_000);
      const { run, result } = await judge();
      expect(run.code).toBe(1);
      expect(result).toMatchObject({ verdict: 'degraded', writer: node(2).target });
      expect(result.reason).toMatch(/not synced: Donor\/Desynced/);
    } finally {
      sql(1, 'SET GLOBAL wsrep_desync=OFF');
    }
    await waitAllSynced();
  });

  it('node 3 isolated: degraded, writer unchanged; node 1 isolated: the writer moves', async () => {
    await isolate(3);
    try {
      const { run, result } = await judgeUntil('node 3 outside, nodes 1-2 in one component of 2', (r) =>
        r.components.some((c) => c.primary && c.size === 2),
      );
      expect(run.code).toBe(1);
      expect(result).toMatchObject({ verdict: 'degraded', writer: node(1).target });
      expect(result.nodes[2]).toMatchObject({ healthy: false, outcome: 'unhealthy' });
    } finally {
      await rejoin([3]);
    }
    await isolate(1);
    try {
      const { result } = await judgeUntil('nodes 2-3 Primary without node 1', (r) =>
        r.components.some((c) => c.primary && c.size === 2),
      );
      expect(result).toMatchObject({ verdict: 'degraded', writer: node(2).target });
    } finally {
      await rejoin([1]);
    }
  });
});

describe('a real split brain', () => {
  beforeAll(async () => {
    await splitBrain(3);
  });

  afterAll(async () => {
    await healSplitBrain(3);
  });

  it('each side alone looks healthy to a single-node probe: the problem this command exists for', async () => {
    const three = await cli([...native(), '--json', node(3).target], pwEnv());
    expect(three.code, three.stdout).toBe(0);
    expect(json(three).node).toMatchObject({ clusterStatus: 'Primary', localState: 4, clusterSize: 1 });
    expect((await cli([...native(), node(1).target], pwEnv())).code).toBe(0);
  });

  it('cluster says split-brain, exit 8, two Primary components, and the writer is never node 3', async () => {
    const { run, result } = await judge();
    expect(run.code, run.stdout).toBe(8);
    expect(result.verdict).toBe('split-brain');
    expect(
      result.components
        .filter((c) => c.primary)
        .map((c) => c.size)
        .sort(),
    ).toEqual([1, 2]);
    expect(result.writer).toBe(node(1).target);
    // Same history and configuration id on both sides, and wsrep_local_index 0 on node 1 and node 3.
    const n1 = result.nodes[0]!.node!;
    const n3 = result.nodes[2]!.node!;
    expect(n3['clusterStateUuid']).toBe(n1['clusterStateUuid']);
    expect([n1['localIndex'], n3['localIndex']]).toEqual([0, 0]);
    // Node 3 listed first still does not get the writer.
    const reordered = await judge([], [3, 1, 2]);
    expect(reordered.result.writer).toBe(node(1).target);
    const human = await cli(['cluster', ...native(), ...targets()], pwEnv());
    expect(human.stdout).toMatch(
      /^cluster split-brain: 2 Primary components \(\{.+,.+\}, \{.+\}\); \{.+\} holds a majority of 3; writer 127\.0\.0\.1:\d+/m,
    );
  });

  it('--expect-size 3 makes node 3 alone unhealthy (minority component), node 1 stays healthy', async () => {
    const three = await cli([...native(), '--expect-size', '3', '--json', node(3).target], pwEnv());
    expect(three.code).toBe(1);
    expect(json(three)).toMatchObject({ healthy: false, reason: 'minority component: 1 of 3 nodes' });
    expect((await cli([...native(), '--expect-size', '3', node(1).target], pwEnv())).code).toBe(0);
    const { run, result } = await judge(['--expect-size', '3']);
    expect(run.code).toBe(8);
    expect(result.writer).toBe(node(1).target);
  });
});

describe('after the split brain is healed', () => {
  it('node 3 rejoined by a full state transfer: healthy again, writer node 1', async () => {
    const { run, result } = await judge();
    expect(run.code, run.stdout).toBe(0);
    expect(result).toMatchObject({ verdict: 'healthy', writer: node(1).target });
  });
});

describe('quorum lost', () => {
  it('two of three isolated: no-primary, exit 9, a bootstrap candidate named; isolate=0 re-forms the component', async () => {
    sql(2, "SET GLOBAL wsrep_provider_options='gmcast.isolate=1'");
    sql(3, "SET GLOBAL wsrep_provider_options='gmcast.isolate=1'");
    try {
      await waitFor(
        'all three non-Primary',
        () => cluster().nodes.every(({ n }) => wsrepState(n).status !== 'Primary'),
        60_000,
      );
      const { run, result } = await judge();
      expect(run.code, run.stdout).toBe(9);
      expect(result).toMatchObject({ verdict: 'no-primary', writer: null });
      const committed = cluster().nodes.map(({ n }) =>
        Number(show(n, 'STATUS', ['wsrep_last_committed'])['wsrep_last_committed']),
      );
      const best = committed.indexOf(Math.max(...committed));
      expect(result.bootstrapCandidate).toBe(node(best + 1).target);
      expect(result.reason).toMatch(/quorum lost.*bootstrap candidate/);
    } finally {
      await rejoin([2, 3]);
    }
    const { run } = await judge();
    expect(run.code).toBe(0);
  });
});

describe('a clean shrink', () => {
  it('SHUTDOWN on nodes 3 then 2: degraded, exit 1, writer node 1; with --expect-size 3 no-primary; they come back', async () => {
    await shutdown(3);
    await shutdown(2);
    try {
      await waitFor(
        'node 1 Primary alone',
        () => {
          const s = wsrepState(1);
          return s.status === 'Primary' && s.size === 1;
        },
        60_000,
      );
      const { run, result } = await judge();
      expect(run.code, run.stdout).toBe(1);
      expect(result).toMatchObject({ verdict: 'degraded', writer: node(1).target });
      expect(result.nodes.slice(1).map((n) => n.outcome)).toEqual(['unreachable', 'unreachable']);
      const strict = await judge(['--expect-size', '3']);
      expect(strict.run.code).toBe(9);
      expect(strict.result).toMatchObject({ verdict: 'no-primary', writer: null, bootstrapCandidate: node(1).target });
    } finally {
      await restartMissing();
    }
    const { run } = await judge();
    expect(run.code, run.stdout).toBe(0);
  });
});
