/**
 * serve's /status: the history ring and its runs, the server-rendered page (escaping what nodes
 * say), the four paths over HTTP with their Content-Security-Policy, the sampler's bounds (no
 * doubled look, no probe beyond the cache, no timer after close), and the serve process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { STATUS_SCRIPT_MODULE, statusScriptModule } from '../scripts/bundle-status-script.js';
import type { ClusterResult } from '../src/cluster/types.js';
import type { NodeInfo, ProbeResult } from '../src/probe/types.js';
import { clusterOf, nodeResult, T } from './support/cluster-fixtures.js';
import { statusSamplerFor } from '../src/cli/serve-command.js';
import { PROTECTED_PATHS } from '../src/cli/web-setup.js';
import { createHealthServer, HealthCheck, shutdownHealthServer } from '../src/serve/health/index.js';
import {
  escapeHtml,
  STATUS_CSP,
  STATUS_JS,
  StatusHistory,
  statusHtml,
  statusModel,
  StatusSampler,
  statusRoutes,
} from '../src/serve/status/index.js';
import { webGuard } from '../src/serve/web/index.js';
import { galeraNode, NON_PRIMARY_NODE } from './support/fake-server.js';
import { handleCounts, settle } from './support/resources.js';
import { serverPool } from './support/server-pool.js';

const node = (n: number, over: Partial<NodeInfo> = {}, healthy = true, reason = 'synced'): ProbeResult =>
  nodeResult(n, [1, 2, 3], over, healthy, reason);
const cluster = clusterOf;

describe('the history ring', () => {
  it('holds at most its capacity, oldest first, whatever is recorded', () => {
    const h = new StatusHistory(['a'], 900);
    for (let i = 0; i < 2000; i++)
      h.record({ at: i * 1000, verdict: 'healthy', writer: 'a', nodes: [i % 7 === 0 ? 'down' : 'healthy'] });
    expect(h.size).toBe(900);
    const samples = h.samples();
    expect(samples).toHaveLength(900);
    expect(samples[0]!.at).toBe(1100 * 1000);
    expect(samples.at(-1)!.at).toBe(1999 * 1000);
    const json = h.toJSON();
    expect(json).toMatchObject({ capacity: 900, samples: 900 });
    // Runs cover the samples held and no more: from the oldest to one step after the newest.
    const runs = json.nodes[0]!.runs;
    expect(runs[0]![0]).toBe(1100 * 1000);
    expect(runs.at(-1)![1]).toBe(2000 * 1000);
    expect(runs.filter((r) => r[2] === 'down')).toHaveLength(samples.filter((s) => s.nodes[0] === 'down').length);
  });

  it('joins equal samples into runs, and a gap of more than three steps splits them', () => {
    const h = new StatusHistory(['a', 'b'], 10);
    const add = (at: number, a: 'healthy' | 'non-primary', b: 'healthy' | 'down'): void =>
      h.record({ at, verdict: 'degraded', writer: 'a', nodes: [a, b] });
    add(0, 'healthy', 'healthy');
    add(1000, 'healthy', 'down');
    add(2000, 'non-primary', 'down');
    add(10_000, 'non-primary', 'down');
    const j = h.toJSON();
    expect(j.nodes[0]!.runs).toEqual([
      [0, 2000, 'healthy'],
      [2000, 3000, 'non-primary'],
      [10_000, 11_000, 'non-primary'],
    ]);
    expect(j.nodes[1]!.runs).toEqual([
      [0, 1000, 'healthy'],
      [1000, 3000, 'down'],
      [10_000, 11_000, 'down'],
    ]);
    expect(j.verdict).toEqual([
      [0, 3000, 'degraded'],
      [10_000, 11_000, 'degraded'],
    ]);
    expect(() => h.record({ at: 1, verdict: null, writer: null, nodes: ['down'] })).toThrow(/1 nodes, the history 2/);
  });
});

describe('the server-rendered page', () => {
  const history = (targets: string[]) => new StatusHistory(targets).toJSON();

  it('escapes what nodes say: a node named <script> stays text', () => {
    const evil = '<script>alert("x")</script>';
    const c = cluster([node(1, { nodeName: evil }), node(2, {}, false, `not synced: ${evil}`), node(3)]);
    c.nodes[0]!.node!.members![0]!.name = evil;
    const again = cluster(c.nodes);
    const html = statusHtml(
      statusModel({ self: T[0]!, mode: 'cluster', at: 0, cluster: again, history: history([...T]) }),
      0,
    );
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    // The only script element is the page's own, from its own path.
    expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual(['<script src="status.js" defer>']);
    expect(escapeHtml(`a&b<c>"d"'e'`)).toBe('a&amp;b&lt;c&gt;&quot;d&quot;&#39;e&#39;');
  });

  it('names every node, the writer and the verdict; references nothing but relative paths of its own', () => {
    const h = new StatusHistory(T);
    h.record({ at: 0, verdict: 'healthy', writer: T[0]!, nodes: ['healthy', 'healthy', 'non-primary'] });
    const html = statusHtml(
      statusModel({
        self: T[0]!,
        mode: 'cluster',
        at: 1000,
        cluster: cluster([node(1), node(2), node(3)]),
        history: h.toJSON(),
      }),
      1000,
    );
    for (const t of T) expect(html).toContain(`<span class="target">${t}</span>`);
    expect(html).toContain('<strong id="writer">127.0.0.1:3311</strong>');
    expect(html).toContain('<strong id="verdict">cluster healthy</strong>');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toMatch(/<rect x="[\d.]+" y="0" width="[\d.]+" height="10" class="c-non-primary">/);
    const refs = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(2);
    for (const ref of refs) expect(ref, ref).toMatch(/^[a-z][\w.]*(\?format=json)?$/);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/);
  });

  it('without --cluster: the node alone, no writer', () => {
    const html = statusHtml(
      statusModel({
        self: T[0]!,
        mode: 'node',
        at: 0,
        node: node(1, { clusterStatus: 'non-Primary' }, false, 'non-Primary'),
        history: history([T[0]!]),
      }),
      0,
    );
    expect(html).toContain('<strong id="verdict">127.0.0.1:3311 unhealthy</strong>');
    expect(html).toContain('<dt>status</dt><dd>non-Primary</dd>');
    expect(html).toContain('n/a (no --cluster)');
  });

  it('the script builds the DOM from text, never from HTML, and fetches only its own relative path', () => {
    expect(STATUS_JS).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    expect([...STATUS_JS.matchAll(/fetch\((["'])([^"']*)\1/g)].map((m) => m[2])).toEqual(['status.json']);
    // The SVG namespace is a name, not a request.
    expect(STATUS_JS.replace(/(["'])http:\/\/www\.w3\.org\/2000\/svg\1/, '')).not.toMatch(/https?:|\/\/[a-z]/i);
  });

  it('the script served is the bundle of browser/status.ts as it is now (npm run build writes it)', async () => {
    expect(readFileSync(STATUS_SCRIPT_MODULE, 'utf8')).toBe(await statusScriptModule());
    expect(STATUS_JS).toContain('function draw(m)');
  });
});

describe('the paths over HTTP', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  async function start(
    look: () => Promise<ClusterResult>,
    guard?: NonNullable<Parameters<typeof createHealthServer>[1]>['guard'],
  ): Promise<{ base: string; sampler: StatusSampler }> {
    const sampler = new StatusSampler({
      self: T[0]!,
      targets: T,
      mode: 'cluster',
      look: async () => ({ cluster: await look() }),
      everyMs: 50,
    }).start();
    const server = createHealthServer(undefined, { routes: statusRoutes(sampler), ...(guard ? { guard } : {}) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      sampler.close();
      await shutdownHealthServer(server, undefined, 1000);
    });
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sampler };
  }

  it('/status, /status.js, /status.css and /status.json, each with the CSP; the JSON has the rows and the history', async () => {
    let c = cluster([node(1), node(2), node(3)]);
    const { base } = await start(async () => c);
    for (const [path, type] of [
      ['/status', 'text/html'],
      ['/status.js', 'text/javascript'],
      ['/status.css', 'text/css'],
      ['/status.json', 'application/json'],
    ] as const) {
      const res = await fetch(base + path);
      expect([path, res.status]).toEqual([path, 200]);
      expect(res.headers.get('content-type')).toMatch(new RegExp(`^${type}`));
      expect(res.headers.get('content-security-policy')).toBe(STATUS_CSP);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect(STATUS_CSP).toMatch(/default-src 'none'; script-src 'self'; style-src 'self'/);
    c = cluster([
      node(1),
      node(2),
      node(3, { clusterStatus: 'non-Primary', localStateComment: 'Initialized' }, false, 'non-Primary'),
    ]);
    let model:
      | {
          rows: { class: string }[];
          verdict: string;
          history: { samples: number; nodes: { runs: unknown[] }[] };
          cluster: { verdict: string };
        }
      | undefined;
    for (let i = 0; i < 100 && model?.rows[2]?.class !== 'non-primary'; i++) {
      await sleep(20);
      model = (await (await fetch(`${base}/status.json`)).json()) as typeof model;
    }
    expect(model!.rows.map((r) => r.class)).toEqual(['healthy', 'healthy', 'non-primary']);
    expect(model!.cluster.verdict).toBe(model!.verdict);
    expect(model!.history.samples).toBeGreaterThan(1);
    expect(model!.history.nodes[2]!.runs.length).toBe(2);
  });

  it('guarded like /cluster by --web-config basic auth', async () => {
    const { guard } = webGuard(
      { file: 'w.yml', warnings: [], users: new Map([['u', { cost: 4 } as never]]) },
      { paths: PROTECTED_PATHS },
    )!;
    const { base } = await start(async () => cluster([node(1), node(2), node(3)]), guard);
    for (const path of ['/status', '/status.js', '/status.css', '/status.json'])
      expect([path, (await fetch(base + path)).status]).toEqual([path, 401]);
  });
});

describe('the sampler', () => {
  it('never runs two looks at once, and leaves no timer after close', async () => {
    const before = handleCounts();
    let running = 0;
    let most = 0;
    let looks = 0;
    const sampler = new StatusSampler({
      self: T[0]!,
      targets: [T[0]!],
      mode: 'node',
      everyMs: 10,
      look: async () => {
        looks++;
        most = Math.max(most, ++running);
        await sleep(60);
        running--;
        return { node: node(1) };
      },
    }).start();
    await sleep(300);
    sampler.close();
    await sleep(80);
    await settle();
    expect(most).toBe(1);
    expect(looks).toBeGreaterThan(1);
    expect(looks).toBeLessThanOrEqual(6);
    expect(sampler.history.size).toBeLessThanOrEqual(looks);
    expect(handleCounts()['Timeout'] ?? 0).toBeLessThanOrEqual(before['Timeout'] ?? 0);
  });

  it("looks through the node's check: no probe beyond one per --cache interval", async () => {
    let probes = 0;
    const check = new HealthCheck({
      probe: async () => (probes++, node(1)),
      cacheMs: 400,
      maxAgeMs: 800,
      waitMs: 1000,
    });
    const sampler = statusSamplerFor({ self: T[0]!, check, everyMs: 20 }).start();
    await sleep(900);
    sampler.close();
    await check.close();
    expect(sampler.history.size).toBeGreaterThan(10);
    expect(probes).toBeGreaterThanOrEqual(2);
    expect(probes).toBeLessThanOrEqual(4);
  });
});

describe('the serve process', () => {
  const serveNode = serverPool();
  const bin = join(import.meta.dirname, '..', 'bin', 'galera-probe');
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });

  async function start(args: string[]): Promise<{ base: string; child: ChildProcess; exit: Promise<number | null> }> {
    const child = spawn(
      process.execPath,
      [bin, 'serve', '--no-defaults', '--listen', '127.0.0.1:0', '-u', 'probe', ...args],
      { env: { PATH: process.env['PATH'], HOME: '/nonexistent' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(child);
    const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    for (let i = 0; i < 200; i++) {
      const m = /on http:\/\/127\.0\.0\.1:(\d+) /.exec(err);
      if (m) return { base: `http://127.0.0.1:${m[1]}`, child, exit };
      await sleep(50);
    }
    throw new Error(`serve did not start: ${err}`);
  }

  it('serves /status for its node, and stops at once on SIGTERM (the sampler leaves nothing running)', async () => {
    const fake = await serveNode(galeraNode(NON_PRIMARY_NODE));
    const { base, child, exit } = await start([fake.target]);
    const html = await (await fetch(`${base}/status`)).text();
    expect(html).toContain(`<span class="target">${fake.target}</span>`);
    expect(html).toContain('<dt>status</dt><dd>non-Primary</dd>');
    const model = (await (await fetch(`${base}/status.json`)).json()) as { mode: string; rows: { class: string }[] };
    expect(model).toMatchObject({ mode: 'node', rows: [{ class: 'non-primary' }] });
    const started = performance.now();
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('an exporter-only serve has no /status', async () => {
    const { base } = await start(['--allow-target', '127.0.0.1:*']);
    expect((await fetch(`${base}/status`)).status).toBe(404);
  });
});

describe('docs/serve.md', () => {
  it('documents every field of /status.json and of its rows', () => {
    const readme = readFileSync(new URL('../docs/serve.md', import.meta.url), 'utf8');
    const row = readme.split('\n').find((l) => l.startsWith('| `GET /status.json` |'))!;
    const documented = new Set([...row.matchAll(/`([a-zA-Z]+)`/g)].map((m) => m[1]!));
    const model = statusModel({
      self: T[0]!,
      mode: 'cluster',
      at: 0,
      cluster: cluster([node(1)]),
      history: new StatusHistory([T[0]!]).toJSON(),
    });
    for (const key of [...Object.keys(model), ...Object.keys(model.rows[0]!), ...Object.keys(model.history)])
      expect(documented, key).toContain(key);
  });
});
