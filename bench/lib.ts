/**
 * What the benchmarks share: the database they measure against (from
 * scripts/galera-cluster.sh env, node 1 unless GP_BENCH_NODE says otherwise), peers
 * installed into a temporary directory (never dependencies of the project), interleaved
 * runs, medians, and the machine's description for the JSON they print.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MEMBERS_SQL, STATUS_SQL, VARIABLES_SQL } from '../src/probe/verdict.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Peers (mysql2) are installed here, once; outside the project and its node_modules. */
export const PEER_DIR = process.env['GP_BENCH_PEERS'] ?? '/tmp/galera-probe-bench-peers';

export interface Db {
  host: string;
  port: number;
  user: string;
  password: string;
  adminUser: string;
  adminPassword: string;
  target: string;
}

/** What `galera-cluster.sh env` prints, as a map; empty when the script cannot say. */
function clusterEnv(): Record<string, string> {
  const vars: Record<string, string> = {};
  try {
    const text = execFileSync('bash', [join(ROOT, 'scripts', 'galera-cluster.sh'), 'env'], { encoding: 'utf8' });
    for (const m of text.matchAll(/^export ([A-Z0-9_]+)='([^']*)'$/gm)) vars[m[1]!] = m[2]!;
  } catch {
    // Without the script's view, the GP_BENCH_* variables must say it all.
  }
  return vars;
}

/** Every node of the test cluster as host:port (GP_BENCH_TARGETS, space-separated, overrides); empty if unknown. */
export function clusterTargets(): string[] {
  const given = process.env['GP_BENCH_TARGETS'];
  if (given !== undefined) return given.split(/\s+/).filter((t) => t !== '');
  const vars = clusterEnv();
  const host = vars['GP_HOST'] ?? '127.0.0.1';
  const count = Number(vars['GP_NODES'] ?? 0);
  const targets: string[] = [];
  for (let n = 1; n <= count; n++) if (vars[`GP_NODE${n}_PORT`]) targets.push(`${host}:${vars[`GP_NODE${n}_PORT`]}`);
  return targets;
}

/** The node to measure against: `galera-cluster.sh env`, overridable with GP_BENCH_* variables. */
export function database(): Db {
  const vars = clusterEnv();
  const n = process.env['GP_BENCH_NODE'] ?? '1';
  const pick = (bench: string, cluster: string, fallback?: string): string => {
    const v = process.env[bench] ?? vars[cluster] ?? fallback;
    if (v === undefined) throw new Error(`no ${bench}: start the cluster (scripts/galera-cluster.sh start) or set it`);
    return v;
  };
  const host = pick('GP_BENCH_HOST', 'GP_HOST', '127.0.0.1');
  const port = Number(pick('GP_BENCH_PORT', `GP_NODE${n}_PORT`));
  return {
    host,
    port,
    user: pick('GP_BENCH_USER', 'GP_USER_NATIVE'),
    password: pick('GP_BENCH_PASSWORD', 'GP_PASSWORD_NATIVE'),
    adminUser: pick('GP_BENCH_ADMIN_USER', 'GP_USER_ADMIN'),
    adminPassword: pick('GP_BENCH_ADMIN_PASSWORD', 'GP_PASSWORD_ADMIN'),
    target: `${host}:${port}`,
  };
}

/** Installs an npm package into PEER_DIR if it is not there yet; returns its directory or undefined. */
export function peer(name: string, version: string): string | undefined {
  const dir = join(PEER_DIR, 'node_modules', name);
  if (existsSync(join(dir, 'package.json'))) return dir;
  mkdirSync(PEER_DIR, { recursive: true });
  if (!existsSync(join(PEER_DIR, 'package.json'))) writeFileSync(join(PEER_DIR, 'package.json'), '{"private":true}\n');
  const r = spawnSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', PEER_DIR, `${name}@${version}`],
    {
      encoding: 'utf8',
      timeout: 120_000,
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_'))),
    },
  );
  if (r.status !== 0 || !existsSync(join(dir, 'package.json'))) {
    process.stderr.write(
      `bench: could not install ${name}@${version} into ${PEER_DIR}: ${(r.stderr ?? '').trim().split('\n').at(-1) ?? r.error?.message}\n`,
    );
    return undefined;
  }
  return dir;
}

