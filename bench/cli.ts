/**
 * Benchmark 1: a health check from process start to exit, against a real MariaDB node.
 *
 *   node-floor   `node -e 0`: what any Node.js program pays before its own code
 *   floor        bench/floor.cjs: a raw-socket Node.js script that does only what a probe must
 *                (connect, greeting, mysql_native_password, the probe's three statements in one
 *                write, COM_QUIT): Node's floor for this work, the yardstick of the CLI
 *   galera-probe `node bin/galera-probe --ssl-mode DISABLED -u ... host:port` (the npm package)
 *   sea          the single executable, when dist/galera-probe-linux-x64 exists
 *   mysql2       a minimal Node.js script: mysql2 connect, the same two SHOW statements, end
 *   mariadb-cli  the C client: `mariadb --skip-ssl -e "SHOW GLOBAL STATUS ...; SHOW GLOBAL VARIABLES ..."`
 *   cluster      `galera-probe cluster` over every node of the test cluster (three), one process
 *   floor-cluster  bench/floor.cjs over the same nodes at once: the floor for `cluster`
 *
 * and each of them but node-floor again over TLS (`-tls`: galera-probe and floor with the default
 * `--ssl-mode PREFERRED`, mysql2 with `ssl: { rejectUnauthorized: false }`, the C client with
 * `--ssl`), each checked to have negotiated it. Every command runs with a clean environment
 * (PATH and HOME only: no NODE_EXTRA_CA_CERTS, which makes Node.js load CA files at start).
 * Each round runs every command once, in a rotating order; figures are medians of wall-clock
 * time.
 *
 *   npm run bench:cli -- [--runs 30] [--warmup 3] [--extra LABEL=LAUNCHER]... [--skip LABEL]...
 *
 * `--extra` adds another build's launcher (for example bin/galera-probe of an older checkout,
 * built with npm ci) with the same arguments, plain and over TLS, so a change is measured
 * against what it replaced in the same interleaved run. `--skip` leaves a command out (with its
 * `-tls` twin), e.g. `--skip mariadb-cli --skip sea` for a shorter run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  clusterTargets,
  database,
  floorArgs,
  intArg,
  interleave,
  listArg,
  PEER_DIR,
  peer,
  ratio,
  report,
  ROOT,
  spawnTimed,
  STATUS_SQL,
  summary,
  VARIABLES_SQL,
} from './lib.js';

const runs = intArg('runs', 30, 1, 1000);
const warmup = intArg('warmup', 3, 0, 100);
const db = database();

interface Command {
  label: string;
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** What a successful run prints (checked every time: a figure for a failing command is worthless). */
  expect: RegExp;
}

