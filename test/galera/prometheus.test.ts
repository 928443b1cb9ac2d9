/**
 * End to end: a real Prometheus (Debian's) scraping the three real nodes through one
 * `galera-probe serve` exporter, with the standard multi-target relabeling and the targets
 * taken from the exporter's own `/targets` (HTTP service discovery). Through Prometheus's
 * HTTP API: probe_success is 1 for each node, 0 for an isolated node within two scrape
 * intervals of it turning non-Primary, 1 again after it rejoins; and the rules of
 * examples/prometheus/galera-probe.rules.yml, loaded as they are, flag a real split brain:
 * the recording rule galera:split_brain goes to 1, the alert GaleraSplitBrain is pending and
 * then, after its `for`, firing in /api/v1/alerts; both clear once it is healed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closedPort,
  cluster,
  healSplitBrain,
  isolate,
  node,
  rejoin,
  ROOT,
  splitBrain,
  sql,
  waitAllSynced,
  waitFor,
  wsrepState,
} from './support/cluster.js';

const SCRAPE_INTERVAL_MS = 1000;
const PROMETHEUS = '/usr/bin/prometheus';
const RULES = join(ROOT, 'examples', 'prometheus', 'galera-probe.rules.yml');
/** GaleraSplitBrain's `for` in the rules file, in ms. */
const SPLIT_BRAIN_FOR_MS = (() => {
  const m = /- alert: GaleraSplitBrain\n[^]*?\n\s+for: (\d+)s\n/.exec(readFileSync(RULES, 'utf8'));
  if (!m) throw new Error('GaleraSplitBrain has no `for: Ns` in the rules file');
  return Number(m[1]) * 1000;
})();

let dir: string;
let exporter: ChildProcess | undefined;
let prometheus: ChildProcess | undefined;
let exporterPort = 0;
let promPort = 0;
let promLog = '';

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

interface Series {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

/** An instant query through Prometheus's HTTP API. */
async function query(expr: string): Promise<Series[]> {
  const r = await httpGet(promPort, `/api/v1/query?query=${encodeURIComponent(expr)}`);
  const parsed = JSON.parse(r.body) as { status: string; data?: { result: Series[] }; error?: string };
  if (parsed.status !== 'success') throw new Error(`query ${expr}: ${parsed.error ?? r.body}`);
  return parsed.data!.result;
}

/** probe_success of each node, by node number (undefined where Prometheus has none). */
async function probeSuccess(): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const s of await query('probe_success{job="galera"}')) {
    const n = cluster().nodes.find((x) => x.target === s.metric['instance'])?.n;
    if (n !== undefined && s.value) out.set(n, Number(s.value[1]));
  }
  return out;
}

/** Polls an async condition every 200 ms, bounded. */
async function until(what: string, check: () => Promise<boolean>, limitMs: number): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() - start > limitMs) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The raw samples of node n's probe_success over the last `seconds`, oldest first: [unix ms, value]. */
async function samples(n: number, seconds: number): Promise<[number, number][]> {
  const [series] = await query(`probe_success{job="galera",instance="${node(n).target}"}[${seconds}s]`);
  return (series?.values ?? []).map(([t, v]) => [t * 1000, Number(v)]);
}

interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
}

/** The active alerts of one name, through Prometheus's /api/v1/alerts. */
async function alerts(name: string): Promise<Alert[]> {
  const r = await httpGet(promPort, '/api/v1/alerts');
  const parsed = JSON.parse(r.body) as { status: string; data: { alerts: Alert[] } };
  if (parsed.status !== 'success') throw new Error(`/api/v1/alerts: ${r.body}`);
  return parsed.data.alerts.filter((a) => a.labels['alertname'] === name);
}

async function splitBrainFlag(): Promise<number | undefined> {
  const [s] = await query('galera:split_brain');
  return s?.value ? Number(s.value[1]) : undefined;
}

