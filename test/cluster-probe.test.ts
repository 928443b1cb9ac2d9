/**
 * probeCluster and `galera-probe cluster` against scripted nodes: every target at once, one
 * overall deadline whatever a node does, discovery, and the CLI's output and exit codes.
 */
import { describe, expect, it } from 'vitest';
import { runMain } from './support/run-main.js';
import { probeCluster } from '../src/cluster/probe-cluster.js';
import type { ClusterResult } from '../src/cluster/types.js';
import { type FakeServer, galeraNode, NON_PRIMARY_NODE, SYNCED_NODE, withState } from './support/fake-server.js';
import { syncedState } from './support/cluster-fixtures.js';
import { handleCounts, settle } from './support/resources.js';
import { serverPool } from './support/server-pool.js';

const serve = serverPool();
const MARGIN = 250;

const synced = syncedState;

/** Three fake servers on 127.0.0.1, 127.0.0.2 and 127.0.0.3 (addresses known before the scripts run). */
async function three(scripts: (addresses: string[]) => Parameters<typeof serve>[0][]): Promise<FakeServer[]> {
  const servers: FakeServer[] = [];
  const addresses: string[] = [];
  const scriptsReady: Parameters<typeof serve>[0][] = [];
  // Each script is looked up when a connection arrives, by which time all addresses are known.
  for (let i = 0; i < 3; i++) {
    const server = await serve((conn) => scriptsReady[i]!(conn), `127.0.0.${i + 1}`);
    servers.push(server);
    addresses.push(server.target);
  }
  scriptsReady.push(...scripts(addresses));
  return servers;
}

async function judged(servers: FakeServer[], extra: Record<string, unknown> = {}): Promise<ClusterResult> {
  return await probeCluster({ targets: servers.map((s) => s.target), user: 'probe', timeout: 3000, ...extra });
}

