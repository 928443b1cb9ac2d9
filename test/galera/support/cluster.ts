/**
 * The real cluster under test: its coordinates from `scripts/galera-cluster.sh env`, SQL as
 * the admin user through the `mariadb` client (a referee that shares no code with ours), the
 * real CLI as a child process, and waits bounded in time.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CLUSTER_SCRIPT = join(ROOT, 'scripts', 'galera-cluster.sh');
const BIN = join(ROOT, 'bin', 'galera-probe');

/** Parses the `export NAME='value'` lines that `galera-cluster.sh env` prints. */
export function parseEnvLines(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z0-9_]+)='((?:[^']|'\\'')*)'$/.exec(line.trim());
    if (m) vars[m[1]!] = m[2]!.replace(/'\\''/g, "'");
  }
  return vars;
}

export interface Node {
  n: number;
  port: number;
  socket: string;
  pidFile: string;
  target: string;
}

export interface Cluster {
  host: string;
  nodes: Node[];
  vars: Record<string, string>;
  user: { native: Credentials; ed: Credentials; tls: Credentials; admin: Credentials };
  tls: { ca: string; clientCert: string; clientKey: string };
}

export interface Credentials {
  user: string;
  password: string;
}

let cached: Cluster | undefined;

/** The cluster's coordinates; throws a clear error when it is not running. */
export function cluster(): Cluster {
  if (cached) return cached;
  const vars = parseEnvLines(execFileSync('bash', [CLUSTER_SCRIPT, 'env'], { encoding: 'utf8', env: process.env }));
  const need = (name: string): string => {
    const v = vars[name];
    if (v === undefined) throw new Error(`galera-cluster.sh env did not print ${name}`);
    return v;
  };
  const host = need('GP_HOST');
  const nodes: Node[] = [];
  for (let n = 1; n <= Number(need('GP_NODES')); n++) {
    const port = Number(need(`GP_NODE${n}_PORT`));
    nodes.push({
      n,
      port,
      socket: need(`GP_NODE${n}_SOCKET`),
      pidFile: need(`GP_NODE${n}_PID_FILE`),
      target: `${host}:${port}`,
    });
  }
  const creds = (kind: string): Credentials => ({
    user: need(`GP_USER_${kind}`),
    password: need(`GP_PASSWORD_${kind}`),
  });
  cached = {
    host,
    nodes,
    vars,
    user: { native: creds('NATIVE'), ed: creds('ED'), tls: creds('TLS'), admin: creds('ADMIN') },
    tls: { ca: need('GP_TLS_CA'), clientCert: need('GP_TLS_CLIENT_CERT'), clientKey: need('GP_TLS_CLIENT_KEY') },
  };
  return cached;
}

export function node(n: number): Node {
  const found = cluster().nodes.find((x) => x.n === n);
  if (!found) throw new Error(`no node ${n} in the cluster`);
  return found;
}

/** Runs SQL as the admin user through the `mariadb` client; rows as arrays of columns. */
export function sql(n: number, statement: string, creds: Credentials = cluster().user.admin): string[][] {
  const out = execFileSync(
    'mariadb',
    [
      '--no-defaults',
      '--protocol=TCP',
      '-h',
      cluster().host,
      '-P',
      String(node(n).port),
      '-u',
      creds.user,
      '-N',
      '-B',
      '--connect-timeout=5',
      '-e',
      statement,
    ],
    { encoding: 'utf8', env: { ...process.env, MYSQL_PWD: creds.password }, timeout: 15_000 },
  );
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'));
}

/** SHOW GLOBAL STATUS / VARIABLES as a map, for the names given. */
export function show(n: number, kind: 'STATUS' | 'VARIABLES', names: readonly string[]): Record<string, string> {
  const list = names.map((x) => `'${x}'`).join(',');
  const map: Record<string, string> = {};
  for (const [name, value] of sql(n, `SHOW GLOBAL ${kind} WHERE Variable_name IN (${list})`)) map[name!] = value ?? '';
  return map;
}