beforeAll(async () => {
  await waitAllSynced();
  dir = mkdtempSync(join(tmpdir(), 'gp-prometheus-'));
  const targets = join(dir, 'targets');
  writeFileSync(
    targets,
    cluster()
      .nodes.map((x) => `${x.target} node${x.n} cluster=test`)
      .join('\n') + '\n',
  );

  const { user, password } = cluster().user.native;
  exporter = spawn(
    process.execPath,
    [
      join(ROOT, 'bin', 'galera-probe'),
      'serve',
      '--no-defaults',
      '--listen',
      '127.0.0.1:0',
      '--cache',
      '250ms',
      '--timeout',
      '2s',
      '--ssl-mode',
      'DISABLED',
      '-u',
      user,
      '--targets-file',
      targets,
    ],
    {
      env: { PATH: process.env['PATH'], HOME: '/nonexistent', MYSQL_PWD: password },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  exporter.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  await waitFor(
    'the exporter to listen',
    () => {
      const m = /on http:\/\/127\.0\.0\.1:(\d+) /.exec(stderr);
      if (m) exporterPort = Number(m[1]);
      return exporterPort > 0 || exporter!.exitCode !== null;
    },
    10_000,
    50,
  );
  if (exporterPort === 0) throw new Error(`the exporter did not start: ${stderr}`);

  // The rules operators are given, as they are; the relabeling of docs/exporter.md, with the
  // targets from the exporter's /targets.
  copyFileSync(RULES, join(dir, 'rules.yml'));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      `  scrape_interval: ${SCRAPE_INTERVAL_MS / 1000}s`,
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      'rule_files: [rules.yml]',
      'scrape_configs:',
      '  - job_name: galera',
      '    metrics_path: /probe',
      '    http_sd_configs:',
      `      - url: http://127.0.0.1:${exporterPort}/targets`,
      '        refresh_interval: 5s',
      '    relabel_configs:',
      '      - source_labels: [__address__]',
      '        target_label: __param_target',
      '      - source_labels: [__param_target]',
      '        target_label: instance',
      '      - target_label: __address__',
      `        replacement: 127.0.0.1:${exporterPort}`,
      '',
    ].join('\n'),
  );
  promPort = await closedPort();
  prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  prometheus.stderr!.setEncoding('utf8').on('data', (d: string) => (promLog = (promLog + d).slice(-20_000)));
  await until(
    'Prometheus to be ready',
    async () => (await httpGet(promPort, '/-/ready')).status === 200 || prometheus!.exitCode !== null,
    30_000,
  );
  if (prometheus.exitCode !== null) throw new Error(`prometheus exited: ${promLog}`);
}, 120_000);

