/**
 * serve --cluster: ClusterView over scripted per-target checks (no database), its endpoints
 * through the real HTTP server, the writer delay on a fake clock, single flight per target
 * under concurrent requests, and the command line's usage errors.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runMain } from './support/run-main.js';
import type { ProbeResult } from '../src/probe/types.js';
import { ClusterView, clusterRoutes } from '../src/serve/cluster-view/index.js';
import { createHealthServer, HealthCheck, shutdownHealthServer } from '../src/serve/health/index.js';
import { parseClusterList } from '../src/cli/cluster-setup.js';
import { nodeResult, T } from './support/cluster-fixtures.js';
import { getUrl } from './support/http.js';

const result = nodeResult;

/** Scripted nodes: what each target answers now, and how many probes each got. */
class Nodes {
  answers: ProbeResult[] = [result(1, [1, 2, 3]), result(2, [1, 2, 3]), result(3, [1, 2, 3])];
  probes = [0, 0, 0];
  delayMs = 0;
  /** A silent node's probe ends only when its check is closed (as a probe ends by its deadline). */
  silent = [false, false, false];
  checks(cacheMs = 0): Map<string, HealthCheck> {
    return new Map(
      T.map((t, i) => [
        t,
        new HealthCheck({
          probe: async (signal) => {
            this.probes[i]!++;
            if (this.silent[i]) {
              await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
              return {
                target: T[i]!,
                healthy: false,
                outcome: 'timeout',
                phase: 'greeting',
                reason: 'silent',
                timings: { total: 0 },
              } satisfies ProbeResult;
            }
            if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
            return this.answers[i]!;
          },
          cacheMs,
          maxAgeMs: cacheMs * 2,
          waitMs: 2000,
        }),
      ]),
    );
  }
}

const views: ClusterView[] = [];
function view(
  nodes: Nodes,
  self: string = T[0],
  extra: { writerDelayMs?: number; now?: () => number; expectSize?: number; cacheMs?: number } = {},
): ClusterView {
  const v = new ClusterView({
    self,
    targets: T,
    // The checks keep real time (their cache); the fake clock is the view's, for the writer delay.
    checks: nodes.checks(extra.cacheMs ?? 0),
    writerDelayMs: extra.writerDelayMs ?? 0,
    ...(extra.expectSize !== undefined ? { expectSize: extra.expectSize } : {}),
    ...(extra.now ? { now: extra.now } : {}),
  });
  views.push(v);
  return v;
}