const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent' };
/** galera-probe's arguments, after the launcher: plain, or TLS (the default mode) with a JSON result that says so. */
const oursArgs = (tls: boolean): string[] => [
  '--no-defaults',
  ...(tls ? ['--json'] : ['--ssl-mode', 'DISABLED']),
  '-u',
  db.user,
  db.target,
];
const OURS_PLAIN = / healthy: Synced, Primary/;
const OURS_TLS = /"healthy":true.*"tls":true/s;
const floorOne = (tls: boolean): string[] => floorArgs(db, String(db.port), tls);
const commands: Command[] = [
  { label: 'node-floor', file: process.execPath, args: ['-e', '0'], expect: /^$/ },
  {
    label: 'floor',
    file: process.execPath,
    args: floorOne(false),
    env: { MYSQL_PWD: db.password },
    expect: /^healthy\n$/,
  },
  {
    label: 'floor-tls',
    file: process.execPath,
    args: floorOne(true),
    env: { MYSQL_PWD: db.password },
    expect: /^healthy tls\n$/,
  },
  {
    label: 'galera-probe',
    file: process.execPath,
    args: [join(ROOT, 'bin', 'galera-probe'), ...oursArgs(false)],
    env: { MYSQL_PWD: db.password },
    expect: OURS_PLAIN,
  },
  {
    label: 'galera-probe-tls',
    file: process.execPath,
    args: [join(ROOT, 'bin', 'galera-probe'), ...oursArgs(true)],
    env: { MYSQL_PWD: db.password },
    expect: OURS_TLS,
  },
];
const extraLabels: string[] = [];
for (const extra of listArg('extra')) {
  const [label, launcher] = extra.split(/=(.*)/s) as [string, string | undefined];
  if (!label || !launcher || !existsSync(launcher))
    throw new Error(`--extra ${extra}: expected LABEL=PATH to an existing launcher`);
  for (const [tls, suffix] of [
    [false, ''],
    [true, '-tls'],
  ] as const) {
    const ours = commands.find((c) => c.label === `galera-probe${suffix}`)!;
    commands.push({ ...ours, label: `${label}${suffix}`, args: [launcher, ...oursArgs(tls)] });
  }
  extraLabels.push(label);
}
const nodes = clusterTargets();
if (nodes.length > 1) {
  const cluster = (tls: boolean): string[] => [
    join(ROOT, 'bin', 'galera-probe'),
    'cluster',
    '--no-defaults',
    ...(tls ? ['--json'] : ['--ssl-mode', 'DISABLED']),
    '-u',
    db.user,
    ...nodes,
  ];
  // The floor for `cluster`: bench/floor.cjs checking the same nodes at once, in one process.
  const sameHost = nodes.every((n) => n.startsWith(`${db.host}:`));
  if (sameHost) {
    const ports = nodes.map((n) => n.slice(db.host.length + 1)).join(',');
    for (const tls of [false, true]) {
      const args = floorArgs(db, ports, tls);
      commands.push({
        label: `floor-cluster${tls ? '-tls' : ''}`,
        file: process.execPath,
        args,
        env: { MYSQL_PWD: db.password },
        expect: new RegExp(`^(healthy${tls ? ' tls' : ''}\\n){${nodes.length}}$`),
      });
    }
  }
  commands.push({
    label: 'cluster',
    file: process.execPath,
    args: cluster(false),
    env: { MYSQL_PWD: db.password },
    expect: new RegExp(`^cluster healthy: ${nodes.length} of ${nodes.length} nodes`, 'm'),
  });
  // Every node's result must say TLS.
  commands.push({
    label: 'cluster-tls',
    file: process.execPath,
    args: cluster(true),
    env: { MYSQL_PWD: db.password },
    expect: new RegExp(`^\\{"verdict":"healthy"(.*"tls":true){${nodes.length}}`, 's'),
  });
} else {
  process.stderr.write(
    "bench: the cluster's nodes are unknown (galera-cluster.sh env, GP_BENCH_TARGETS); measuring without `cluster`\n",
  );
}
const sea = join(ROOT, 'dist', `galera-probe-${process.platform}-${process.arch}`);
if (existsSync(sea)) {
  commands.push({
    label: 'sea',
    file: sea,
    args: oursArgs(false),
    env: { MYSQL_PWD: db.password },
    expect: OURS_PLAIN,
  });
  commands.push({
    label: 'sea-tls',
    file: sea,
    args: oursArgs(true),
    env: { MYSQL_PWD: db.password },
    expect: OURS_TLS,
  });
} else {
  process.stderr.write(`bench: ${sea} not found (npm run build:sea); measuring without it\n`);
}
const skipped: string[] = [];
const mysql2 = peer('mysql2', '3');
if (mysql2) {
  const script = join(PEER_DIR, 'mysql2-check.cjs');
  writeFileSync(
    script,
    `// The same check with mysql2 (written by bench/cli.ts).
const mysql = require(${JSON.stringify(mysql2)});
const [host, port, user, tls] = process.argv.slice(2);
const c = mysql.createConnection({ host, port: Number(port), user, password: process.env.MYSQL_PWD, connectTimeout: 2000, ...(tls === 'tls' ? { ssl: { rejectUnauthorized: false } } : {}) });
c.query(${JSON.stringify(STATUS_SQL)}, (err, status) => {
  if (err) { console.error(err.message); process.exit(2); }
  c.query(${JSON.stringify(VARIABLES_SQL)}, (err2, vars) => {
    if (err2) { console.error(err2.message); process.exit(2); }
    const s = Object.fromEntries(status.map((r) => [r.Variable_name, r.Value]));
    const healthy = s.wsrep_cluster_status === 'Primary' && s.wsrep_local_state === '4' && s.wsrep_ready === 'ON';
    console.log((healthy ? 'healthy' : 'unhealthy') + (c.stream.encrypted ? ' tls' : ''));
    c.end(() => process.exit(healthy ? 0 : 1));
  });
});
`,
  );
  commands.push({
    label: 'mysql2',
    file: process.execPath,
    args: [script, db.host, String(db.port), db.user],
    env: { MYSQL_PWD: db.password },
    expect: /^healthy\n$/,
  });
  commands.push({
    label: 'mysql2-tls',
    file: process.execPath,
    args: [script, db.host, String(db.port), db.user, 'tls'],
    env: { MYSQL_PWD: db.password },
    expect: /^healthy tls\n$/,
  });
} else {
  skipped.push('mysql2 (could not be installed)');
}
if (spawnSync('mariadb', ['--version']).status === 0) {
  const sql = (tls: boolean): string =>
    `${STATUS_SQL}; ${VARIABLES_SQL}${tls ? "; SHOW STATUS LIKE 'Ssl_version'" : ''}`;
  const mariadb = (tls: boolean): string[] => [
    '--no-defaults',
    '--protocol=TCP',
    tls ? '--ssl' : '--skip-ssl',
    '-h',
    db.host,
    '-P',
    String(db.port),
    '-u',
    db.user,
    '-N',
    '-B',
    '-e',
    sql(tls),
  ];
  commands.push({
    label: 'mariadb-cli',
    file: 'mariadb',
    args: mariadb(false),
    env: { MYSQL_PWD: db.password },
    expect: /wsrep_cluster_status\tPrimary/,
  });
  commands.push({
    label: 'mariadb-cli-tls',
    file: 'mariadb',
    args: mariadb(true),
    env: { MYSQL_PWD: db.password },
    expect: /wsrep_cluster_status\tPrimary.*Ssl_version\tTLSv1/s,
  });
} else {
  skipped.push('mariadb-cli (the mariadb client is not installed)');
}