export function wsrepState(n: number): { status: string; state: number; comment: string; size: number } {
  const s = show(n, 'STATUS', [
    'wsrep_cluster_status',
    'wsrep_local_state',
    'wsrep_local_state_comment',
    'wsrep_cluster_size',
  ]);
  return {
    status: s['wsrep_cluster_status'] ?? '',
    state: Number(s['wsrep_local_state']),
    comment: s['wsrep_local_state_comment'] ?? '',
    size: Number(s['wsrep_cluster_size']),
  };
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every `everyMs` until it returns true; throws after `limitMs` with `what`. */
export async function waitFor(what: string, check: () => boolean, limitMs: number, everyMs = 250): Promise<number> {
  const start = Date.now();
  for (;;) {
    let ok = false;
    try {
      ok = check();
    } catch {
      ok = false;
    }
    if (ok) return Date.now() - start;
    if (Date.now() - start > limitMs) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Waits until every node says Primary, Synced, with the whole cluster in view. */
export async function waitAllSynced(limitMs = 60_000): Promise<void> {
  const size = cluster().nodes.length;
  await waitFor(
    'every node Primary, Synced, full size',
    () =>
      cluster().nodes.every(({ n }) => {
        const s = wsrepState(n);
        return s.status === 'Primary' && s.state === 4 && s.size === size;
      }),
    limitMs,
    500,
  );
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the built CLI (`bin/galera-probe`, as users run it) with a clean environment. */
export async function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}, limitMs = 30_000): Promise<CliRun> {
  if (!existsSync(join(ROOT, 'dist', 'galera-probe.cjs')))
    throw new Error('dist/ is missing: run `npm run build` first');
  const started = Date.now();
  return await new Promise((resolve, reject) => {
    // Options go after a subcommand (`cluster`, `serve`), which must come first.
    const argv =
      args[0] === 'cluster' || args[0] === 'serve'
        ? [args[0], '--no-defaults', ...args.slice(1)]
        : ['--no-defaults', ...args];
    const child = spawn(process.execPath, [BIN, ...argv], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', (err) => {
      clearTimeout(killer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** The JSON object of a `--json` run. */
export function json(
  run: CliRun,
): Record<string, unknown> & { node?: Record<string, unknown>; error?: Record<string, unknown> } {
  try {
    return JSON.parse(run.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`not one JSON object on stdout (exit ${run.code}): ${run.stdout}${run.stderr}`);
  }
}

/** A loopback port with nothing listening on it (bound, then released). */
export async function closedPort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// Cluster states produced for real: isolation, a split brain, quorum loss, a clean shrink, and
// the ways back. Each step waits, bounded, until the nodes report the state it made.

/** The script that starts, heals and stops the cluster (needs root, as CI runs it). */
export function clusterScript(command: 'start' | 'status', limitMs = 300_000): string {
  return execFileSync('bash', [CLUSTER_SCRIPT, command], {
    encoding: 'utf8',
    env: process.env,
    timeout: limitMs,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** `gmcast.isolate=1` on node n: it drops every group connection and, ~6 s later, is non-Primary. */
export async function isolate(n: number, limitMs = 60_000): Promise<void> {
  sql(n, "SET GLOBAL wsrep_provider_options='gmcast.isolate=1'");
  await waitFor(`node ${n} non-Primary`, () => wsrepState(n).status !== 'Primary', limitMs);
}

/** `gmcast.isolate=0` on the nodes given, then waits until the whole cluster is Synced again. */
export async function rejoin(ns: number[], limitMs = 90_000): Promise<void> {
  for (const n of ns) sql(n, "SET GLOBAL wsrep_provider_options='gmcast.isolate=0'");
  await waitAllSynced(limitMs);
}

/**
 * A real split brain: node n isolated until its peers see it gone, then `pc.bootstrap=YES` on
 * it. It reports Primary, Synced, size 1 beside the others' Primary component of the rest.
 */
export async function splitBrain(n: number, limitMs = 60_000): Promise<void> {
  const others = cluster()
    .nodes.filter((x) => x.n !== n)
    .map((x) => x.n);
  await isolate(n, limitMs);
  await waitFor(
    `nodes ${others.join(',')} Primary without node ${n}`,
    () =>
      others.every((o) => {
        const s = wsrepState(o);
        return s.status === 'Primary' && s.size === others.length;
      }),
    limitMs,
  );
  sql(n, "SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'");
  await waitFor(
    `node ${n} Primary alone`,
    () => {
      const s = wsrepState(n);
      return s.status === 'Primary' && s.state === 4 && s.size === 1;
    },
    limitMs,
  );
}

/** SHUTDOWN on node n (a clean leave: it lowers the quorum base), and waits for the process to end. */
export async function shutdown(n: number, limitMs = 60_000): Promise<void> {
  const pid = Number(readFileSync(node(n).pidFile, 'utf8').trim());
  sql(n, 'SHUTDOWN');
  await waitFor(`node ${n} (pid ${pid}) gone`, () => !processAlive(pid), limitMs);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Heals the split brain of node n: stops it, forgets its state (grastate.dat, gvwstate.dat) so
 * that it rejoins through a full state transfer, and starts the missing node(s) again.
 */
export async function healSplitBrain(n: number, limitMs = 240_000): Promise<void> {
  if (existsSync(node(n).pidFile)) await shutdown(n);
  const datadir = cluster().vars[`GP_NODE${n}_DATADIR`];
  if (!datadir) throw new Error(`galera-cluster.sh env did not print GP_NODE${n}_DATADIR`);
  for (const file of ['grastate.dat', 'gvwstate.dat']) rmSync(join(datadir, file), { force: true });
  clusterScript('start', limitMs);
  await waitAllSynced(limitMs);
}

/** Starts whatever nodes are down (they rejoin by IST or SST) and waits until all are Synced. */
export async function restartMissing(limitMs = 240_000): Promise<void> {
  clusterScript('start', limitMs);
  await waitAllSynced(limitMs);
}

export interface Garbd {
  pid: number;
  /** Its log (garbd --log), in the cluster's base dir. */
  log: string;
  /** SIGTERM (a clean leave), SIGKILL after 20 s; waits until the nodes see it gone. */
  stop(limitMs?: number): Promise<void>;
}

/**
 * A real Galera arbitrator (garbd, package galera-arbitrator-4) joined to the cluster on a free
 * loopback port: a member that votes but holds no data and publishes no address. On 11.8 it runs
 * from the Debian 13 root, like the nodes. Resolves once every node counts it.
 */
export async function startGarbd(limitMs = 60_000): Promise<Garbd> {
  const { vars, host, nodes } = cluster();
  const base = vars['GP_CLUSTER_BASE'];
  if (!base) throw new Error('galera-cluster.sh env did not print GP_CLUSTER_BASE');
  const root = vars['GP_MARIADB'] === '11.8' ? vars['GP_TRIXIE_ROOT'] : undefined;
  const peers = nodes.map(({ n }) => `${host}:${vars[`GP_NODE${n}_GALERA_PORT`] ?? ''}`).join(',');
  const log = join(base, 'garbd.log');
  rmSync(log, { force: true });
  const port = await closedPort();
  const args = [
    '--name',
    'garbd',
    '--group',
    'galera-probe',
    '--address',
    `gcomm://${peers}`,
    '--options',
    `gmcast.listen_addr=tcp://${host}:${port}`,
    '--log',
    log,
  ];
  const child = root
    ? spawn('chroot', [root, 'garbd', ...args], { stdio: 'ignore' })
    : spawn('garbd', args, { stdio: 'ignore' });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn garbd');
  let exited = false;
  child.on('exit', () => (exited = true));
  const size = nodes.length + 1;
  try {
    await waitFor(
      `garbd counted by every node (cluster size ${size})`,
      () => {
        if (exited) return true;
        return nodes.every(({ n }) => wsrepState(n).size === size);
      },
      limitMs,
      500,
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  if (exited)
    throw new Error(
      `garbd exited while joining; its log:\n${existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '(none)'}`,
    );
  return {
    pid,
    log,
    async stop(stopLimitMs = 60_000): Promise<void> {
      if (!exited) child.kill('SIGTERM');
      for (let i = 0; i < 200 && !exited; i++) await sleep(100);
      if (!exited) child.kill('SIGKILL');
      for (let i = 0; i < 50 && !exited; i++) await sleep(100);
      await waitFor(
        'garbd gone from every running node',
        () =>
          nodes.every(({ n }) => {
            try {
              return wsrepState(n).size < size;
            } catch {
              return true;
            }
          }),
        stopLimitMs,
        500,
      );
    },
  };
}
