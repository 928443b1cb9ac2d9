/**
 * Issue 19: the load-balancer paths under each attack, against the same paths under plain
 * load, in the same run. A fresh `serve` per attack (this build, or `--build DIR` for another checkout's) with
 * its own scripted synced node, basic auth (a cost-12 bcrypt hash), the exporter over
 * 127.0.0.1:* and a backtracking-prone pattern, 4 probe slots. A load balancer asks `/health`
 * 20 times a second and Prometheus scrapes `/probe` of a healthy target twice a second, while
 * one attack at a time runs (rounds interleaved):
 *
 * - plain:   nothing else;
 * - bcrypt:  12 different wrong passwords a second on /metrics, from 6 addresses;
 * - idle:    300 idle connections from 127.0.0.2, reopened as they are closed;
 * - pattern: 10 refused /probe requests a second for a 63-letter label against *a*a*a*a*a*a*b...;
 * - poison:  /probe of the healthy target with a 1 ms scrape timeout, 10 a second;
 * - slots:   20 silent targets, each scraped twice a second (40 scrapes a second).
 *
 * Reported per attack: /health's median, p99 and max (ms) and the ratio of its median and p99 to
 * plain's; the scrapes' median and how many said probe_success 1. Everything on loopback; every
 * loop bounded by `--seconds` (5) per attack and `--rounds` (2).
 *
 *   npm run bench:attacks -- [--seconds 5] [--rounds 2] [--build DIR]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bcryptHash } from '../src/serve/web/index.js';
import { galeraNode, startFakeServer, SYNCED_NODE, type FakeServer } from '../test/support/fake-server.js';
import { intArg, ratio, report, ROOT, summary } from './lib.js';

const seconds = intArg('seconds', 5, 1, 60);
const rounds = intArg('rounds', 2, 1, 10);
const buildIndex = process.argv.indexOf('--build');
const build = buildIndex >= 0 ? process.argv[buildIndex + 1]! : ROOT;

interface Reply {
  status: number;
  body: string;
  ms: number;
}

function get(
  port: number,
  path: string,
  o: { headers?: Record<string, string>; auth?: string; localAddress?: string; agent?: Agent } = {},
): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        agent: o.agent ?? false,
        headers: o.headers ?? {},
        ...(o.auth ? { auth: o.auth } : {}),
        ...(o.localAddress ? { localAddress: o.localAddress } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started }));
      },
    );
    // An answer later than 20 s counts as 20 s (and the request is given up).
    req.setTimeout(20_000, () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '', ms: performance.now() - started }));
    req.end();
  });
}

const probeSuccess = (body: string): number | undefined => {
  const line = body.split('\n').find((l) => l.startsWith('probe_success '));
  return line === undefined ? undefined : Number(line.slice('probe_success '.length));
};

/** Runs `fn` every `everyMs` until `until`, without waiting for answers; resolves when all are in. */
async function every(everyMs: number, until: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  const pending: Promise<unknown>[] = [];
  for (let i = 0; performance.now() < until; i++) {
    pending.push(fn(i));
    await sleep(everyMs);
  }
  await Promise.all(pending);
}

type Attack = (port: number, until: number, ctx: { healthy: FakeServer; silent: FakeServer[] }) => Promise<void>;

const ATTACKS: Record<string, Attack> = {
  plain: async () => undefined,
  bcrypt: (port, until) =>
    every(1000 / 12, until, (i) =>
      get(port, '/metrics', { auth: `prometheus:guess-${i}`, localAddress: `127.0.0.${2 + (i % 6)}` }),
    ),
  idle: async (port, until) => {
    const open = new Set<Socket>();
    const one = (): void => {
      if (performance.now() >= until) return;
      const s = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
      open.add(s);
      s.on('error', () => undefined);
      s.once('close', () => {
        open.delete(s);
        // Reopened, but not in a tight loop: at most 300 new connections a second.
        setTimeout(one, 1000);
      });
    };
    for (let i = 0; i < 300; i++) one();
    await sleep(Math.max(0, until - performance.now()));
    for (const s of open) s.destroy();
  },
  pattern: (port, until) =>
    every(100, until, () =>
      get(port, `/probe?target=${'a'.repeat(63)}.example.com:3306`, { auth: 'prometheus:right' }),
    ),
  poison: (port, until, { healthy }) =>
    every(100, until, () =>
      get(port, `/probe?target=${healthy.target}`, {
        auth: 'prometheus:right',
        headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '0.001' },
      }),
    ),
  slots: (port, until, { silent }) =>
    every(25, until, (i) =>
      get(port, `/probe?target=${silent[i % silent.length]!.target}`, {
        auth: 'prometheus:right',
        headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '5' },
      }),
    ),
};