const skip = new Set(listArg('skip').flatMap((label) => [label, `${label}-tls`]));
for (let i = commands.length - 1; i >= 0; i--) if (skip.has(commands[i]!.label)) commands.splice(i, 1);
const times = new Map<string, number[]>(commands.map((c) => [c.label, []]));
const cpuTimes = new Map<string, number[]>(commands.map((c) => [c.label, []]));
function once(c: Command, record: boolean): void {
  const r = spawnTimed(c.file, c.args, { ...env, ...c.env });
  if (r.status !== 0 || !c.expect.test(r.stdout)) {
    throw new Error(`${c.label} failed (exit ${r.status}): ${r.stdout}${r.stderr}`);
  }
  if (record) {
    times.get(c.label)!.push(r.wallMs);
    cpuTimes.get(c.label)!.push(r.cpuMs);
  }
}

await interleave(commands, warmup, (c) => once(c, false));
await interleave(commands, runs, (c) => once(c, true));

const results: Record<string, unknown> = {};
const median = (label: string): number => summary(times.get(label) ?? []).median;
for (const c of commands) {
  results[c.label] = {
    command: [c.file === process.execPath ? 'node' : c.file, ...c.args]
      .join(' ')
      .replace(ROOT + '/', '')
      .replace(PEER_DIR + '/', '$PEERS/'),
    ...summary(times.get(c.label)!),
    cpuMs: summary(cpuTimes.get(c.label)!),
  };
}
const cpu = (label: string): number => summary(cpuTimes.get(label) ?? []).median;
const cpuPair = (a: string, b: string): [string, number][] =>
  cpuTimes.has(a) && cpuTimes.has(b) ? [[`${a} / ${b}`, ratio(cpu(a), cpu(b))]] : [];
