/**
 * Benchmark 1: a health check from process start to exit, against a real MariaDB node.
 *
 *   node-floor   `node -e 0`: what any Node.js program pays before its own code
 *   galera-probe `node bin/galera-probe -u ... host:port` (the npm package)
 *   sea          the single executable, when dist/galera-probe-linux-x64 exists
 *   mysql2       a minimal Node.js script: mysql2 connect, the same two SHOW statements, end
 *   mariadb-cli  the C client: `mariadb -e "SHOW GLOBAL STATUS ...; SHOW GLOBAL VARIABLES ..."`
 *
 * All with TLS off (the peers do not negotiate it by default; galera-probe would). Each round
 * runs every command once, in a rotating order; figures are medians of wall-clock time.
 *
 *   npm run bench:cli -- [--runs 30] [--warmup 3] [--extra LABEL=LAUNCHER]...
 *
 * `--extra` adds another build's launcher (for example bin/galera-probe of an older checkout,
 * built with npm ci) with the same arguments, so a change is measured against what it
 * replaced in the same interleaved run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { database, intArg, interleave, listArg, PEER_DIR, peer, ratio, report, ROOT, STATUS_SQL, summary, VARIABLES_SQL } from './lib.js';

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
const commands: Command[] = [
  { label: 'node-floor', file: process.execPath, args: ['-e', '0'], expect: /^$/ },
  {
    label: 'galera-probe',
    file: process.execPath,
    args: [join(ROOT, 'bin', 'galera-probe'), '--no-defaults', '--ssl-mode', 'DISABLED', '-u', db.user, db.target],
    env: { MYSQL_PWD: db.password },
    expect: / healthy: Synced, Primary/,
  },
];
const oursCommand = commands.find((c) => c.label === 'galera-probe')!;
const extraLabels: string[] = [];
for (const extra of listArg('extra')) {
  const [label, launcher] = extra.split(/=(.*)/s) as [string, string | undefined];
  if (!label || !launcher || !existsSync(launcher)) throw new Error(`--extra ${extra}: expected LABEL=PATH to an existing launcher`);
  commands.push({ ...oursCommand, label, args: [launcher, ...oursCommand.args.slice(1)] });
  extraLabels.push(label);
}
const sea = join(ROOT, 'dist', `galera-probe-${process.platform}-${process.arch}`);
if (existsSync(sea)) {
  commands.push({ label: 'sea', file: sea, args: ['--no-defaults', '--ssl-mode', 'DISABLED', '-u', db.user, db.target], env: { MYSQL_PWD: db.password }, expect: / healthy: Synced, Primary/ });
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
const [host, port, user] = process.argv.slice(2);
const c = mysql.createConnection({ host, port: Number(port), user, password: process.env.MYSQL_PWD, connectTimeout: 2000 });
c.query(${JSON.stringify(STATUS_SQL)}, (err, status) => {
  if (err) { console.error(err.message); process.exit(2); }
  c.query(${JSON.stringify(VARIABLES_SQL)}, (err2, vars) => {
    if (err2) { console.error(err2.message); process.exit(2); }
    const s = Object.fromEntries(status.map((r) => [r.Variable_name, r.Value]));
    const healthy = s.wsrep_cluster_status === 'Primary' && s.wsrep_local_state === '4' && s.wsrep_ready === 'ON';
    console.log(healthy ? 'healthy' : 'unhealthy');
    c.end(() => process.exit(healthy ? 0 : 1));
  });
});
`,
  );
  commands.push({ label: 'mysql2', file: process.execPath, args: [script, db.host, String(db.port), db.user], env: { MYSQL_PWD: db.password }, expect: /^healthy\n$/ });
} else {
  skipped.push('mysql2 (could not be installed)');
}
if (spawnSync('mariadb', ['--version']).status === 0) {
  commands.push({
    label: 'mariadb-cli',
    file: 'mariadb',
    args: ['--no-defaults', '--protocol=TCP', '--skip-ssl', '-h', db.host, '-P', String(db.port), '-u', db.user, '-N', '-B', '-e', `${STATUS_SQL}; ${VARIABLES_SQL}`],
    env: { MYSQL_PWD: db.password },
    expect: /wsrep_cluster_status\tPrimary/,
  });
} else {
  skipped.push('mariadb-cli (the mariadb client is not installed)');
}

const times = new Map<string, number[]>(commands.map((c) => [c.label, []]));
function once(c: Command, record: boolean): void {
  const started = performance.now();
  const r = spawnSync(c.file, c.args, { encoding: 'utf8', env: { ...env, ...c.env }, timeout: 10_000 });
  const ms = performance.now() - started;
  if (r.status !== 0 || !c.expect.test(r.stdout)) {
    throw new Error(`${c.label} failed (exit ${r.status}): ${r.stdout}${r.stderr}`);
  }
  if (record) times.get(c.label)!.push(ms);
}

await interleave(commands, warmup, (c) => once(c, false));
await interleave(commands, runs, (c) => once(c, true));

const results: Record<string, unknown> = {};
const median = (label: string): number => summary(times.get(label) ?? []).median;
for (const c of commands) {
  results[c.label] = { command: [c.file === process.execPath ? 'node' : c.file, ...c.args].join(' ').replace(ROOT + '/', '').replace(PEER_DIR + '/', '$PEERS/'), ...summary(times.get(c.label)!) };
}
const floor = median('node-floor');
const ours = median('galera-probe');
report('cli', {
  database: db.target,
  runs,
  warmup,
  interleaved: true,
  unit: 'ms (wall clock, spawn to exit)',
  results,
  ratios: {
    'galera-probe / node-floor': ratio(ours, floor),
    ...(times.has('sea') ? { 'sea / node-floor': ratio(median('sea'), floor) } : {}),
    ...(times.has('mysql2') ? { 'galera-probe / mysql2': ratio(ours, median('mysql2')), 'mysql2 / node-floor': ratio(median('mysql2'), floor) } : {}),
    ...(times.has('mariadb-cli') ? { 'galera-probe / mariadb-cli': ratio(ours, median('mariadb-cli')) } : {}),
    ...Object.fromEntries(extraLabels.flatMap((label) => [[`galera-probe / ${label}`, ratio(ours, median(label))], [`${label} / node-floor`, ratio(median(label), floor)]])),
  },
  targets: {
    'galera-probe <= 1.3x node-floor': ours <= 1.3 * floor,
    ...(times.has('mysql2') ? { 'galera-probe <= 0.7x mysql2': ours <= 0.7 * median('mysql2') } : {}),
  },
  ...(skipped.length > 0 ? { skipped } : {}),
});
