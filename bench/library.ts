/**
 * Benchmark 2: the library's cost per probe. `--count` health checks (2,000 by default) in one
 * process against a real node, one at a time and 32 at a time, by galera-probe's library and
 * by mysql2 (connect + the same two SHOW statements + end), each side in a fresh child
 * process (bench/library-worker.mjs), interleaved over `--rounds` rounds. Reported: probes
 * per second and client CPU time (user + system) per probe, medians over the rounds.
 * TLS off on both sides (mysql2 does not negotiate it by default).
 *
 *   npm run bench:library -- [--count 2000] [--rounds 3]
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { database, intArg, interleave, peer, ratio, report, ROOT, summary } from './lib.js';

const count = intArg('count', 2000, 1, 100_000);
const rounds = intArg('rounds', 3, 1, 50);
const db = database();
const mysql2 = peer('mysql2', '3');

interface Run {
  impl: string;
  concurrency: number;
}
const runs: Run[] = [];
for (const concurrency of [1, 32]) {
  runs.push({ impl: 'galera-probe', concurrency });
  if (mysql2) runs.push({ impl: 'mysql2', concurrency });
}

interface Measured {
  wallMs: number;
  cpuMs: number;
}
const measured = new Map<string, Measured[]>();
const key = (r: Run): string => `${r.impl} x${r.concurrency}`;

await interleave(runs, rounds, (r) => {
  const child = spawnSync(
    process.execPath,
    [join(ROOT, 'bench', 'library-worker.mjs'), r.impl, db.host, String(db.port), db.user, String(count), String(r.concurrency), ...(mysql2 ? [mysql2] : [])],
    { encoding: 'utf8', env: { ...process.env, MYSQL_PWD: db.password }, timeout: 600_000 },
  );
  if (child.status !== 0) throw new Error(`${key(r)} failed (exit ${child.status}): ${child.stderr}`);
  const m = JSON.parse(child.stdout) as Measured;
  measured.set(key(r), [...(measured.get(key(r)) ?? []), m]);
});

const results: Record<string, { probesPerSecond: number; cpuMsPerProbe: number; rounds: number }> = {};
for (const r of runs) {
  const ms = measured.get(key(r))!;
  results[key(r)] = {
    probesPerSecond: summary(ms.map((m) => (count / m.wallMs) * 1000)).median,
    cpuMsPerProbe: Math.round(summary(ms.map((m) => m.cpuMs / count)).median * 1000) / 1000,
    rounds: ms.length,
  };
}
const cpuRatio = (c: number): number | undefined =>
  results[`mysql2 x${c}`] ? ratio(results[`galera-probe x${c}`]!.cpuMsPerProbe, results[`mysql2 x${c}`]!.cpuMsPerProbe) : undefined;
report('library', {
  database: db.target,
  count,
  rounds,
  interleaved: true,
  results,
  ratios: mysql2
    ? {
        'cpu per probe, galera-probe / mysql2, sequential': cpuRatio(1),
        'cpu per probe, galera-probe / mysql2, 32 at a time': cpuRatio(32),
      }
    : {},
  targets: mysql2
    ? {
        'cpu per probe <= 0.5x mysql2, sequential': (cpuRatio(1) ?? Infinity) <= 0.5,
        'cpu per probe <= 0.5x mysql2, 32 at a time': (cpuRatio(32) ?? Infinity) <= 0.5,
      }
    : {},
  ...(mysql2 ? {} : { skipped: ['mysql2 (could not be installed)'] }),
});