const floor = median('node-floor');
const ours = median('galera-probe');
const oursTls = median('galera-probe-tls');
const floorPlain = median('floor');
const floorTls = median('floor-tls');
report('cli', {
  database: db.target,
  runs,
  warmup,
  interleaved: true,
  unit: "ms: wall clock, spawn to exit, and cpuMs (user + system), both as bash's time reports them",
  results,
  ratios: {
    'galera-probe / floor': ratio(ours, floorPlain),
    'galera-probe-tls / floor-tls': ratio(oursTls, floorTls),
    'floor / node-floor': ratio(floorPlain, floor),
    'floor-tls / node-floor': ratio(floorTls, floor),
    'galera-probe / node-floor': ratio(ours, floor),
    'galera-probe-tls / node-floor': ratio(oursTls, floor),
    'galera-probe-tls / galera-probe': ratio(oursTls, ours),
    ...(times.has('sea')
      ? { 'sea / node-floor': ratio(median('sea'), floor), 'sea-tls / node-floor': ratio(median('sea-tls'), floor) }
      : {}),
    ...(times.has('mysql2')
      ? {
          'galera-probe / mysql2': ratio(ours, median('mysql2')),
          'galera-probe-tls / mysql2-tls': ratio(oursTls, median('mysql2-tls')),
          'mysql2 / node-floor': ratio(median('mysql2'), floor),
          'mysql2-tls / node-floor': ratio(median('mysql2-tls'), floor),
        }
      : {}),
    ...(times.has('cluster')
      ? {
          'cluster / galera-probe': ratio(median('cluster'), ours),
          'cluster-tls / galera-probe-tls': ratio(median('cluster-tls'), oursTls),
        }
      : {}),
    ...(times.has('floor-cluster')
      ? {
          'cluster / floor-cluster': ratio(median('cluster'), median('floor-cluster')),
          'cluster-tls / floor-cluster-tls': ratio(median('cluster-tls'), median('floor-cluster-tls')),
          'floor-cluster / floor': ratio(median('floor-cluster'), floorPlain),
          'floor-cluster-tls / floor-tls': ratio(median('floor-cluster-tls'), floorTls),
        }
      : {}),
    ...(times.has('mariadb-cli')
      ? {
          'galera-probe / mariadb-cli': ratio(ours, median('mariadb-cli')),
          'galera-probe-tls / mariadb-cli-tls': ratio(oursTls, median('mariadb-cli-tls')),
        }
      : {}),
    ...Object.fromEntries(
      extraLabels.flatMap((label) => [
        [`galera-probe / ${label}`, ratio(ours, median(label))],
        [`${label} / floor`, ratio(median(label), floorPlain)],
        [`${label}-tls / floor-tls`, ratio(median(`${label}-tls`), floorTls)],
        [`${label} / node-floor`, ratio(median(label), floor)],
        [`galera-probe-tls / ${label}-tls`, ratio(oursTls, median(`${label}-tls`))],
        [`${label}-tls / node-floor`, ratio(median(`${label}-tls`), floor)],
      ]),
    ),
  },
  cpuRatios: Object.fromEntries([
    ...cpuPair('galera-probe', 'floor'),
    ...cpuPair('galera-probe-tls', 'floor-tls'),
    ...cpuPair('floor', 'node-floor'),
    ...cpuPair('floor-tls', 'node-floor'),
    ...cpuPair('cluster', 'galera-probe'),
    ...cpuPair('cluster-tls', 'galera-probe-tls'),
    ...cpuPair('cluster', 'floor-cluster'),
    ...cpuPair('cluster-tls', 'floor-cluster-tls'),
    ...cpuPair('floor-cluster', 'floor'),
    ...cpuPair('floor-cluster-tls', 'floor-tls'),
    ...extraLabels.flatMap((label) => [
      ...cpuPair('galera-probe', label),
      ...cpuPair('galera-probe-tls', `${label}-tls`),
      ...cpuPair(label, 'floor'),
      ...cpuPair(`${label}-tls`, 'floor-tls'),
    ]),
  ]),
  targets: {
    'galera-probe <= 1.10x floor': ours <= 1.1 * floorPlain,
    'galera-probe-tls <= 1.10x floor-tls': oursTls <= 1.1 * floorTls,
    ...(times.has('cluster')
      ? {
          'cluster <= 1.10x galera-probe': median('cluster') <= 1.1 * ours,
          'cluster-tls <= 1.10x galera-probe-tls': median('cluster-tls') <= 1.1 * oursTls,
        }
      : {}),
    ...(times.has('mysql2')
      ? {
          'galera-probe <= 0.7x mysql2': ours <= 0.7 * median('mysql2'),
          'galera-probe-tls <= 0.6x mysql2-tls': oursTls <= 0.6 * median('mysql2-tls'),
        }
      : {}),
  },
  ...(skipped.length > 0 ? { skipped } : {}),
});