afterAll(async () => {
  // Leave the cluster as it was found, whatever happened: isolation lifted, a split brain healed.
  try {
    for (const { n } of cluster().nodes) {
      try {
        sql(n, "SET GLOBAL wsrep_provider_options='gmcast.isolate=0'");
      } catch {
        // A node that is down is started by healSplitBrain below.
      }
    }
    const alone = (() => {
      try {
        const s = wsrepState(3);
        return s.status === 'Primary' && s.size === 1;
      } catch {
        return true;
      }
    })();
    if (alone) await healSplitBrain(3);
    else await waitAllSynced(90_000);
  } finally {
    prometheus?.kill('SIGTERM');
    exporter?.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    prometheus?.kill('SIGKILL');
    exporter?.kill('SIGKILL');
    if (dir && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);

describe('a real Prometheus scraping the cluster through the exporter', () => {
  it('takes the three targets from /targets and sees probe_success 1 and the wsrep gauges of each', async () => {
    await until(
      'probe_success 1 for all three nodes',
      async () => {
        const s = await probeSuccess();
        return [1, 2, 3].every((n) => s.get(n) === 1);
      },
      30_000,
    );
    const sizes = await query('galera_probe_wsrep_cluster_size{job="galera"}');
    expect(sizes.map((s) => Number(s.value![1]))).toEqual([3, 3, 3]);
    const info = await query('galera_probe_node_info{job="galera"}');
    expect(info).toHaveLength(3);
    expect(info.every((s) => s.metric['cluster'] === 'test' && /^node[123]$/.test(s.metric['name'] ?? ''))).toBe(true);
    // The rule's first evaluation may come a second after the first scrape.
    await until('galera:split_brain evaluated', async () => (await splitBrainFlag()) !== undefined, 10_000);
    expect(await splitBrainFlag()).toBe(0);
    // The rules file is loaded whole, and nothing is alerting on a healthy cluster.
    const groups = JSON.parse((await httpGet(promPort, '/api/v1/rules')).body) as {
      data: { groups: { rules: { name: string; type: string }[] }[] };
    };
    const names = groups.data.groups.flatMap((g) => g.rules.filter((r) => r.type === 'alerting').map((r) => r.name));
    expect(names.sort()).toEqual([
      'GaleraNoPrimary',
      'GaleraNoWriter',
      'GaleraNodeDown',
      'GaleraNodeLagging',
      'GaleraProbeErrors',
      'GaleraSplitBrain',
    ]);
    const active = JSON.parse((await httpGet(promPort, '/api/v1/alerts')).body) as { data: { alerts: Alert[] } };
    expect(active.data.alerts.map((a) => `${a.labels['alertname']} ${JSON.stringify(a.labels)}`)).toEqual([]);
  });

  it('an isolated node drops to 0 within two scrape intervals of turning non-Primary, and is back at 1 after it rejoins', async () => {
    await isolate(3);
    const nonPrimaryAt = Date.now();
    await until('probe_success 0 for node 3', async () => (await probeSuccess()).get(3) === 0, 20_000);
    // Prometheus's own sample times: the first 0 came at most two scrape intervals after the
    // node was seen non-Primary (seen by polling every 250 ms, so possibly a little late).
    const firstZero = (await samples(3, 60)).find(([t, v]) => v === 0 && t > nonPrimaryAt - 10_000)!;
    expect(firstZero).toBeDefined();
    expect(firstZero[0] - nonPrimaryAt).toBeLessThanOrEqual(2 * SCRAPE_INTERVAL_MS);
    expect((await probeSuccess()).get(1)).toBe(1);

    await rejoin([3]);
    const syncedAt = Date.now();
    await until('probe_success 1 for node 3 again', async () => (await probeSuccess()).get(3) === 1, 20_000);
    const firstOne = (await samples(3, 60)).find(([t, v]) => v === 1 && t > firstZero[0])!;
    expect(firstOne[0] - syncedAt).toBeLessThanOrEqual(2 * SCRAPE_INTERVAL_MS);
    console.log(
      `probe_success: first 0 ${firstZero[0] - nonPrimaryAt} ms after non-Primary was seen, first 1 ${firstOne[0] - syncedAt} ms after Synced was seen`,
    );
    expect(await splitBrainFlag()).toBe(0);
  });

  it('a real split brain: galera:split_brain 1, GaleraSplitBrain pending then firing after its `for`; both clear once it is healed', async () => {
    await until(
      'all three at 1',
      async () => {
        const s = await probeSuccess();
        return [1, 2, 3].every((n) => s.get(n) === 1);
      },
      20_000,
    );
    await splitBrain(3);
    // Node 3 alone is Primary (size 1) beside nodes 1-2 (size 2): three Primary reports, largest component 2.
    await until('galera:split_brain 1', async () => (await splitBrainFlag()) === 1, 20_000);
    const sizes = new Map(
      (await query('galera_probe_wsrep_cluster_size{job="galera"}')).map((s) => [
        s.metric['name'],
        Number(s.value![1]),
      ]),
    );
    expect(Object.fromEntries(sizes)).toEqual({ node1: 2, node2: 2, node3: 1 });
    // Each side alone looks healthy: only the rule over all of them sees the split.
    const success = await probeSuccess();
    expect([1, 2, 3].map((n) => success.get(n))).toEqual([1, 1, 1]);

    // The alert: pending first, firing once the split brain has lasted its `for`.
    let pending: Alert | undefined;
    await until(
      'GaleraSplitBrain pending',
      async () => {
        [pending] = (await alerts('GaleraSplitBrain')).filter((a) => a.state === 'pending');
        return pending !== undefined;
      },
      10_000,
    );
    let firing: Alert | undefined;
    await until(
      'GaleraSplitBrain firing',
      async () => {
        [firing] = (await alerts('GaleraSplitBrain')).filter((a) => a.state === 'firing');
        return firing !== undefined;
      },
      SPLIT_BRAIN_FOR_MS + 20_000,
    );
    const firedAfterMs = Date.now() - Date.parse(pending!.activeAt);
    expect(firing!.activeAt).toBe(pending!.activeAt); // the same alert, pending then firing
    expect(firedAfterMs).toBeGreaterThanOrEqual(SPLIT_BRAIN_FOR_MS);
    expect(firing!.labels).toMatchObject({ alertname: 'GaleraSplitBrain', severity: 'critical', cluster: 'test' });
    expect(firing!.annotations['summary']).toBe('Galera cluster test: split brain, more than one Primary component');
    expect(firing!.annotations['description']).toMatch(/minority side/);
    console.log(
      `GaleraSplitBrain: pending at ${pending!.activeAt}, firing ${firedAfterMs} ms later (for: ${SPLIT_BRAIN_FOR_MS} ms)`,
    );

    await healSplitBrain(3);
    await until('galera:split_brain 0 after healing', async () => (await splitBrainFlag()) === 0, 30_000);
    await until(
      'GaleraSplitBrain no longer active',
      async () => (await alerts('GaleraSplitBrain')).length === 0,
      30_000,
    );
    await until(
      'probe_success 1 for all three after healing',
      async () => {
        const s = await probeSuccess();
        return [1, 2, 3].every((n) => s.get(n) === 1);
      },
      30_000,
    );
  });
});