describe('ClusterView', () => {
  it('exactly one node is the writer, the same one whichever node asks', async () => {
    const nodes = new Nodes();
    const answers = await Promise.all(T.map((self) => view(nodes, self).writer()));
    expect(answers.map((a) => [a.ok, a.line])).toEqual([
      [true, 'writer'],
      [false, 'not the writer: 127.0.0.1:3311 is'],
      [false, 'not the writer: 127.0.0.1:3311 is'],
    ]);
  });

  it('the writer moves to the next node when the first is desynced, and back when it recovers', async () => {
    const nodes = new Nodes();
    const two = view(nodes, T[1]);
    nodes.answers[0] = result(1, [1, 2, 3], { localState: 2, localStateComment: 'Donor/Desynced' }, false);
    expect((await two.writer()).line).toBe('writer');
    nodes.answers[0] = result(1, [1, 2, 3]);
    expect((await two.writer()).line).toBe('not the writer: 127.0.0.1:3311 is');
  });

  it('no writer in a split brain without a majority, nor without a Primary component', async () => {
    const nodes = new Nodes();
    nodes.answers = [result(1, [1]), result(2, [2]), result(3, [3])];
    expect((await view(nodes).writer()).line).toBe('no writer: split-brain');
    const nonPrimary = { clusterStatus: 'non-Primary', localState: 0, localStateComment: 'Initialized' } as const;
    nodes.answers = [
      result(1, [1], nonPrimary, false),
      result(2, [2], nonPrimary, false),
      result(3, [3], nonPrimary, false),
    ];
    expect((await view(nodes).writer()).line).toBe('no writer: no-primary');
  });

  it('--writer-delay: a new writer answers "becoming writer" until it has been the writer that long', async () => {
    let now = 1000;
    const nodes = new Nodes();
    nodes.answers[0] = result(1, [1, 2, 3], { readOnly: true });
    const two = view(nodes, T[1], { writerDelayMs: 3000, now: () => now });
    expect((await two.writer()).line).toBe('becoming writer');
    now += 2999;
    expect((await two.writer()).line).toBe('becoming writer');
    now += 1;
    expect(await two.writer()).toMatchObject({ ok: true, line: 'writer' });
    // Losing it and getting it back starts the delay again.
    nodes.answers[0] = result(1, [1, 2, 3]);
    expect((await two.writer()).line).toBe('not the writer: 127.0.0.1:3311 is');
    nodes.answers[0] = result(1, [1, 2, 3], { readOnly: true });
    now += 10_000;
    expect((await two.writer()).line).toBe('becoming writer');
  });

  it('the losing side of a split brain is refused; the majority side and a lone survivor are not', async () => {
    const nodes = new Nodes();
    nodes.answers = [result(1, [1, 2]), result(2, [1, 2]), result(3, [3])];
    expect(await view(nodes, T[2]).splitBrainRefusal()).toBe("split-brain: this node's component {n3} is the minority");
    expect(await view(nodes, T[0]).splitBrainRefusal()).toBeUndefined();
    const unreachable: ProbeResult = {
      target: T[1]!,
      healthy: false,
      outcome: 'unreachable',
      phase: 'connect',
      reason: 'refused',
      timings: { total: 1 },
    };
    nodes.answers = [result(1, [1]), unreachable, { ...unreachable, target: T[2]! }];
    expect(await view(nodes, T[0]).splitBrainRefusal()).toBeUndefined();
    nodes.answers = [result(1, [1]), result(2, [2]), result(3, [3])];
    expect(await view(nodes, T[0]).splitBrainRefusal()).toBe(
      "split-brain: no component holds a majority of 3; this node's is {n1}",
    );
  });

  it('a silent peer does not hold up /health: the refusal is judged from the latest results at once', async () => {
    const nodes = new Nodes();
    const checks = nodes.checks(0);
    try {
      const v = new ClusterView({ self: T[0], targets: T, checks, writerDelayMs: 0 });
      nodes.answers = [result(1, [1, 2]), result(2, [1, 2]), result(3, [3])];
      await v.current();
      nodes.silent[0] = true;
      nodes.silent[2] = true;
      const three = new ClusterView({ self: T[2], targets: T, checks, writerDelayMs: 0 });
      const started = performance.now();
      const refusals = await Promise.all(Array.from({ length: 50 }, () => three.splitBrainRefusal()));
      expect(performance.now() - started).toBeLessThan(500);
      expect(new Set(refusals)).toEqual(new Set(["split-brain: this node's component {n3} is the minority"]));
      // One background refresh for the 50 requests: one probe in flight per silent node.
      expect([nodes.probes[0], nodes.probes[2]]).toEqual([2, 2]);
    } finally {
      await Promise.all([...checks.values()].map((c) => c.close()));
    }
  });

  it('single flight per target: 200 concurrent requests make one probe per node', async () => {
    const nodes = new Nodes();
    nodes.delayMs = 50;
    const v = view(nodes, T[0], { cacheMs: 1000 });
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? v.writer() : v.cluster())));
    expect(replies.every((r) => r.ok)).toBe(true);
    expect(nodes.probes).toEqual([1, 1, 1]);
  });

  it('metrics: per-target gauges and the cluster verdict, writer and Primary components, without probing', async () => {
    const nodes = new Nodes();
    const v = view(nodes);
    expect(v.metrics().render()).not.toMatch(/galera_probe_cluster_verdict/);
    await v.current();
    const probes = [...nodes.probes];
    const text = v.metrics().render();
    expect(nodes.probes).toEqual(probes);
    expect(text).toContain('galera_probe_up{target="127.0.0.1:3312"} 1');
    expect(text).toContain('galera_probe_wsrep_cluster_size{target="127.0.0.1:3313"} 3');
    expect(text).toContain('galera_probe_cluster_verdict{verdict="healthy"} 1');
    expect(text).toContain('galera_probe_cluster_verdict{verdict="split-brain"} 0');
    expect(text).toContain('galera_probe_writer{target="127.0.0.1:3311"} 1');
    expect(text).toContain('galera_probe_writer{target="127.0.0.1:3312"} 0');
    expect(text).toContain('galera_probe_primary_components 1');
    // One HELP and TYPE per family.
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(new Set(types).size).toBe(types.length);
  });

  it('refuses a list without this node', () => {
    expect(
      () => new ClusterView({ self: '127.0.0.1:1', targets: T, checks: new Nodes().checks(), writerDelayMs: 0 }),
    ).toThrow(/not in the cluster list/);
  });
});

