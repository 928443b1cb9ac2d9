/**
 * Benchmark 13: whole command lines by the instructions they execute, not by time. Each command
 * runs under valgrind's callgrind (from Debian's valgrind package), which counts every instruction
 * of every thread in user space whatever else the machine is doing: on this shared 2-core machine
 * wall and CPU times moved by 5-10 % between runs, instruction counts by 0.2-0.5 %. The one part
 * of a Node.js start that is random is left out: V8 makes its hash seed's secret with a randomised
 * search for primes (HashSeed::InitializeRoots, 4 to 17 million instructions from one start to
 * the next), so each count is the total minus that function's inclusive count. Kernel time
 * (system calls, page faults) is not in it: bench:cli and bench:ab-cli time the same lines.
 *
 * The lines: `node -e 0`; bench/floor.cjs (Node's floor for a check: raw sockets, no deadlines,
 * no checks) and galera-probe, plain and over TLS (the default PREFERRED); `--version`; with the
 * test cluster's three nodes, the floor over all three at once and `galera-probe cluster`.
 * galera-probe gets `--timeout 60s`: under callgrind a run is some 50 times slower, and the default
 * 2 s deadline would end it with a timeout. Every run's output is checked, as in bench:cli.
 *
 * `--line LABEL=ARGS` counts another node command line the same way (ARGS split at spaces, after
 * `node`; it must exit 0): a script that does one step of a check, to count what each step costs.
 *
 *   npm run bench:instructions -- [--runs 3] [--extra LABEL=PATH-TO-LAUNCHER]... [--line LABEL=ARGS]... [--skip-cluster]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterTargets, database, flagArg, floorArgs, intArg, listArg, report, ROOT, summary } from './lib.js';

const runs = intArg('runs', 3, 1, 50);
const db = database();
if (spawnSync('valgrind', ['--version']).status !== 0) {
  process.stderr.write('bench:instructions: valgrind is not installed (Debian: apt-get install valgrind)\n');
  process.exit(2);
}

interface Command {
  label: string;
  args: string[];
  expect: RegExp;
}
const SLOW = ['--timeout', '60s'];
const ours = (launcher: string, tls: boolean): string[] => [
  launcher,
  '--no-defaults',
  ...SLOW,
  ...(tls ? ['--json'] : ['--ssl-mode', 'DISABLED']),
  '-u',
  db.user,
  db.target,
];
const floor = (ports: string, tls: boolean): string[] => floorArgs(db, ports, tls);
const launcher = join(ROOT, 'bin', 'galera-probe');
const commands: Command[] = [
  { label: 'node-floor', args: ['-e', '0'], expect: /^$/ },
  { label: 'version', args: [launcher, '--version'], expect: /^galera-probe \d/ },
  { label: 'floor', args: floor(String(db.port), false), expect: /^healthy\n$/ },
  { label: 'galera-probe', args: ours(launcher, false), expect: / healthy: Synced, Primary/ },
  { label: 'floor-tls', args: floor(String(db.port), true), expect: /^healthy tls\n$/ },
  { label: 'galera-probe-tls', args: ours(launcher, true), expect: /"healthy":true.*"tls":true/s },
];
for (const extra of listArg('extra')) {
  const [label, path] = extra.split(/=(.*)/s) as [string, string | undefined];
  if (!label || !path || !existsSync(path)) throw new Error(`--extra ${extra}: expected LABEL=PATH to a launcher`);
  commands.push({ label, args: ours(path, false), expect: / healthy: Synced, Primary/ });
  commands.push({ label: `${label}-tls`, args: ours(path, true), expect: /"healthy":true.*"tls":true/s });
}
for (const line of listArg('line')) {
  const [label, args] = line.split(/=(.*)/s) as [string, string | undefined];
  if (!label || !args?.trim()) throw new Error(`--line ${line}: expected LABEL=ARGS (node's arguments)`);
  commands.push({ label, args: args.trim().split(/\s+/), expect: /(?:)/ });
}
const nodes = clusterTargets();
if (!flagArg('skip-cluster') && nodes.length > 1 && nodes.every((n) => n.startsWith(`${db.host}:`))) {
  const ports = nodes.map((n) => n.slice(db.host.length + 1)).join(',');
  const cluster = (tls: boolean): string[] => [
    launcher,
    'cluster',
    '--no-defaults',
    ...SLOW,
    ...(tls ? ['--json'] : ['--ssl-mode', 'DISABLED']),
    '-u',
    db.user,
    ...nodes,
  ];
  commands.push(
    { label: 'floor-cluster', args: floor(ports, false), expect: new RegExp(`^(healthy\\n){${nodes.length}}$`) },
    { label: 'cluster', args: cluster(false), expect: new RegExp(`^cluster healthy: ${nodes.length} of`, 'm') },
    {
      label: 'floor-cluster-tls',
      args: floor(ports, true),
      expect: new RegExp(`^(healthy tls\\n){${nodes.length}}$`),
    },
    {
      label: 'cluster-tls',
      args: cluster(true),
      expect: new RegExp(`^\\{"verdict":"healthy"(.*"tls":true){${nodes.length}}`, 's'),
    },
  );
}

const work = mkdtempSync(join(tmpdir(), 'gp-bench-instructions-'));
/** Instructions of one run, all threads, less V8's randomised hash-seed set-up. */
function count(c: Command): number {
  const out = join(work, 'callgrind.out');
  const r = spawnSync(
    'valgrind',
    ['--tool=callgrind', '--separate-threads=yes', `--callgrind-out-file=${out}`, process.execPath, ...c.args],
    {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent', MYSQL_PWD: db.password },
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (r.status !== 0 || !c.expect.test(r.stdout))
    throw new Error(`${c.label} failed under callgrind (exit ${r.status}): ${r.stdout}${r.stderr.slice(-2000)}`);
  let total = 0;
  for (const file of readdirSync(work).filter((f) => f.startsWith('callgrind.out'))) {
    const path = join(work, file);
    const head = /^summary: (\d+)$/m.exec(readFileSync(path, 'utf8'));
    const annotated = spawnSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', path], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    }).stdout;
    const seed = /^\s*([\d,]+) .*HashSeed::InitializeRoots/m.exec(annotated);
    total += Number(head?.[1] ?? 0) - Number((seed?.[1] ?? '0').replaceAll(',', ''));
    rmSync(path);
  }
  return total;
}

const counts = new Map<string, number[]>(commands.map((c) => [c.label, []]));
try {
  for (let round = 0; round < runs; round++) for (const c of commands) counts.get(c.label)!.push(count(c));
} finally {
  rmSync(work, { recursive: true, force: true });
}

const millions = (label: string): number => summary(counts.get(label) ?? []).median / 1e6;
const results: Record<string, unknown> = {};
for (const c of commands) {
  const s = summary(counts.get(c.label)!.map((n) => n / 1e6));
  results[c.label] = {
    command: ['node', ...c.args].join(' ').replaceAll(ROOT + '/', ''),
    median: Number(s.median.toFixed(2)),
    min: Number(s.min.toFixed(2)),
    max: Number(s.max.toFixed(2)),
  };
}
const pair = (a: string, b: string): [string, number][] =>
  counts.has(a) && counts.has(b) ? [[`${a} / ${b}`, Number((millions(a) / millions(b)).toFixed(3))]] : [];
report('instructions', {
  database: db.target,
  runs,
  unit: 'millions of instructions, all threads, less HashSeed::InitializeRoots; median, min, max of the runs',
  results,
  ratios: Object.fromEntries([
    ...pair('galera-probe', 'floor'),
    ...pair('galera-probe-tls', 'floor-tls'),
    ...pair('version', 'node-floor'),
    ...pair('cluster', 'galera-probe'),
    ...pair('cluster-tls', 'galera-probe-tls'),
    ...pair('floor-cluster', 'floor'),
    ...pair('floor-cluster-tls', 'floor-tls'),
    ...listArg('extra').flatMap((e) => {
      const label = e.split('=')[0]!;
      return [...pair('galera-probe', label), ...pair('galera-probe-tls', `${label}-tls`)];
    }),
  ]),
});