async function startServe(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [join(build, 'bin', 'galera-probe'), 'serve', '--no-defaults', ...args], {
    env: { PATH: process.env['PATH'], HOME: '/nonexistent' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let text = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (text += d));
  for (let i = 0; i < 200; i++) {
    const m = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(text);
    if (m) return { child, port: Number(m[1]) };
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`serve did not start: ${text}`);
}

async function main(): Promise<void> {
  const healthy = await startFakeServer(galeraNode(SYNCED_NODE));
  const silent = await Promise.all(Array.from({ length: 20 }, () => startFakeServer(() => undefined)));
  const dir = mkdtempSync(join(tmpdir(), 'gp-bench-attacks-'));
  const web = join(dir, 'web.yml');
  writeFileSync(web, `basic_auth_users:\n  prometheus: '${bcryptHash('right', Buffer.alloc(16, 9), 12)}'\n`, {
    mode: 0o600,
  });
  const args = [
    '--listen',
    '127.0.0.1:0',
    '--web-config',
    web,
    '--allow-target',
    '127.0.0.1:*',
    '--allow-target',
    '*a*a*a*a*a*a*b.example.com:3306',
    '--max-concurrent-probes',
    '4',
    '--timeout',
    '3s',
    '-u',
    'monitor',
    '--ssl-mode',
    'DISABLED',
    healthy.target,
  ];

  const health: Record<string, number[]> = {};
  const scrapes: Record<string, { ms: number[]; ok: number; n: number }> = {};
  const names = Object.keys(ATTACKS);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length]!;
      // A fresh serve for each attack: what one attack leaves behind (a queue of hashes, a
      // pattern still being matched) must not be counted against the next.
      const serve = await startServe(args);
      const { port } = serve;
      // Warm up: the right password remembered, the healthy target known.
      await get(port, '/metrics', { auth: 'prometheus:right' });
      await get(port, `/probe?target=${healthy.target}`, { auth: 'prometheus:right' });
      const until = performance.now() + seconds * 1000;
      const h = (health[name] ??= []);
      const s = (scrapes[name] ??= { ms: [], ok: 0, n: 0 });
      await Promise.all([
        ATTACKS[name]!(port, until, { healthy, silent }),
        every(50, until, async () => h.push((await get(port, '/health')).ms)),
        every(500, until, async () => {
          const r = await get(port, `/probe?target=${healthy.target}`, {
            auth: 'prometheus:right',
            headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '5' },
          });
          s.ms.push(r.ms);
          s.n++;
          if (probeSuccess(r.body) === 1) s.ok++;
        }),
      ]);
      serve.child.kill('SIGKILL');
      await new Promise((resolve) => serve.child.once('close', resolve));
      await sleep(500);
    }
  }
  await Promise.all([healthy, ...silent].map((f) => f.close()));
  rmSync(dir, { recursive: true, force: true });

  const plain = summary(health['plain']!);
  const results = Object.fromEntries(
    names.map((name) => {
      const h = summary(health[name]!);
      const s = scrapes[name]!;
      return [
        name,
        {
          health: h,
          healthMedianVsPlain: ratio(h.median, plain.median),
          healthP99VsPlain: ratio(h.p99, plain.p99),
          scrapeMedianMs: summary(s.ms).median,
          scrapesOk: `${s.ok}/${s.n}`,
        },
      ];
    }),
  );
  report('attacks', { build, seconds, rounds, results });
}

void main();
