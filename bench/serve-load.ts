/**
 * Benchmark 3: `galera-probe serve` under load. wrk (Debian's; installed with apt-get when
 * missing) hits `/health` with `--connections` (64) for `--duration` seconds (10): requests
 * per second, p50 and p99 latency, and how many connections the database saw meanwhile
 * (`Connections` status before and after, less the status query's own). Side by side, in
 * alternating rounds: a clustercheck-style responder, the usual alternative, which runs the
 * `mariadb` client for every HTTP request (bench/clustercheck-peer.mjs). And `serve --cluster`
 * over every node of the test cluster (three), whose /health also consults the cluster view:
 * the database connections it makes are counted on every node.
 *
 *   npm run bench:serve -- [--duration 10] [--connections 64] [--rounds 2] [--no-peer] [--no-cluster]
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { database, flagArg, intArg, report, ROOT, summary } from './lib.js';

const duration = intArg('duration', 10, 1, 300);
const connections = intArg('connections', 64, 1, 10_000);
const rounds = intArg('rounds', 2, 1, 20);
const cacheMs = 1000;
const db = database();

function ensureWrk(): boolean {
  if (spawnSync('wrk', ['--version']).error === undefined) return true;
  process.stderr.write('bench: installing wrk (apt-get)\n');
  const r = spawnSync('apt-get', ['install', '-y', '-q', 'wrk'], {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 300_000,
  });
  return r.status === 0 && spawnSync('wrk', ['--version']).error === undefined;
}

/** The ports of every node of the test cluster (galera-cluster.sh env), for serve --cluster. */
function clusterPorts(): number[] {
  try {
    const text = execFileSync('bash', [join(ROOT, 'scripts', 'galera-cluster.sh'), 'env'], { encoding: 'utf8' });
    return [...text.matchAll(/^export GP_NODE\d+_PORT='(\d+)'$/gm)].map((m) => Number(m[1]));
  } catch {
    return [];
  }
}
const nodePorts = clusterPorts();

function dbConnections(port = db.port): number {
  const out = execFileSync(
    'mariadb',
    [
      '--no-defaults',
      '--protocol=TCP',
      '-h',
      db.host,
      '-P',
      String(port),
      '-u',
      db.adminUser,
      '-N',
      '-B',
      '-e',
      "SHOW GLOBAL STATUS LIKE 'Connections'",
    ],
    { encoding: 'utf8', env: { ...process.env, MYSQL_PWD: db.adminPassword } },
  );
  return Number(out.trim().split('\t')[1]);
}

