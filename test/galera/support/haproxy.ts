/**
 * A real HAProxy (Debian's) in front of the real cluster, health-checking each node through
 * its own `galera-probe serve`: starting both, reading HAProxy's stats socket, and sending SQL
 * through a frontend. Everything started here is stopped by `stopAll`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cluster, node, ROOT, sleep, waitFor } from './cluster.js';

export interface Lab {
  dir: string;
  statsSocket: string;
  haproxy?: ChildProcess;
  serves: ChildProcess[];
  /** serve's stderr per node, for diagnostics. */
  logs: Map<number, string>;
}

export function newLab(): Lab {
  const dir = mkdtempSync(join(tmpdir(), 'gp-haproxy-'));
  return { dir, statsSocket: join(dir, 'stats.sock'), serves: [], logs: new Map() };
}

/** Starts `galera-probe serve` for node n with `args` before the target; resolves with its port. */
export async function startServe(lab: Lab, n: number, args: readonly string[]): Promise<number> {
  const { user, password } = cluster().user.native;
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin', 'galera-probe'),
      'serve',
      '--no-defaults',
      '--listen',
      '127.0.0.1:0',
      '-u',
      user,
      ...args,
      node(n).target,
    ],
    {
      env: { PATH: process.env['PATH'], HOME: '/nonexistent', MYSQL_PWD: password },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  lab.serves.push(child);
  lab.logs.set(n, '');
  child.stderr!.setEncoding('utf8').on('data', (d: string) => lab.logs.set(n, lab.logs.get(n)! + d));
  let port = 0;
  await waitFor(
    `serve for node ${n} to listen`,
    () => {
      const m = /on http:\/\/127\.0\.0\.1:(\d+) /.exec(lab.logs.get(n)!);
      if (m) port = Number(m[1]);
      return port > 0 || child.exitCode !== null;
    },
    10_000,
    50,
  );
  if (port === 0) throw new Error(`serve for node ${n} did not start: ${lab.logs.get(n)}`);
  return port;
}

/** The `defaults` section both HAProxy tests use: TCP, short connect and check timeouts. */
export const TCP_DEFAULTS: readonly string[] = [
  'defaults',
  '  mode tcp',
  '  timeout connect 2s',
  '  timeout client 30s',
  '  timeout server 30s',
  '  timeout check 2s',
];

/** Writes the configuration (after a `global` section with the stats socket) and starts HAProxy. */
export async function startHaproxy(lab: Lab, body: readonly string[]): Promise<void> {
  const config = [
    'global',
    `  stats socket ${lab.statsSocket} mode 600 level admin`,
    '  maxconn 200',
    ...body,
    '',
  ].join('\n');
  writeFileSync(join(lab.dir, 'haproxy.cfg'), config);
  const haproxy = spawn('haproxy', ['-db', '-f', join(lab.dir, 'haproxy.cfg')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  lab.haproxy = haproxy;
  let log = '';
  haproxy.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
  await waitFor('haproxy stats socket', () => haproxy.exitCode !== null || existsSync(lab.statsSocket), 10_000, 100);
  if (haproxy.exitCode !== null) throw new Error(`haproxy exited: ${log}`);
}

/** `show stat` from the stats socket, as rows keyed by column name. */
export async function showStat(lab: Lab): Promise<Record<string, string>[]> {
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect(lab.statsSocket, () => socket.end('show stat\n'));
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

/** The servers of one proxy (backend or listen section), by name. */
export async function servers(lab: Lab, proxy: string): Promise<Record<string, Record<string, string>>> {
  const rows = await showStat(lab);
  return Object.fromEntries(
    rows
      .filter((r) => r['pxname'] === proxy && r['svname'] !== 'FRONTEND' && r['svname'] !== 'BACKEND')
      .map((r) => [r['svname']!, r]),
  );
}

/** Polls until server `name` of `proxy` has a status `wanted` accepts; resolves with the time it took. */
export async function waitStatus(
  lab: Lab,
  proxy: string,
  name: string,
  wanted: (status: string) => boolean,
  limitMs: number,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const status = (await servers(lab, proxy))[name]?.['status'] ?? 'missing';
    if (wanted(status)) return Date.now() - started;
    if (Date.now() - started > limitMs) throw new Error(`${proxy}/${name} still ${status} after ${limitMs} ms`);
    await sleep(100);
  }
}

/** Runs SQL through HAProxy's frontend on `port` with the `mariadb` client; the output rows. */
export async function throughFrontend(
  port: number,
  statement: string,
  creds = cluster().user.native,
): Promise<string[][]> {
  const out = await new Promise<string>((resolve, reject) => {
    execFile(
      'mariadb',
      [
        '--no-defaults',
        '--protocol=TCP',
        '-h',
        '127.0.0.1',
        '-P',
        String(port),
        '-u',
        creds.user,
        '-N',
        '-B',
        '--connect-timeout=5',
        '-e',
        statement,
      ],
      { env: { ...process.env, MYSQL_PWD: creds.password }, timeout: 10_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}${stderr}`)) : resolve(stdout)),
    );
  });
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

/** Stops HAProxy and every serve, and removes the directory. */
export async function stopAll(lab: Lab): Promise<void> {
  lab.haproxy?.kill('SIGTERM');
  for (const child of lab.serves) child.kill('SIGTERM');
  await Promise.all(
    [lab.haproxy, ...lab.serves].map((c) =>
      c && c.exitCode === null ? new Promise((resolve) => c.once('close', resolve)) : undefined,
    ),
  );
  rmSync(lab.dir, { recursive: true, force: true });
}