/** The SQL client of the mysql2 peer script and the library worker: the probe's two statements. */
export { STATUS_SQL, VARIABLES_SQL };

/** The statements the floor script sends: the probe's three, as src/probe/verdict.ts builds them. */
export const FLOOR_SQL: readonly string[] = [STATUS_SQL, VARIABLES_SQL, MEMBERS_SQL];

/**
 * bench/floor.cjs's arguments (after node) for the database's host, one port or several
 * (comma-separated: all at once, `cluster`'s floor), plain or TLS: the probe's three statements
 * as src/probe/verdict.ts builds them.
 */
export function floorArgs(db: Db, ports: string, tls: boolean): string[] {
  return [join(ROOT, 'bench', 'floor.cjs'), db.host, ports, db.user, tls ? 'tls' : 'plain', ...FLOOR_SQL];
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

export function summary(values: readonly number[]): {
  median: number;
  p10: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
  n: number;
} {
  const s = [...values].sort((a, b) => a - b);
  const r = (x: number): number => Math.round(x * 100) / 100;
  return {
    median: r(quantile(s, 0.5)),
    p10: r(quantile(s, 0.1)),
    p90: r(quantile(s, 0.9)),
    p99: r(quantile(s, 0.99)),
    min: r(s[0] ?? NaN),
    max: r(s.at(-1) ?? NaN),
    n: s.length,
  };
}

export function ratio(a: number, b: number): number {
  return Math.round((a / b) * 100) / 100;
}

export function machine(): Record<string, unknown> {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cpus: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${process.platform} ${release()}`,
    node: process.version,
  };
}

/** Prints the benchmark's JSON (one object) on stdout. */
export function report(name: string, body: Record<string, unknown>): void {
  process.stdout.write(
    `${JSON.stringify({ benchmark: name, date: new Date().toISOString(), machine: machine(), ...body }, null, 2)}\n`,
  );
}

/** Runs `rounds` rounds; each runs every entry once, in an order that rotates from round to round. */
export async function interleave<T>(
  entries: readonly T[],
  rounds: number,
  run: (entry: T, round: number) => Promise<void> | void,
): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < entries.length; k++) await run(entries[(k + round) % entries.length]!, round);
  }
}

/** Integer option from `--name N` in argv, bounded. */
export function intArg(name: string, fallback: number, min: number, max: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < min || v > max)
    throw new Error(`--${name}: expected an integer from ${min} to ${max}`);
  return v;
}

/** Every value of a repeatable `--name VALUE` in argv. */
export function listArg(name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < process.argv.length - 1; i++)
    if (process.argv[i] === `--${name}`) values.push(process.argv[i + 1]!);
  return values;
}

export function flagArg(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/**
 * Runs a command and measures it as bash's `time` does (wait4's rusage): wall-clock time and
 * CPU time (user + system) of the command and its children. CPU time is the steadier figure
 * on a machine that other work loads: waiting for a core adds to wall time, not to CPU time.
 */
export function spawnTimed(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 10_000,
): { status: number | null; stdout: string; stderr: string; wallMs: number; cpuMs: number } {
  const errFile = join(tmpdir(), `gp-bench-${process.pid}.stderr`);
  const r = spawnSync(
    '/bin/bash',
    ['-c', 'TIMEFORMAT="%3R %3U %3S"; err=$1; shift; time "$@" 2>"$err"', 'bash', errFile, file, ...args],
    { encoding: 'utf8', env, timeout: timeoutMs },
  );
  let stderr = '';
  try {
    stderr = readFileSync(errFile, 'utf8');
    rmSync(errFile);
  } catch {
    // The command never ran.
  }
  const m = /(\d+\.\d+) (\d+\.\d+) (\d+\.\d+)\s*$/.exec(r.stderr ?? '');
  if (r.error || !m)
    return {
      status: r.status ?? null,
      stdout: r.stdout ?? '',
      stderr: `${stderr}${r.error?.message ?? r.stderr ?? ''}`,
      wallMs: NaN,
      cpuMs: NaN,
    };
  return {
    status: r.status,
    stdout: r.stdout,
    stderr,
    wallMs: Number(m[1]) * 1000,
    cpuMs: (Number(m[2]) + Number(m[3])) * 1000,
  };
}