/** Starts a child that logs (stderr or stdout) the line `pattern` holding its port. */
async function startServer(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  pattern: RegExp,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(file, args, {
    env: { PATH: process.env['PATH'], HOME: '/nonexistent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (text += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (text += d));
  for (let i = 0; i < 200; i++) {
    const m = pattern.exec(text);
    if (m) return { child, port: Number(m[1]) };
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`${file} did not start: ${text}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

interface WrkFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
  dbConnections: number;
}

function ms(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v * 60_000;
}

function wrk(port: number): Omit<WrkFigures, 'dbConnections'> {
  // One wrk thread: on two cores, a second one would compete with the server it measures.
  const threads = '1';
  const out = execFileSync(
    'wrk',
    ['-t', threads, '-c', String(connections), '-d', `${duration}s`, '--latency', `http://127.0.0.1:${port}/health`],
    {
      encoding: 'utf8',
      timeout: (duration + 30) * 1000,
    },
  );
  const num = (re: RegExp): number => Number(re.exec(out)?.[1] ?? 0);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requestsPerSecond: num(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: ms(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? ''),
    p99Ms: ms(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? ''),
    requests: num(/(\d+) requests in/),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    socketErrors: errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}

type Label = 'galera-probe serve' | 'galera-probe serve --cluster' | 'clustercheck-style';

async function measure(label: Label): Promise<WrkFigures> {
  const serveArgs = [
    join(ROOT, 'bin', 'galera-probe'),
    'serve',
    '--no-defaults',
    '--listen',
    '127.0.0.1:0',
    '--log',
    'json',
    '--cache',
    `${cacheMs}ms`,
    '-u',
    db.user,
  ];
  const list = nodePorts.map((p) => `${db.host}:${p}`).join(',');
  const server =
    label === 'clustercheck-style'
      ? await startServer(
          process.execPath,
          [join(ROOT, 'bench', 'clustercheck-peer.mjs'), db.host, String(db.port), db.user],
          { MYSQL_PWD: db.password },
          /listening on (\d+)/,
        )
      : await startServer(
          process.execPath,
          [...serveArgs, ...(label === 'galera-probe serve --cluster' ? ['--cluster', list] : []), db.target],
          { MYSQL_PWD: db.password },
          /"address":"127\.0\.0\.1:(\d+)"/,
        );
  // serve --cluster connects to every node; the others only to this one.
  const ports = label === 'galera-probe serve --cluster' ? nodePorts : [db.port];
  try {
    const before = ports.map((p) => dbConnections(p));
    const figures = wrk(server.port);
    const after = ports.map((p) => dbConnections(p));
    // Each `after` counts the `before` query's own connection.
    return { ...figures, dbConnections: after.reduce((sum, a, i) => sum + a - before[i]! - 1, 0) };
  } finally {
    await stop(server.child);
  }
}

if (!ensureWrk()) {
  report('serve', { skipped: ['wrk could not be installed'] });
  process.exit(0);
}
const labels: Label[] = ['galera-probe serve'];
if (!flagArg('no-cluster') && nodePorts.length > 1) labels.push('galera-probe serve --cluster');
if (!flagArg('no-peer')) labels.push('clustercheck-style');
const runs = new Map<string, WrkFigures[]>();
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < labels.length; k++) {
    const label = labels[(k + round) % labels.length]!;
    runs.set(label, [...(runs.get(label) ?? []), await measure(label)]);
  }
}
const med = (xs: WrkFigures[], f: (x: WrkFigures) => number): number => summary(xs.map(f)).median;
const results: Record<string, unknown> = {};
for (const [label, xs] of runs) {
  results[label] = {
    requestsPerSecond: med(xs, (x) => x.requestsPerSecond),
    p50Ms: med(xs, (x) => x.p50Ms),
    p99Ms: med(xs, (x) => x.p99Ms),
    dbConnectionsPerRun: med(xs, (x) => x.dbConnections),
    non2xx: xs.reduce((a, x) => a + x.non2xx, 0),
    socketErrors: xs.reduce((a, x) => a + x.socketErrors, 0),
    runs: xs,
  };
}
const ours = runs.get('galera-probe serve')!;
const withCluster = runs.get('galera-probe serve --cluster');
const bound = Math.ceil((duration * 1000) / cacheMs) + 1;
const clusterTargets: Record<string, boolean> = withCluster
  ? {
      '--cluster: >= 10,000 requests/s': med(withCluster, (x) => x.requestsPerSecond) >= 10_000,
      [`--cluster: database connections <= nodes x (duration / cache + 1) (${nodePorts.length * bound}) in every run`]:
        withCluster.every((x) => x.dbConnections <= nodePorts.length * bound),
    }
  : {};
report('serve', {
  database: db.target,
  durationSeconds: duration,
  connections,
  rounds,
  cacheMs,
  command: `wrk -t 1 -c ${connections} -d ${duration}s --latency http://127.0.0.1:PORT/health`,
  results,
  targets: {
    '>= 10,000 requests/s': med(ours, (x) => x.requestsPerSecond) >= 10_000,
    'p99 < 10 ms': med(ours, (x) => x.p99Ms) < 10,
    [`database connections <= duration / cache + 1 (${bound}) in every run`]: ours.every(
      (x) => x.dbConnections <= bound,
    ),
    ...clusterTargets,
  },
});
