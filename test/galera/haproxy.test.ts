/**
 * End to end: a real HAProxy (Debian's) balancing MySQL connections over the three nodes,
 * health-checking each through its own `galera-probe serve` with `option httpchk`. A node
 * isolated from the cluster is marked DOWN (read from HAProxy's stats socket) within a few
 * check intervals, and no SQL connection through HAProxy lands on it while it is DOWN; once
 * it rejoins, HAProxy marks it UP again.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, cluster, node, ROOT, sleep, sql, waitAllSynced, waitFor, wsrepState } from './support/cluster.js';

const INTER_MS = 500;
const FALL = 2;
const RISE = 2;

let dir: string;
let haproxy: ChildProcess | undefined;
const serves: ChildProcess[] = [];
let frontPort = 0;
let statsSocket = '';

/** Starts `galera-probe serve` for one node; resolves with the port it listens on. */
async function startServe(n: number): Promise<number> {
  const { user, password } = cluster().user.native;
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'galera-probe'), 'serve', '--no-defaults', '--listen', '127.0.0.1:0', '--cache', '250ms', '--timeout', '1s', '-u', user, node(n).target],
    { env: { PATH: process.env['PATH'], HOME: '/nonexistent', MYSQL_PWD: password }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  serves.push(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let port = 0;
  await waitFor(`serve for node ${n} to listen`, () => {
    const m = /on http:\/\/127\.0\.0\.1:(\d+) /.exec(stderr);
    if (m) port = Number(m[1]);
    return port > 0 || child.exitCode !== null;
  }, 10_000, 50);
  if (port === 0) throw new Error(`serve for node ${n} did not start: ${stderr}`);
  return port;
}

/** `show stat` from the stats socket, as rows keyed by column name. */
async function showStat(): Promise<Record<string, string>[]> {
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect(statsSocket, () => socket.end('show stat\n'));
    let out = '';
    socket.setEncoding('utf8').on('data', (d: string) => (out += d));
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
    socket.setTimeout(5000, () => socket.destroy(new Error('stats socket timeout')));
  });
  const [header, ...lines] = text.trim().split('\n');
  const columns = header!.replace(/^# /, '').split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i] ?? String(i), v])));
}

let lastStat: Record<string, Record<string, string>> = {};
async function serverStatus(name: string): Promise<string> {
  const rows = await showStat();
  lastStat = Object.fromEntries(rows.filter((r) => r['pxname'] === 'galera').map((r) => [r['svname']!, r]));
  return lastStat[name]?.['status'] ?? 'missing';
}

async function waitStatus(name: string, wanted: (status: string) => boolean, limitMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const status = await serverStatus(name);
    if (wanted(status)) return Date.now() - started;
    if (Date.now() - started > limitMs) throw new Error(`${name} still ${status} after ${limitMs} ms`);
    await sleep(100);
  }
}

/** One SQL connection through HAProxy: the port of the node it landed on. */
async function landedOn(): Promise<number> {
  const { user, password } = cluster().user.native;
  const out = await new Promise<string>((resolve, reject) => {
    execFile(
      'mariadb',
      ['--no-defaults', '--protocol=TCP', '-h', '127.0.0.1', '-P', String(frontPort), '-u', user, '-N', '-B', '--connect-timeout=5', '-e', 'SELECT @@port'],
      { env: { ...process.env, MYSQL_PWD: password }, timeout: 10_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}${stderr}`)) : resolve(stdout)),
    );
  });
  return Number(out.trim());
}

beforeAll(async () => {
  await waitAllSynced();
  dir = mkdtempSync(join(tmpdir(), 'gp-haproxy-'));
  statsSocket = join(dir, 'stats.sock');
  frontPort = await closedPort();
  const servePorts: number[] = [];
  for (const { n } of cluster().nodes) servePorts.push(await startServe(n));
  const config = [
    'global',
    `  stats socket ${statsSocket} mode 600 level admin`,
    '  maxconn 200',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout check 2s',
    'listen galera',
    `  bind 127.0.0.1:${frontPort}`,
    '  balance roundrobin',
    '  option httpchk GET /health',
    '  http-check expect status 200',
    `  default-server inter ${INTER_MS}ms fall ${FALL} rise ${RISE}`,
    ...cluster().nodes.map(({ n, port }, i) => `  server node${n} 127.0.0.1:${port} check port ${servePorts[i]}`),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'haproxy.cfg'), config);
  haproxy = spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  haproxy.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
  await waitFor('haproxy stats socket', () => haproxy!.exitCode !== null || existsSync(statsSocket), 10_000, 100);
  if (haproxy.exitCode !== null) throw new Error(`haproxy exited: ${log}`);
  for (const { n } of cluster().nodes) await waitStatus(`node${n}`, (s) => s === 'UP', 15_000);
}, 120_000);

afterAll(async () => {
  sql(3, "SET GLOBAL wsrep_provider_options='gmcast.isolate=0'");
  haproxy?.kill('SIGTERM');
  for (const child of serves) child.kill('SIGTERM');
  await Promise.all([haproxy, ...serves].map((c) => (c && c.exitCode === null ? new Promise((resolve) => c.once('close', resolve)) : undefined)));
  rmSync(dir, { recursive: true, force: true });
  await waitAllSynced();
}, 120_000);

describe('HAProxy with option httpchk against galera-probe serve', () => {
  it('spreads SQL over all three nodes while they are Synced', async () => {
    const ports = new Set<number>();
    for (let i = 0; i < 9; i++) ports.add(await landedOn());
    expect([...ports].sort()).toEqual(cluster().nodes.map((x) => x.port).sort());
  });

  it('an isolated node goes DOWN within a few check intervals, gets no SQL while DOWN, and comes back UP', async () => {
    const isolated = node(3);
    sql(3, "SET GLOBAL wsrep_provider_options='gmcast.isolate=1'");
    await waitFor('node3 non-Primary', () => wsrepState(3).status === 'non-Primary', 30_000, 100);
    // From the moment the node says non-Primary: the serve cache (250 ms), then FALL failed
    // checks INTER_MS apart (and the check in progress).
    const downAfter = await waitStatus('node3', (s) => s.startsWith('DOWN'), 10_000);
    expect(downAfter).toBeLessThanOrEqual(250 + (FALL + 2) * INTER_MS + 1000);
    // HAProxy saw an HTTP answer it did not want (layer 7), not a dead check port.
    expect(lastStat['node3']?.['check_status']).toBe('L7STS');
    expect(lastStat['node3']?.['check_code']).toBe('503');

    const landed: number[] = [];
    for (let i = 0; i < 20; i++) landed.push(await landedOn());
    expect(landed).not.toContain(isolated.port);
    expect(new Set(landed)).toEqual(new Set([node(1).port, node(2).port]));
    expect(await serverStatus('node3')).toMatch(/^DOWN/);

    sql(3, "SET GLOBAL wsrep_provider_options='gmcast.isolate=0'");
    await waitFor('node3 Synced in the Primary component', () => {
      const s = wsrepState(3);
      return s.status === 'Primary' && s.state === 4;
    }, 60_000, 100);
    const upAfter = await waitStatus('node3', (s) => s === 'UP', 10_000);
    expect(upAfter).toBeLessThanOrEqual(250 + (RISE + 2) * INTER_MS + 1000);
    console.info(`haproxy: node3 DOWN ${downAfter} ms after it said non-Primary, UP ${upAfter} ms after it said Synced`);
    const ports = new Set<number>();
    for (let i = 0; i < 9; i++) ports.add(await landedOn());
    expect(ports.has(isolated.port)).toBe(true);
  });
});