describe('probeCluster', () => {
  it('probes every node, judges the cluster healthy, and leaves nothing open', async () => {
    const servers = await three((a) => {
      const members: [string, string][] = [
        ['n1', a[0]!],
        ['n2', a[1]!],
        ['n3', a[2]!],
      ];
      return [galeraNode(synced('n1', members)), galeraNode(synced('n2', members)), galeraNode(synced('n3', members))];
    });
    const before = handleCounts();
    const result = await judged(servers);
    await Promise.all(servers.map((s) => s.allClosed()));
    await settle();
    const after = handleCounts();
    expect(result).toMatchObject({
      verdict: 'healthy',
      writer: servers[0]!.target,
      bootstrapCandidate: null,
      expectSize: null,
    });
    expect(result.nodes.map((n) => n.target)).toEqual(servers.map((s) => s.target));
    expect(result.components).toHaveLength(1);
    expect(result.components[0]!.members).toEqual(['n1', 'n2', 'n3']);
    expect(Object.keys(result)).toEqual([
      'verdict',
      'reason',
      'writer',
      'bootstrapCandidate',
      'expectSize',
      'components',
      'nodes',
      'otherCluster',
      'notes',
      'timings',
    ]);
    expect(after['Timeout'] ?? 0).toBeLessThanOrEqual(before['Timeout'] ?? 0);
    expect(after['TCPSocketWrap'] ?? 0).toBeLessThanOrEqual(before['TCPSocketWrap'] ?? 0);
    for (const s of servers) expect(s.connections[0]!.quitReceived).toBe(true);
  });

  it('one silent node among three cannot delay the answer past the overall deadline', async () => {
    const limit = 400;
    const servers = await three((a) => {
      const members: [string, string][] = [
        ['n1', a[0]!],
        ['n2', a[1]!],
      ];
      return [galeraNode(synced('n1', members)), () => {}, galeraNode(synced('n2', members))];
    });
    const started = performance.now();
    const result = await judged(servers, { timeout: limit });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(limit - 1);
    expect(elapsed).toBeLessThan(limit + MARGIN);
    expect(result).toMatchObject({ verdict: 'degraded', writer: servers[0]!.target });
    expect(result.nodes[1]).toMatchObject({ outcome: 'timeout', phase: 'greeting' });
    expect(result.timings.total).toBeLessThan(limit + MARGIN);
  });

  it('a real-looking split brain is split-brain, and the lone node is never the writer', async () => {
    const servers = await three((a) => {
      const pair: [string, string][] = [
        ['n1', a[0]!],
        ['n2', a[1]!],
      ];
      return [
        galeraNode(synced('n3', [['n3', a[2]!]])),
        galeraNode(synced('n1', pair)),
        galeraNode(synced('n2', pair)),
      ];
    });
    const result = await judged([servers[0]!, servers[1]!, servers[2]!]);
    expect(result).toMatchObject({ verdict: 'split-brain', writer: servers[1]!.target });
  });

  it('--discover adds the addresses the nodes publish, after the seeds', async () => {
    const servers = await three((a) => {
      const members: [string, string][] = [
        ['n1', a[0]!],
        ['n2', a[1]!],
        ['n3', a[2]!],
      ];
      return [galeraNode(synced('n1', members)), galeraNode(synced('n2', members)), galeraNode(synced('n3', members))];
    });
    const result = await probeCluster({ targets: [servers[1]!.target], user: 'probe', timeout: 3000, discover: true });
    expect(result.nodes.map((n) => n.target)).toEqual([servers[1]!.target, servers[0]!.target, servers[2]!.target]);
    expect(result).toMatchObject({ verdict: 'healthy', writer: servers[1]!.target });
    expect(result.notes).toEqual([
      `discovery: 2 target(s) added from wsrep_incoming_addresses: ${servers[0]!.target}, ${servers[2]!.target}`,
    ]);
  });

  it('--discover with AUTO everywhere says that nothing usable is published', async () => {
    const server = await serve(galeraNode(withState(SYNCED_NODE, { wsrep_incoming_addresses: 'AUTO,AUTO,AUTO' })));
    const result = await probeCluster({ targets: [server.target], user: 'probe', timeout: 3000, discover: true });
    expect(result.nodes).toHaveLength(1);
    expect(result.notes.join('\n')).toMatch(/no node published a usable address/);
  });

  it('quorum lost: no-primary with a bootstrap candidate', async () => {
    const servers = await three(() => [
      galeraNode(withState(NON_PRIMARY_NODE, { wsrep_last_committed: '10' })),
      galeraNode(withState(NON_PRIMARY_NODE, { wsrep_last_committed: '11' })),
      galeraNode(withState(NON_PRIMARY_NODE, { wsrep_last_committed: '9' })),
    ]);
    expect(await judged(servers)).toMatchObject({
      verdict: 'no-primary',
      writer: null,
      bootstrapCandidate: servers[1]!.target,
    });
  });

  it('an abort ends every probe at once', async () => {
    const servers = await three(() => [() => {}, () => {}, () => {}]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    const result = await judged(servers, { signal: controller.signal, timeout: 5000 });
    expect(performance.now() - started).toBeLessThan(50 + MARGIN);
    expect(result.verdict).toBe('unreachable');
    expect(result.nodes.every((n) => n.outcome === 'aborted')).toBe(true);
  });

  it('rejects bad options with the option name', async () => {
    await expect(probeCluster({ targets: [] })).rejects.toThrow(/option targets/);
    await expect(probeCluster({ targets: ['a:1', 'a:1'] })).rejects.toThrow(/given twice/);
    await expect(probeCluster({ targets: ['a:99999'] })).rejects.toThrow(/invalid port/);
    await expect(probeCluster({ targets: Array.from({ length: 65 }, (_, i) => `h${i}:3306`) })).rejects.toThrow(
      /at most 64/,
    );
  });
});

const run = runMain;

describe('galera-probe cluster', () => {
  it('prints one line per node and one for the cluster; exit 0 when healthy', async () => {
    const servers = await three((a) => {
      const members: [string, string][] = [
        ['n1', a[0]!],
        ['n2', a[1]!],
        ['n3', a[2]!],
      ];
      return [galeraNode(synced('n1', members)), galeraNode(synced('n2', members)), galeraNode(synced('n3', members))];
    });
    const r = await run(['cluster', '--no-defaults', '-u', 'probe', ...servers.map((s) => s.target)]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      new RegExp(
        `^${servers[0]!.target.replace(/\./g, '\\.')}\\s+healthy\\s+Primary\\s+Synced\\s+size 3\\s+\\{n1,n2,n3\\}\\s+committed 42\\s+recvq 0\\s+\\d+ ms\\s+writer$`,
      ),
    );
    expect(lines[1]).not.toMatch(/writer$/);
    expect(lines[3]).toMatch(
      /^cluster healthy: 3 of 3 nodes healthy in one Primary component \{n1,n2,n3\}; writer 127\.0\.0\.1:\d+ \(\d+ ms\)$/,
    );
  });

  it('exit 8 on a split brain, 9 without a Primary component, 1 degraded, 2 when nobody answers', async () => {
    const split = await three((a) => {
      const pair: [string, string][] = [
        ['n1', a[0]!],
        ['n2', a[1]!],
      ];
      return [
        galeraNode(synced('n1', pair)),
        galeraNode(synced('n2', pair)),
        galeraNode(synced('n3', [['n3', a[2]!]])),
      ];
    });
    const splitRun = await run(['cluster', '--no-defaults', '-u', 'probe', ...split.map((s) => s.target)]);
    expect(splitRun.code).toBe(8);
    expect(splitRun.stdout).toMatch(
      /^cluster split-brain: 2 Primary components \(\{n1,n2\}, \{n3\}\); \{n1,n2\} holds a majority of 3; writer 127\.0\.0\.1:\d+/m,
    );

    const lost = await three(() => [
      galeraNode(NON_PRIMARY_NODE),
      galeraNode(NON_PRIMARY_NODE),
      galeraNode(NON_PRIMARY_NODE),
    ]);
    const lostRun = await run(['cluster', '--no-defaults', '-u', 'probe', '--json', ...lost.map((s) => s.target)]);
    expect(lostRun.code).toBe(9);
    expect(JSON.parse(lostRun.stdout)).toMatchObject({ verdict: 'no-primary', writer: null });

    const one = await serve(galeraNode(synced('n1', [['n1', '127.0.0.1:1']])));
    const down = await serve(() => {});
    const downTarget = down.target;
    await down.close();
    expect((await run(['cluster', '--no-defaults', '-u', 'probe', '-q', one.target, downTarget])).code).toBe(1);
    expect((await run(['cluster', '--no-defaults', '-u', 'probe', '-q', downTarget])).code).toBe(2);
  });

  it.each([
    [['cluster'], /give the cluster's targets/],
    [['cluster', 'a:1', 'a:1'], /given twice/],
    [['cluster', 'a:x'], /invalid port/],
    [['cluster', '--expect-size', '0', 'a:1'], /--expect-size: expected a whole number from 1/],
    [['cluster', '--max-recv-queue', 'lots', 'a:1'], /--max-recv-queue/],
    [['cluster', '--nope', 'a:1'], /nope/],
    [['cluster', '--check', 'alive', 'a:1'], /--check alive reads nothing of Galera/],
  ])('%j is a usage error (exit 64)', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('--help fits on a screen', async () => {
    const r = await run(['cluster', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').length).toBeLessThanOrEqual(30);
    expect(r.stdout).toMatch(/8 split-brain, 9 no-primary/);
  });
});
