/**
 * Verdicts against what the real nodes report: synced, desynced (Donor/Desynced), read-only
 * and isolated (non-Primary), each state produced on a live MariaDB Galera node and each
 * verdict checked through the CLI (exit code, JSON) and the library.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src/index.js';
import { cli, cluster, json, node, show, sql, waitAllSynced, waitFor, wsrepState } from './support/cluster.js';

const native = (): string[] => ['-u', cluster().user.native.user];
const pwEnv = (): NodeJS.ProcessEnv => ({ MYSQL_PWD: cluster().user.native.password });

beforeAll(async () => {
  await waitAllSynced();
});

afterAll(async () => {
  // Leave the cluster as found, whatever failed.
  for (const { n } of cluster().nodes) {
    sql(n, "SET GLOBAL wsrep_desync=OFF, GLOBAL read_only=OFF, GLOBAL wsrep_provider_options='gmcast.isolate=0'");
  }
  await waitAllSynced();
});

describe('a synced node', () => {
  it('is healthy, exit 0, with the Galera fields the server reports', async () => {
    const n = node(1);
    const run = await cli([...native(), '--json', n.target], pwEnv());
    expect(run.code, run.stderr).toBe(0);
    const result = json(run);
    expect(result).toMatchObject({ target: n.target, healthy: true, outcome: 'healthy', reason: 'synced' });
    expect(result['phase']).toBeUndefined();

    const status = show(1, 'STATUS', [
      'wsrep_cluster_status',
      'wsrep_local_state',
      'wsrep_local_state_comment',
      'wsrep_cluster_size',
      'wsrep_ready',
      'wsrep_connected',
    ]);
    const vars = show(1, 'VARIABLES', [
      'read_only',
      'wsrep_desync',
      'wsrep_reject_queries',
      'wsrep_sst_donor_rejects_queries',
      'version',
    ]);
    expect(result.node).toMatchObject({
      version: vars['version'],
      wsrepOn: true,
      clusterStatus: status['wsrep_cluster_status'],
      localState: Number(status['wsrep_local_state']),
      localStateComment: status['wsrep_local_state_comment'],
      clusterSize: Number(status['wsrep_cluster_size']),
      ready: status['wsrep_ready'] === 'ON',
      connected: status['wsrep_connected'] === 'ON',
      readOnly: vars['read_only'] === 'ON',
      desync: vars['wsrep_desync'] === 'ON',
      rejectQueries: vars['wsrep_reject_queries'],
      sstDonorRejectsQueries: vars['wsrep_sst_donor_rejects_queries'] === 'ON',
      authPlugin: 'mysql_native_password',
    });
    // And what that says, concretely, on a healthy three-node cluster.
    expect(result.node).toMatchObject({
      clusterStatus: 'Primary',
      localState: 4,
      localStateComment: 'Synced',
      clusterSize: 3,
    });
    // MariaDB has no pxc_maint_mode: the field is absent, not invented.
    expect(result.node).not.toHaveProperty('maintMode');
  });

  it('prints the human line', async () => {
    const n = node(2);
    const run = await cli([...native(), n.target], pwEnv());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`^${n.target.replace(/\./g, '\\.')} healthy: Synced, Primary, 3 nodes \\(\\d+ ms\\)\\n$`),
    );
  });

  it('is healthy through the library, with timings for each phase', async () => {
    const n = node(3);
    const result = await probe({ host: cluster().host, port: n.port, ...cluster().user.native });
    expect(result).toMatchObject({ healthy: true, outcome: 'healthy' });
    for (const phase of ['connect', 'greeting', 'auth', 'query'] as const)
      expect(result.timings[phase]).toBeGreaterThanOrEqual(0);
    expect(result.node?.connectionId).toBeGreaterThan(0);
  });

  it('--check alive authenticates and pings', async () => {
    const run = await cli([...native(), '--check', 'alive', '--json', node(1).target], pwEnv());
    expect(run.code, run.stderr).toBe(0);
    expect(json(run)).toMatchObject({ healthy: true, outcome: 'healthy' });
  });
});

describe('SET GLOBAL wsrep_desync=ON', () => {
  afterEach(async () => {
    sql(2, 'SET GLOBAL wsrep_desync=OFF');
    await waitAllSynced();
  });

  it('is Donor/Desynced: unhealthy, and healthy with --available-when-donor', async () => {
    sql(2, 'SET GLOBAL wsrep_desync=ON');
    await waitFor('node2 in state 2', () => wsrepState(2).state === 2, 10_000);
    const n = node(2);

    const strict = await cli([...native(), '--json', n.target], pwEnv());
    expect(strict.code, strict.stderr).toBe(1);
    const verdict = json(strict);
    expect(verdict).toMatchObject({ healthy: false, outcome: 'unhealthy' });
    expect(verdict.node).toMatchObject({
      localState: 2,
      localStateComment: 'Donor/Desynced',
      desync: true,
      clusterStatus: 'Primary',
    });
    expect(verdict['reason']).toBe('not synced: Donor/Desynced (state 2)');

    const donorOk = await cli([...native(), '--json', '--available-when-donor', n.target], pwEnv());
    expect(donorOk.code, donorOk.stderr).toBe(0);
    expect(json(donorOk)).toMatchObject({
      healthy: true,
      outcome: 'healthy',
      reason: 'donor: Donor/Desynced, available when donor',
    });
  });
});

describe('SET GLOBAL read_only=ON', () => {
  afterEach(() => {
    sql(1, 'SET GLOBAL read_only=OFF');
  });

  it('is healthy by default, unhealthy with --require-writable', async () => {
    sql(1, 'SET GLOBAL read_only=ON');
    expect(show(1, 'VARIABLES', ['read_only'])['read_only']).toBe('ON');
    const n = node(1);

    const lenient = await cli([...native(), '--json', n.target], pwEnv());
    expect(lenient.code, lenient.stderr).toBe(0);
    expect(json(lenient).node).toMatchObject({ readOnly: true });

    const strict = await cli([...native(), '--json', '--require-writable', n.target], pwEnv());
    expect(strict.code, strict.stderr).toBe(1);
    expect(json(strict)).toMatchObject({ healthy: false, outcome: 'unhealthy', reason: 'read-only (read_only=ON)' });
  });
});

describe('a node isolated with gmcast.isolate=1', () => {
  afterEach(async () => {
    sql(3, "SET GLOBAL wsrep_provider_options='gmcast.isolate=0'");
    await waitAllSynced();
  });

  it('turns non-Primary (unhealthy, the reason says so), then rejoins and is healthy again', async () => {
    const n = node(3);
    sql(3, "SET GLOBAL wsrep_provider_options='gmcast.isolate=1'");
    const tookMs = await waitFor('node3 non-Primary', () => wsrepState(3).status === 'non-Primary', 30_000);
    // Measured 6.0-6.5 s (evs.suspect_timeout); just a sanity bound here.
    expect(tookMs).toBeLessThan(30_000);

    const isolated = await cli([...native(), '--json', n.target], pwEnv());
    expect(isolated.code, isolated.stderr).toBe(1);
    const verdict = json(isolated);
    expect(verdict).toMatchObject({ healthy: false, outcome: 'unhealthy', reason: 'non-Primary' });
    expect(verdict.node).toMatchObject({ clusterStatus: 'non-Primary', ready: false, clusterSize: 1 });
    expect((await cli([...native(), n.target], pwEnv())).stdout).toContain('non-Primary');
    // The others carry on as a Primary component of two (they notice at about the same time).
    await waitFor('node1 in a component of two', () => wsrepState(1).size === 2, 10_000);
    const other = await cli([...native(), '--json', node(1).target], pwEnv());
    expect(other.code).toBe(0);
    expect(json(other).node).toMatchObject({ clusterStatus: 'Primary', clusterSize: 2 });

    sql(3, "SET GLOBAL wsrep_provider_options='gmcast.isolate=0'");
    await waitFor(
      'node3 back in the Primary component',
      () => {
        const s = wsrepState(3);
        return s.status === 'Primary' && s.state === 4;
      },
      60_000,
    );
    const rejoined = await cli([...native(), '--json', n.target], pwEnv());
    expect(rejoined.code, rejoined.stderr).toBe(0);
    expect(json(rejoined)).toMatchObject({ healthy: true, reason: 'synced' });
  });
});
