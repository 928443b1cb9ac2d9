/**
 * The Prometheus exporter: `/probe?target=` over real probes of scripted nodes (allowed,
 * refused before any I/O, malformed, auth modules, the scrape's timeout header, single flight,
 * the bound on concurrent probes, forgetting idle targets), the allow list, the text format,
 * and the targets file with `/targets`.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProbeOptions } from '../src/probe/options.js';
import { probe } from '../src/probe/probe.js';
import type { ProbeResult } from '../src/probe/types.js';
import {
  Exporter,
  parsePattern,
  parseTargetAddress,
  parseTargetsFile,
  probeBudgetMs,
  serviceDiscovery,
  Slots,
  TargetPolicy,
  TargetPolicyError,
  TargetsFileError,
  type ExporterOptions,
} from '../src/serve/exporter/index.js';
import { createHealthServer, shutdownHealthServer } from '../src/serve/health/index.js';
import { escapeLabelValue, nodeGauges, probeGauges, PromText } from '../src/serve/prom/index.js';
import { parseWebConfig, WebConfigError } from '../src/serve/web/index.js';
import { mutate, rng } from './support/damage.js';
import { galeraNode, NON_PRIMARY_NODE, SYNCED_NODE } from './support/fake-server.js';
import { serverPool } from './support/server-pool.js';
import { get } from './support/http.js';
import { spawnServe } from './support/serve-process.js';

const serve = serverPool();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The value of one sample (`name{labels}`, labels as written) in a text exposition. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

let running: { server: Server; exporter: Exporter }[] = [];
afterEach(async () => {
  for (const { server, exporter } of running) {
    await shutdownHealthServer(server, undefined, 2000);
    await exporter.close();
  }
  running = [];
});

/** An exporter-only endpoint on an ephemeral port. */
async function exporterEndpoint(o: Partial<ExporterOptions> = {}): Promise<{ port: number; exporter: Exporter }> {
  const exporter = new Exporter({
    policy: new TargetPolicy({ patterns: ['127.0.0.0/8:*'] }),
    base: { user: 'monitor', sslMode: 'DISABLED' },
    timeoutMs: 2000,
    timeoutOffsetMs: 500,
    cacheMs: 0,
    maxAgeMs: 0,
    maxConcurrentProbes: 64,
    ...o,
  });
  const server = createHealthServer(undefined, {
    routes: { '/probe': (req, query) => exporter.probe(query, req.headers['x-prometheus-scrape-timeout-seconds']) },
    metricsExtra: () => exporter.metrics().render(),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.push({ server, exporter });
  return { port: (server.address() as { port: number }).port, exporter };
}

/** A probe function that counts its calls and probes for real. */
function countingProbe(): { calls: ProbeOptions[]; probe: (o: ProbeOptions) => Promise<ProbeResult> } {
  const calls: ProbeOptions[] = [];
  return { calls, probe: (o) => (calls.push(o), probe(o)) };
}

describe('GET /probe', () => {
  it('an allowed, synced node: probe_success 1, durations, the outcome, wsrep gauges and node_info', async () => {
    const fake = await serve(galeraNode(SYNCED_NODE, { version: '10.11.6-MariaDB' }));
    const { port } = await exporterEndpoint();
    const r = await get(port, `/probe?target=${fake.target}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(sample(r.body, 'probe_success')).toBe(1);
    expect(sample(r.body, 'probe_duration_seconds')).toBeGreaterThan(0);
    expect(sample(r.body, 'galera_probe_phase_duration_seconds{phase="greeting"}')).toBeGreaterThanOrEqual(0);
    expect(sample(r.body, 'galera_probe_outcome{outcome="healthy"}')).toBe(1);
    expect(sample(r.body, 'galera_probe_outcome{outcome="timeout"}')).toBe(0);
    expect(sample(r.body, 'galera_probe_wsrep_cluster_size')).toBe(3);
    expect(sample(r.body, 'galera_probe_wsrep_cluster_primary')).toBe(1);
    expect(sample(r.body, 'galera_probe_wsrep_local_state')).toBe(4);
    expect(sample(r.body, 'galera_probe_wsrep_ready')).toBe(1);
    expect(sample(r.body, 'galera_probe_wsrep_local_recv_queue')).toBe(0);
    expect(r.body).toMatch(
      /^galera_probe_node_info\{version="10\.11\.6-MariaDB",cluster_status="Primary",local_state_comment="Synced",.*\} 1$/m,
    );
    // Every family is declared once, before its samples.
    const types = r.body.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(new Set(types).size).toBe(types.length);
  });

  it('a non-Primary node: probe_success 0, outcome unhealthy, its gauges still there', async () => {
    const fake = await serve(galeraNode(NON_PRIMARY_NODE));
    const { port } = await exporterEndpoint();
    const r = await get(port, `/probe?target=${fake.target}`);
    expect(sample(r.body, 'probe_success')).toBe(0);
    expect(sample(r.body, 'galera_probe_outcome{outcome="unhealthy"}')).toBe(1);
    expect(sample(r.body, 'galera_probe_wsrep_cluster_primary')).toBe(0);
    expect(sample(r.body, 'galera_probe_wsrep_cluster_size')).toBe(1);
  });

  it('an unreachable node: probe_success 0, outcome unreachable, no wsrep gauges', async () => {
    const closed = await serve(() => {});
    const target = closed.target;
    await closed.close();
    const { port } = await exporterEndpoint();
    const r = await get(port, `/probe?target=${target}`);
    expect(sample(r.body, 'probe_success')).toBe(0);
    expect(sample(r.body, 'galera_probe_outcome{outcome="unreachable"}')).toBe(1);
    expect(r.body).not.toContain('galera_probe_wsrep_');
  });

  it("the target of the request replaces serve's own, a unix socket included", async () => {
    const fake = await serve(galeraNode(SYNCED_NODE));
    const counting = countingProbe();
    const { port } = await exporterEndpoint({
      base: { user: 'monitor', sslMode: 'DISABLED', socketPath: '/run/mysqld/own.sock', host: '10.9.9.9', port: 1 },
      probe: counting.probe,
    });
    expect(sample((await get(port, `/probe?target=${fake.target}`)).body, 'probe_success')).toBe(1);
    expect(counting.calls[0]).toMatchObject({ host: fake.host, port: fake.port });
    expect(counting.calls[0]!.socketPath).toBeUndefined();
  });

  it('a target not allowed: 403, and no probe, connection or DNS lookup happens', async () => {
    const fake = await serve(galeraNode(SYNCED_NODE));
    const counting = countingProbe();
    const { port } = await exporterEndpoint({
      policy: new TargetPolicy({ patterns: ['*.db.example.com:3306', '10.0.0.0/8:3306'] }),
      probe: counting.probe,
    });
    for (const target of [
      fake.target,
      'db1.db.example.com:3307',
      'evil.example.org:3306',
      'a.b.db.example.com:3306',
      '10.0.0.1:3307',
      '[::1]:3306',
      '11.0.0.1:3306',
    ]) {
      const r = await get(port, `/probe?target=${encodeURIComponent(target)}`);
      expect([target, r.status, r.body]).toEqual([target, 403, 'target not allowed\n']);
    }
    expect(counting.calls).toEqual([]);
    expect(fake.connections).toHaveLength(0);
  });

  it('missing or malformed targets: 400 with a fixed sentence, nothing of the request echoed', async () => {
    const counting = countingProbe();
    const { port } = await exporterEndpoint({ policy: new TargetPolicy({ patterns: ['*:*'] }), probe: counting.probe });
    expect(await get(port, '/probe')).toMatchObject({ status: 400, body: 'missing target parameter\n' });
    expect(await get(port, '/probe?target=')).toMatchObject({ status: 400, body: 'missing target parameter\n' });
    expect(await get(port, '/probe?target=a:1&target=b:1')).toMatchObject({
      status: 400,
      body: 'more than one target parameter\n',
    });
    const bad = [
      '<script>:1',
      'host:0',
      'host:65536',
      'host:x',
      '::1:3306',
      '[::1',
      '[nothex]:1',
      'user@host:1',
      '/run/mysqld.sock',
      'a..b:1',
      '10.1:3306',
      '0x7f000001:3306',
      '127.1:3306',
      'fe80::1%25eth0',
      `${'a'.repeat(400)}:1`,
      'h:1/path',
      'host:1:2',
    ];
    for (const target of bad) {
      const r = await get(port, `/probe?target=${encodeURIComponent(target)}`);
      expect([target, r.status, r.body]).toEqual([
        target,
        400,
        'malformed target: expected host:port or [ipv6]:port\n',
      ]);
    }
    expect(counting.calls).toEqual([]);
  });

  it('auth_module=NAME probes with that module credentials; an unknown module is 400 and probes nothing', async () => {
    const fake = await serve(galeraNode(SYNCED_NODE, { password: 'module-pw' }));
    const counting = countingProbe();
    const { port } = await exporterEndpoint({
      base: { user: 'monitor', password: 'wrong', sslMode: 'DISABLED' },
      authModules: new Map([['prod', { user: 'prodmon', password: 'module-pw', sslMode: 'DISABLED' as const }]]),
      probe: counting.probe,
    });
    const plain = await get(port, `/probe?target=${fake.target}`);
    expect(sample(plain.body, 'galera_probe_outcome{outcome="access-denied"}')).toBe(1);
    const withModule = await get(port, `/probe?target=${fake.target}&auth_module=prod`);
    expect(sample(withModule.body, 'probe_success')).toBe(1);
    // Group names are case-insensitive, as in option files.
    expect(sample((await get(port, `/probe?target=${fake.target}&auth_module=PROD`)).body, 'probe_success')).toBe(1);
    expect(counting.calls.map((c) => c.user)).toEqual(['monitor', 'prodmon', 'prodmon']);
    expect(await get(port, `/probe?target=${fake.target}&auth_module=staging`)).toMatchObject({
      status: 400,
      body: 'unknown auth_module\n',
    });
    expect(await get(port, `/probe?target=${fake.target}&auth_module=prod&auth_module=x`)).toMatchObject({
      status: 400,
    });
    expect(counting.calls).toHaveLength(3);
    for (const r of [plain, withModule]) expect(r.body).not.toContain('module-pw');
  });

  it('the deadline is the scrape timeout header less the offset, capped by --timeout', async () => {
    const silent = await serve(() => {}); // accepts, never greets
    const counting = countingProbe();
    const { port } = await exporterEndpoint({ timeoutMs: 1500, timeoutOffsetMs: 500, probe: counting.probe });
    const started = performance.now();
    const r = await get(port, `/probe?target=${silent.target}`, {
      headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '1.2' },
    });
    const elapsed = performance.now() - started;
    expect(sample(r.body, 'galera_probe_outcome{outcome="timeout"}')).toBe(1);
    expect(counting.calls[0]!.timeout).toBeCloseTo(700, -1);
    expect(elapsed).toBeGreaterThanOrEqual(650);
    expect(elapsed).toBeLessThan(1500);
    // A header above --timeout does not lengthen the probe.
    await get(port, `/probe?target=${silent.target}`, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '30' } });
    expect(counting.calls[1]!.timeout).toBeCloseTo(1500, -1);
    // No header: --timeout.
    await get(port, `/probe?target=${silent.target}`);
    expect(counting.calls[2]!.timeout).toBeCloseTo(1500, -1);
    expect(
      await get(port, `/probe?target=${silent.target}`, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': 'soon' } }),
    ).toMatchObject({ status: 400, body: 'invalid X-Prometheus-Scrape-Timeout-Seconds header\n' });
    expect(counting.calls).toHaveLength(3);
  });

  it('probeBudgetMs: offsets, caps, and refuses what is not a positive number', () => {
    expect(probeBudgetMs(undefined, 2000, 500)).toBe(2000);
    expect(probeBudgetMs('10', 2000, 500)).toBe(2000);
    expect(probeBudgetMs('1.5', 2000, 500)).toBe(1000);
    expect(probeBudgetMs('0.4', 2000, 500)).toBe(200); // not above the offset: half the header
    expect(probeBudgetMs('1', 2000, 0)).toBe(1000);
    for (const bad of ['0', '-1', '', 'NaN', '1e3', ' 1 2', 'Infinity'])
      expect(probeBudgetMs(bad, 2000, 500), bad).toBeUndefined();
    expect(probeBudgetMs(['1', '2'], 2000, 500)).toBeUndefined();
  });

  it('one probe in flight per target: twenty concurrent scrapes make one connection', async () => {
    const fake = await serve(galeraNode(SYNCED_NODE));
    const { port } = await exporterEndpoint({ cacheMs: 1000, maxAgeMs: 2000 });
    const replies = await Promise.all(Array.from({ length: 20 }, () => get(port, `/probe?target=${fake.target}`)));
    expect(replies.every((r) => sample(r.body, 'probe_success') === 1)).toBe(true);
    expect(fake.connections).toHaveLength(1);
  });

  it('--cache: a result younger than the cache is reused, with its age', async () => {
    const fake = await serve(galeraNode(SYNCED_NODE));
    const { port } = await exporterEndpoint({ cacheMs: 60_000, maxAgeMs: 60_000 });
    await get(port, `/probe?target=${fake.target}`);
    await sleep(30);
    const second = await get(port, `/probe?target=${fake.target}`);
    expect(fake.connections).toHaveLength(1);
    expect(sample(second.body, 'galera_probe_result_age_seconds')).toBeGreaterThan(0.02);
  });

  it('--max-concurrent-probes: a probe waiting for a slot still ends by its deadline', async () => {
    const silent = await serve(() => {});
    const other = await serve(() => {}, '127.0.0.2');
    const { port } = await exporterEndpoint({ maxConcurrentProbes: 1, timeoutMs: 1500, timeoutOffsetMs: 0 });
    const first = get(port, `/probe?target=${silent.target}`);
    await sleep(50);
    const started = performance.now();
    // A 0.5 s scrape while the only slot is taken for 1.5 s: it waits half its budget for a slot, then gives up.
    const second = await get(port, `/probe?target=${other.target}`, {
      headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '0.5' },
    });
    const elapsed = performance.now() - started;
    expect(sample(second.body, 'galera_probe_outcome{outcome="timeout"}')).toBe(1);
    expect(sample(second.body, 'probe_success')).toBe(0);
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(1400);
    // It never got a slot: no connection to it.
    expect(other.connections).toHaveLength(0);
    expect(sample((await first).body, 'galera_probe_outcome{outcome="timeout"}')).toBe(1);
    const metrics = await get(port, '/metrics');
    expect(sample(metrics.body, 'galera_probe_exporter_probe_slots')).toBe(1);
    expect(sample(metrics.body, 'galera_probe_exporter_requests_total{code="200"}')).toBe(2);
  });

  it('targets are forgotten when idle, and a full map refuses new targets with 503', async () => {
    const a = await serve(galeraNode(SYNCED_NODE));
    const b = await serve(galeraNode(SYNCED_NODE), '127.0.0.2');
    const c = await serve(galeraNode(SYNCED_NODE), '127.0.0.3');
    const busy = await exporterEndpoint({ maxTargets: 2, idleMs: 600_000 });
    await get(busy.port, `/probe?target=${a.target}`);
    await get(busy.port, `/probe?target=${b.target}`);
    expect(await get(busy.port, `/probe?target=${c.target}`)).toMatchObject({
      status: 503,
      body: 'too many targets\n',
    });
    expect(busy.exporter.size).toBe(2);

    const idle = await exporterEndpoint({ maxTargets: 2, idleMs: 0 });
    for (const f of [a, b, c, a])
      expect(sample((await get(idle.port, `/probe?target=${f.target}`)).body, 'probe_success')).toBe(1);
    expect(idle.exporter.size).toBeLessThanOrEqual(2);
  });

  it('a new allow list forgets the targets it no longer allows', async () => {
    const a = await serve(galeraNode(SYNCED_NODE));
    const { port, exporter } = await exporterEndpoint({ policy: new TargetPolicy({ exact: [a.target] }) });
    expect((await get(port, `/probe?target=${a.target}`)).status).toBe(200);
    expect(exporter.size).toBe(1);
    exporter.setPolicy(new TargetPolicy({ exact: ['127.0.0.1:1'] }));
    expect(exporter.size).toBe(0);
    expect((await get(port, `/probe?target=${a.target}`)).status).toBe(403);
  });

  it('an exporter without a node of its own has no /health; other methods get 405', async () => {
    const counting = countingProbe();
    const { port } = await exporterEndpoint({ probe: counting.probe });
    expect((await get(port, '/probe?target=127.0.0.1:3306', { method: 'POST' })).status).toBe(405);
    expect(counting.calls).toEqual([]);
    expect((await get(port, '/health')).status).toBe(404);
    expect((await get(port, '/live')).status).toBe(404);
    const m = await get(port, '/metrics');
    expect(m.status).toBe(200);
    expect(m.body).toContain('galera_probe_exporter_targets 0');
    expect(m.body).not.toContain('galera_probe_healthy');
  });
});

describe('the allow list', () => {
  it('parses targets into one canonical key, and refuses the rest', () => {
    expect(parseTargetAddress('DB1.Example.com:3307')).toEqual({
      host: 'db1.example.com',
      port: 3307,
      ip: 0,
      key: 'db1.example.com:3307',
    });
    expect(parseTargetAddress('10.0.0.1')).toMatchObject({ port: 3306, ip: 4, key: '10.0.0.1:3306' });
    expect(parseTargetAddress('[0:0::1]:3306').key).toBe('[::1]:3306');
    expect(parseTargetAddress('[FD00::1]').key).toBe('[fd00::1]:3306');
    for (const bad of [
      '',
      ':3306',
      'a:',
      'a b',
      '[::1]x',
      '[1.2.3.4]:1',
      '1.2.3.04:1',
      '-a.b:1',
      'a-.b:1',
      'a.b.:1',
      '%41:1',
    ]) {
      expect(() => parseTargetAddress(bad), bad).toThrow(TargetPolicyError);
    }
  });

  it('globs match within a label, ports and ranges hold, CIDRs match addresses only', () => {
    const p = new TargetPolicy({
      patterns: [
        '*.db.example.com:3306',
        'node-?.example.com:3306-3308',
        '10.1.0.0/16:*',
        '[fd00::/8]:3306',
        '192.168.1.7:3306',
      ],
      exact: ['db.example.net:4000'],
    });
    const allows = (t: string): boolean => p.allows(parseTargetAddress(t));
    expect(
      [
        'x.db.example.com:3306',
        'X.DB.example.com:3306',
        'node-1.example.com:3308',
        '10.1.200.3:1',
        '[fd12::3]:3306',
        '192.168.1.7:3306',
        'db.example.net:4000',
      ].filter((t) => !allows(t)),
    ).toEqual([]);
    expect(
      [
        'db.example.com:3306',
        'a.b.db.example.com:3306',
        'x.db.example.com:3307',
        'node-10.example.com:3306',
        'node-1.example.com:3309',
        '10.2.0.1:3306',
        '[fe80::1]:3306',
        '192.168.1.8:3306',
        'db.example.net:4001',
        '10.1.0.1.nip.io:3306',
      ].filter((t) => allows(t)),
    ).toEqual([]);
    expect(p.size).toBe(6);
  });

  it('a pattern must have a port and a valid host part', () => {
    for (const bad of [
      'db.example.com',
      'db:0',
      'db:3306-3300',
      'a b:1',
      '10.0.0.0/40:1',
      '[10.0.0.0/8]:1',
      '[nope]:1',
      'db:x',
      ':1',
    ]) {
      expect(() => parsePattern(bad), bad).toThrow(TargetPolicyError);
    }
  });
});

describe('Prometheus text', () => {
  it('escapes label values and groups samples of one family under one HELP/TYPE', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    const out = new PromText();
    out.add('x_total', 'counter', 'Help with \\ and\nnewline.', { t: 'a' }, 1);
    out.add('y', 'gauge', 'Y.', {}, 0.5);
    out.add('x_total', 'counter', 'ignored', { t: 'b"' }, 2);
    expect(out.render()).toBe(
      '# HELP x_total Help with \\\\ and\\nnewline.\n# TYPE x_total counter\nx_total{t="a"} 1\nx_total{t="b\\""} 2\n# HELP y Y.\n# TYPE y gauge\ny 0.5\n',
    );
    expect(() => out.add('x_total', 'gauge', '', {}, 1)).toThrow(/counter/);
    expect(() => out.add('bad-name', 'gauge', '', {}, 1)).toThrow(/invalid metric/);
    expect(() => out.add('z', 'gauge', '', { __x: 'y' }, 1)).toThrow(/invalid label/);
  });

  it('nodeGauges: the numeric fields a node reported, counters in base units, the rest as info labels', () => {
    const result = {
      target: 'db1:3306',
      healthy: true,
      outcome: 'healthy',
      reason: 'synced',
      timings: { connect: 1, total: 5 },
      node: {
        version: '10.11',
        clusterSize: 2,
        clusterStatus: 'Primary',
        localState: 4,
        lastCommitted: 1234,
        flowControlPausedNs: 2_500_000_000,
        nodeName: 'db "one"',
        clusterStateUuid: 'u-1',
      },
    } as unknown as ProbeResult;
    const out = new PromText();
    nodeGauges(out, result, { instance: 'db1:3306' });
    nodeGauges(out, { ...result, node: { version: '10.11', clusterSize: 1 } } as ProbeResult, { instance: 'db2:3306' });
    const text = out.render();
    expect(sample(text, 'galera_probe_wsrep_cluster_size{instance="db1:3306"}')).toBe(2);
    expect(sample(text, 'galera_probe_wsrep_cluster_size{instance="db2:3306"}')).toBe(1);
    expect(sample(text, 'galera_probe_wsrep_last_committed{instance="db1:3306"}')).toBe(1234);
    expect(sample(text, 'galera_probe_wsrep_flow_control_paused_seconds_total{instance="db1:3306"}')).toBe(2.5);
    expect(text).toContain('# TYPE galera_probe_wsrep_flow_control_paused_seconds_total counter');
    expect(text).toContain(
      'galera_probe_node_info{instance="db1:3306",version="10.11",cluster_status="Primary",cluster_state_uuid="u-1",node_name="db \\"one\\""} 1',
    );
    expect(text.match(/# TYPE galera_probe_wsrep_cluster_size /g)).toHaveLength(1);

    const failed = new PromText();
    probeGauges(failed, {
      target: 'x',
      healthy: false,
      outcome: 'timeout',
      phase: 'greeting',
      reason: 'r',
      timings: { connect: 1, greeting: 1000, total: 1001 },
    });
    expect(sample(failed.render(), 'probe_duration_seconds')).toBe(1.001);
    expect(failed.render()).not.toContain('node_info');
  });
});

describe('Slots', () => {
  it('grants up to max, queues the rest, hands a released slot on, and gives up at the deadline', async () => {
    const slots = new Slots(1);
    expect(await slots.acquire(0)).toBe(true);
    expect(await slots.acquire(0)).toBe(false);
    const waiting = slots.acquire(1000);
    expect(slots.waiting).toBe(1);
    slots.release();
    expect(await waiting).toBe(true);
    expect(slots.inUse).toBe(1);
    const t0 = performance.now();
    expect(await slots.acquire(60)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
    const aborter = new AbortController();
    const aborted = slots.acquire(10_000, aborter.signal);
    aborter.abort();
    expect(await aborted).toBe(false);
    expect(slots.waiting).toBe(0);
    slots.release();
    expect(slots.inUse).toBe(0);
  });
});

describe('targets file', () => {
  it('targets, names, labels (bare and quoted), auth modules and comments', () => {
    const text = [
      '# the fleet',
      '',
      '10.0.1.11:3306      db1   cluster=prod dc=eu',
      'DB2.example.com     db2   cluster=prod dc="eu \\"west\\"" auth_module=Prod  # a comment',
      '[fd00::12]:3306',
      '10.0.1.11:3306      db1b  auth_module=other',
      '\r',
    ].join('\n');
    const entries = parseTargetsFile(text, 'fleet.txt');
    expect(entries).toEqual([
      { target: '10.0.1.11:3306', name: 'db1', labels: { cluster: 'prod', dc: 'eu' } },
      { target: 'db2.example.com:3306', name: 'db2', labels: { cluster: 'prod', dc: 'eu "west"' }, authModule: 'prod' },
      { target: '[fd00::12]:3306', labels: {} },
      { target: '10.0.1.11:3306', name: 'db1b', labels: {}, authModule: 'other' },
    ]);
    expect(serviceDiscovery(entries)[1]).toEqual({
      targets: ['db2.example.com:3306'],
      labels: { cluster: 'prod', dc: 'eu "west"', name: 'db2', __param_auth_module: 'prod' },
    });
  });

  it('malformed lines name the file and line, never the values', () => {
    const cases: [string, RegExp][] = [
      ['db1:3306\nnot_a_target!:1', /^f:2: the first word must be a target/],
      ['db1:3306 db1 cluster', /^f:1: expected label=value/],
      ['db1:3306 db1 __meta=x', /^f:1: invalid label name/],
      ['db1:3306 db1 9x=1', /^f:1: invalid label name/],
      ['db1:3306 db1 dc="open', /^f:1: unterminated quote/],
      ['db1:3306 db1 a=1 a=2', /^f:1: a label is given twice/],
      ['db1:3306\ndb1:3306', /^f:2: this target is listed already/],
      ["db1:3306 db1 dc=it's", /^f:1: invalid label value/],
    ];
    for (const [text, error] of cases) {
      expect(() => parseTargetsFile(text, 'f'), text).toThrow(TargetsFileError);
      expect(() => parseTargetsFile(text, 'f'), text).toThrow(error);
    }
    try {
      parseTargetsFile('db1:3306 db1 secret="s3cr3t', 'f');
    } catch (err) {
      expect((err as Error).message).not.toContain('s3cr3t');
    }
  });
});

describe('galera-probe serve as an exporter, the process', () => {
  let children: ChildProcess[] = [];
  let dirs: string[] = [];
  afterEach(() => {
    for (const c of children) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    children = [];
    dirs = [];
  });

  function start(args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof spawnServe> {
    const started = spawnServe(['--listen', '127.0.0.1:0', ...args], env);
    children.push(started.child);
    return started;
  }

  async function waitFor(stderr: () => string, pattern: RegExp): Promise<RegExpExecArray> {
    for (let i = 0; i < 100; i++) {
      const m = pattern.exec(stderr());
      if (m) return m;
      await sleep(50);
    }
    throw new Error(`no ${pattern} in: ${stderr()}`);
  }

  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'gp-exporter-'));
    dirs.push(dir);
    return dir;
  }

  it('exporter only: /probe with [client.NAME] credentials, /targets, SIGHUP re-reads the file and keeps it when bad', async () => {
    const a = await serve(galeraNode(SYNCED_NODE, { password: 'pw-a' }));
    const b = await serve(galeraNode(SYNCED_NODE, { password: 'pw-b' }), '127.0.0.2');
    const dir = tempDir();
    const cnf = join(dir, 'my.cnf');
    writeFileSync(
      cnf,
      '[client]\nuser = monitor\npassword = pw-a\nssl-mode = DISABLED\n[client.other]\nuser = other\npassword = pw-b\n',
    );
    const targets = join(dir, 'targets');
    writeFileSync(targets, `# fleet\n${a.target} node-a cluster=one\n`);
    const s = start(['--defaults-file', cnf, '--targets-file', targets]);
    const port = Number((await waitFor(s.stderr, /on http:\/\/127\.0\.0\.1:(\d+) /))[1]);
    await waitFor(
      s.stderr,
      /exporter: 1 targets from .*targets, 0 patterns, 1 auth modules, at most 64 probes at once/,
    );

    expect(sample((await get(port, `/probe?target=${a.target}`)).body, 'probe_success')).toBe(1);
    expect((await get(port, `/probe?target=${b.target}`)).status).toBe(403);
    expect(JSON.parse((await get(port, '/targets')).body)).toEqual([
      { targets: [a.target], labels: { cluster: 'one', name: 'node-a' } },
    ]);
    expect((await get(port, '/health')).status).toBe(404);

    writeFileSync(targets, `${a.target} node-a cluster=one\n${b.target} node-b auth_module=other\n`);
    s.child.kill('SIGHUP');
    await waitFor(s.stderr, /SIGHUP: .*targets re-read: 2 targets/);
    expect(sample((await get(port, `/probe?target=${b.target}&auth_module=other`)).body, 'probe_success')).toBe(1);
    expect(JSON.parse((await get(port, '/targets')).body)[1]).toEqual({
      targets: [b.target],
      labels: { name: 'node-b', __param_auth_module: 'other' },
    });

    writeFileSync(targets, `${a.target}\nnot a [target\n`);
    s.child.kill('SIGHUP');
    await waitFor(s.stderr, /SIGHUP: keeping the previous 2 targets: .*targets:2: /);
    expect((await get(port, `/probe?target=${b.target}&auth_module=other`)).status).toBe(200);
    writeFileSync(targets, `${a.target} x auth_module=nope\n`);
    s.child.kill('SIGHUP');
    await waitFor(s.stderr, /keeping the previous 2 targets: .*no \[client\.nope\] group/);

    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(s.stderr()).not.toMatch(/pw-a|pw-b/);
  });

  it('beside its own node: /health for the node, /probe for allowed targets', async () => {
    const own = await serve(galeraNode(SYNCED_NODE));
    const other = await serve(galeraNode(NON_PRIMARY_NODE), '127.0.0.2');
    const s = start(['--no-defaults', '-u', 'monitor', '--allow-target', '127.0.0.2:*', own.target]);
    const port = Number((await waitFor(s.stderr, /on http:\/\/127\.0\.0\.1:(\d+) /))[1]);
    expect(await get(port, '/health')).toMatchObject({ status: 200, body: 'synced\n' });
    expect(sample((await get(port, `/probe?target=${other.target}`)).body, 'probe_success')).toBe(0);
    expect((await get(port, `/probe?target=${own.target}`)).status).toBe(403);
    const metrics = (await get(port, '/metrics')).body;
    expect(metrics).toContain('galera_probe_healthy 1');
    expect(metrics).toContain('galera_probe_exporter_targets 1');
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
  });

  it('bad exporter options and files are usage errors (exit 64) naming the problem', async () => {
    const dir = tempDir();
    const targets = join(dir, 'targets');
    writeFileSync(targets, '10.0.0.1:3306 db1 __x=1\n');
    const cases: [string[], RegExp][] = [
      [['--targets-file', targets], /targets:1: invalid label name/],
      [['--targets-file', join(dir, 'missing')], /missing: cannot read \(ENOENT\)/],
      [['--allow-target', 'db.example.com'], /--allow-target "db\.example\.com": a port is required/],
      [
        ['--allow-target', '*:*', '--max-concurrent-probes', '0'],
        /--max-concurrent-probes: expected a number from 1 to 10000/,
      ],
      [['--allow-target', '*:*', '--timeout-offset', 'soon'], /--timeout-offset: expected a duration/],
      [[], /missing target/],
    ];
    for (const [args, message] of cases) {
      const s = start(['--no-defaults', ...args]);
      expect([args, await s.exit]).toEqual([args, 64]);
      expect(s.stderr()).toMatch(message);
    }
  });
});

describe('damaged input', () => {
  it('500 damaged targets: 200 only for the allowed one, 400 or 403 otherwise, never a probe elsewhere, nothing echoed', async () => {
    const fake = await serve(galeraNode(SYNCED_NODE));
    // Names the glob allows are answered here, without a DNS lookup or a connection.
    const calls: ProbeOptions[] = [];
    const stub = async (o: ProbeOptions): Promise<ProbeResult> => {
      calls.push(o);
      if (`${o.host}:${o.port}` === fake.target) return probe(o);
      return {
        target: `${o.host}:${o.port}`,
        healthy: false,
        outcome: 'unreachable',
        reason: 'stub',
        timings: { total: 0 },
      };
    };
    const counting = { calls };
    const { port } = await exporterEndpoint({
      policy: new TargetPolicy({ exact: [fake.target], patterns: ['*.example.com:3306'] }),
      probe: stub,
      cacheMs: 60_000,
      maxAgeMs: 60_000,
    });
    const random = rng(12);
    for (let i = 0; i < 500; i++) {
      const { bytes, ops } = mutate(Buffer.from(i % 2 ? fake.target : 'db1.example.com:3306'), random);
      const text = bytes.toString('latin1');
      const r = await get(port, `/probe?target=${encodeURIComponent(text)}`);
      expect([200, 400, 403], `${ops.join(',')}: ${r.status}`).toContain(r.status);
      if (r.status !== 200)
        expect(r.body).toMatch(/^(target not allowed|malformed target: .*|missing target parameter)\n$/);
      if (text.length > 3) expect(r.body).not.toContain(text);
    }
    // Every probe that ran went to the allowed target, or to a name the glob allows.
    for (const c of counting.calls)
      expect(`${c.host}:${c.port}` === fake.target || (c.host!.endsWith('.example.com') && c.port === 3306)).toBe(true);
  }, 60_000);

  it('damaged targets files and web configs parse or fail with their own error, naming a line', () => {
    const random = rng(34);
    const targets = Buffer.from(
      '# fleet\n10.0.1.11:3306 db1 cluster=prod dc="eu west"\n[fd00::1]:3306\ndb2.example.com db2 auth_module=prod\n',
    );
    const web = Buffer.from(
      `tls_server_config:\n  cert_file: a.pem\n  key_file: 'b.pem'\n  client_auth_type: RequireAnyClientCert\nbasic_auth_users:\n  u: "$2y$04$${'a'.repeat(53)}"\n`,
    );
    for (let i = 0; i < 1000; i++) {
      const t = mutate(targets, random).bytes.toString('utf8');
      try {
        parseTargetsFile(t, 'targets');
      } catch (err) {
        expect(err, t).toBeInstanceOf(TargetsFileError);
        expect((err as Error).message).toMatch(/^targets:\d+: /);
      }
      const w = mutate(web, random).bytes.toString('utf8');
      try {
        parseWebConfig(w, 'web.yml');
      } catch (err) {
        expect(err, w).toBeInstanceOf(WebConfigError);
        expect((err as Error).message).toMatch(/^web\.yml:\d+: /);
      }
    }
  });
});