describe('the endpoints over HTTP', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
    views.splice(0);
  });

  async function start(nodes: Nodes, self: string): Promise<string> {
    const checks = nodes.checks();
    const v = new ClusterView({ self, targets: T, checks, writerDelayMs: 0 });
    const server = createHealthServer(checks.get(self)!, {
      routes: clusterRoutes(v),
      refuse: () => v.splitBrainRefusal(),
      metricsExtra: () => v.metrics().render(),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      await shutdownHealthServer(server, checks.get(self)!, 1000);
      await Promise.all([...checks.values()].map((c) => c.close()));
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const get = getUrl;

  it('/writer, /cluster and /health on a healthy cluster', async () => {
    const nodes = new Nodes();
    const one = await start(nodes, T[0]!);
    const three = await start(nodes, T[2]!);
    expect(await get(`${one}/writer`)).toEqual({ status: 200, body: 'writer\n' });
    expect(await get(`${three}/writer`)).toEqual({ status: 503, body: 'not the writer: 127.0.0.1:3311 is\n' });
    expect(await get(`${three}/cluster`)).toEqual({
      status: 200,
      body: 'cluster healthy: 3 of 3 nodes healthy in one Primary component {n1,n2,n3}; writer 127.0.0.1:3311\n',
    });
    const json = await get(`${three}/cluster?format=json`);
    expect(JSON.parse(json.body)).toMatchObject({
      verdict: 'healthy',
      writer: T[0],
      nodes: [{ target: T[0] }, { target: T[1] }, { target: T[2] }],
    });
    const writerJson = await get(`${three}/writer`, { accept: 'application/json' });
    expect(JSON.parse(writerJson.body)).toEqual({
      writer: false,
      reason: 'not the writer: 127.0.0.1:3311 is',
      elected: T[0],
      verdict: 'healthy',
    });
    expect(await get(`${three}/health`)).toEqual({ status: 200, body: 'synced\n' });
  });

  it('a split brain: the minority node is 503 on /health and /writer, the majority writer stays 200', async () => {
    const nodes = new Nodes();
    nodes.answers = [result(1, [1, 2]), result(2, [1, 2]), result(3, [3])];
    const one = await start(nodes, T[0]!);
    const three = await start(nodes, T[2]!);
    expect(await get(`${three}/health`)).toEqual({
      status: 503,
      body: "split-brain: this node's component {n3} is the minority\n",
    });
    const json = await get(`${three}/ready?format=json`);
    expect(json.status).toBe(503);
    expect(JSON.parse(json.body)).toMatchObject({
      healthy: false,
      reason: "split-brain: this node's component {n3} is the minority",
      outcome: 'healthy',
    });
    expect((await get(`${three}/writer`)).status).toBe(503);
    expect(await get(`${one}/health`)).toEqual({ status: 200, body: 'synced\n' });
    expect(await get(`${one}/writer`)).toEqual({ status: 200, body: 'writer\n' });
    const cluster = await get(`${one}/cluster`);
    expect(cluster.status).toBe(503);
    expect(cluster.body).toMatch(/^cluster split-brain: 2 Primary components/);
  });
});

const run = runMain;

describe('serve --cluster on the command line', () => {
  it('parses the list: ports default to 3306, IPv6 in brackets', () => {
    expect(parseClusterList('db1,db2:3307,[::1]:3308')).toEqual(['db1:3306', 'db2:3307', '[::1]:3308']);
  });

  it.each([
    [
      ['serve', '--listen', '127.0.0.1:0', '--cluster', '127.0.0.1:3312,127.0.0.1:3313', '127.0.0.1:3311'],
      /this node's target 127\.0\.0\.1:3311 is not in the list/,
    ],
    [
      ['serve', '--listen', '127.0.0.1:0', '--cluster', '127.0.0.1:3311,127.0.0.1:3311', '127.0.0.1:3311'],
      /listed twice/,
    ],
    [
      ['serve', '--listen', '127.0.0.1:0', '--cluster', '127.0.0.1:3311,,127.0.0.1:3312', '127.0.0.1:3311'],
      /an empty entry/,
    ],
    [
      ['serve', '--listen', '127.0.0.1:0', '--cluster', '/run/mysqld.sock,127.0.0.1:3311', '127.0.0.1:3311'],
      /unix sockets/,
    ],
    [['serve', '--listen', '127.0.0.1:0', '--writer-delay', '2s', '127.0.0.1:3311'], /--writer-delay needs --cluster/],
    [
      ['serve', '--listen', '127.0.0.1:0', '--check', 'alive', '--cluster', '127.0.0.1:3311', '127.0.0.1:3311'],
      /--check alive reads nothing of Galera/,
    ],
    [
      ['serve', '--listen', '127.0.0.1:0', '--cluster', '127.0.0.1:3311', '--writer-delay', 'soon', '127.0.0.1:3311'],
      /--writer-delay: expected a duration/,
    ],
  ])('%j is a usage error (exit 64)', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(message);
  });
});
