/**
 * Benchmark 2: the library's cost per probe. `--count` health checks (2,000 by default) in one
 * process against a real node, one at a time and 32 at a time, by galera-probe's library and
 * by mysql2 (connect + the same two SHOW statements + end) and by bench/floor.cjs (raw sockets,
 * only what a probe must do: Node's floor for this work), each side in a fresh child
 * process (bench/library-worker.mjs), interleaved over `--rounds` rounds. Reported: probes
 * per second and client CPU time (user + system) per probe, medians over the rounds.
 * Each side plain and over TLS (galera-probe's default PREFERRED, mysql2 with
 * `ssl: { rejectUnauthorized: false }`): a new connection per probe, as serve makes them.
 * The workers run with a clean environment (PATH, HOME and the password only).
 *
 *   npm run bench:library -- [--count 2000] [--rounds 3] [--warmup N] [--plain-only] [--no-floor]
 *
 * --warmup N: each worker first runs N probes at the measured concurrency, outside the measurement (default: 20
 * sequential). V8 tiers a function called once per probe up to TurboFan only after hundreds of probes, on
 * background threads whose CPU the measurement counts; N = 3000 measures past that.
 *
 * GP_BENCH_BASELINE=DIR adds a second galera-probe, `baseline`: the build in DIR/dist (e.g. a copy
 * of bin, dist and package.json taken before a change), interleaved with the others, for a
 * before/after in the same run (ratios: galera-probe / baseline).
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { database, flagArg, intArg, interleave, peer, ratio, report, ROOT, summary } from './lib.js';

const count = intArg('count', 2000, 1, 100_000);
const rounds = intArg('rounds', 3, 1, 50);
const warmup = intArg('warmup', 0, 0, 100_000);
const db = database();
const mysql2 = peer('mysql2', '3');
const baseline = process.env['GP_BENCH_BASELINE'];

interface Run {
  impl: string;
  concurrency: number;
  transport: 'plain' | 'tls';
}
const runs: Run[] = [];
for (const transport of flagArg('plain-only') ? (['plain'] as const) : (['plain', 'tls'] as const)) {
  for (const concurrency of [1, 32]) {
    runs.push({ impl: 'galera-probe', concurrency, transport });
    if (baseline) runs.push({ impl: 'baseline', concurrency, transport });
    if (mysql2) runs.push({ impl: 'mysql2', concurrency, transport });
    if (!flagArg('no-floor')) runs.push({ impl: 'floor', concurrency, transport });
  }
}

interface Measured {
  wallMs: number;
  cpuMs: number;
}
const measured = new Map<string, Measured[]>();
const key = (r: Run): string => `${r.impl}${r.transport === 'tls' ? ' tls' : ''} x${r.concurrency}`;

await interleave(runs, rounds, (r) => {
  const child = spawnSync(
    process.execPath,
    [
      join(ROOT, 'bench', 'library-worker.mjs'),
      r.impl === 'baseline' ? 'galera-probe' : r.impl,
      db.host,
      String(db.port),
      db.user,
      String(count),
      String(r.concurrency),
      r.transport,
      ...(mysql2 ? [mysql2] : []),
    ],
    {
      encoding: 'utf8',
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: '/nonexistent',
        MYSQL_PWD: db.password,
        ...(warmup > 0 ? { GP_BENCH_WARMUP: String(warmup) } : {}),
        ...(r.impl === 'baseline' ? { GP_PROBE_DIST: join(resolve(baseline!), 'dist') } : {}),
      },
      timeout: 600_000,
    },
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
const cpuRatio = (c: number, tls = ''): number | undefined =>
  results[`mysql2${tls} x${c}`] && results[`galera-probe${tls} x${c}`]
    ? ratio(results[`galera-probe${tls} x${c}`]!.cpuMsPerProbe, results[`mysql2${tls} x${c}`]!.cpuMsPerProbe)
    : undefined;
const withTls = !flagArg('plain-only');
const floorRatio = (c: number, tls = ''): number | undefined =>
  results[`floor${tls} x${c}`]
    ? ratio(results[`galera-probe${tls} x${c}`]!.cpuMsPerProbe, results[`floor${tls} x${c}`]!.cpuMsPerProbe)
    : undefined;
const baselineRatio = (c: number, tls = ''): number | undefined =>
  results[`baseline${tls} x${c}`]
    ? ratio(results[`galera-probe${tls} x${c}`]!.cpuMsPerProbe, results[`baseline${tls} x${c}`]!.cpuMsPerProbe)
    : undefined;
report('library', {
  database: db.target,
  count,
  rounds,
  ...(warmup > 0 ? { warmup } : {}),
  interleaved: true,
  results,
  floorRatios: {
    'cpu per probe, galera-probe / floor, sequential': floorRatio(1),
    'cpu per probe, galera-probe / floor, 32 at a time': floorRatio(32),
    ...(withTls
      ? {
          'cpu per probe over TLS, galera-probe / floor, sequential': floorRatio(1, ' tls'),
          'cpu per probe over TLS, galera-probe / floor, 32 at a time': floorRatio(32, ' tls'),
        }
      : {}),
  },
  ...(baseline
    ? {
        baselineRatios: {
          'cpu per probe, galera-probe / baseline, sequential': baselineRatio(1),
          'cpu per probe, galera-probe / baseline, 32 at a time': baselineRatio(32),
          ...(withTls
            ? {
                'cpu per probe over TLS, galera-probe / baseline, sequential': baselineRatio(1, ' tls'),
                'cpu per probe over TLS, galera-probe / baseline, 32 at a time': baselineRatio(32, ' tls'),
              }
            : {}),
        },
      }
    : {}),
  ratios: mysql2
    ? {
        'cpu per probe, galera-probe / mysql2, sequential': cpuRatio(1),
        'cpu per probe, galera-probe / mysql2, 32 at a time': cpuRatio(32),
        ...(withTls
          ? {
              'cpu per probe over TLS, galera-probe / mysql2, sequential': cpuRatio(1, ' tls'),
              'cpu per probe over TLS, galera-probe / mysql2, 32 at a time': cpuRatio(32, ' tls'),
            }
          : {}),
      }
    : {},
  targets: mysql2
    ? {
        'cpu per probe <= 0.5x mysql2, sequential': (cpuRatio(1) ?? Infinity) <= 0.5,
        'cpu per probe <= 0.5x mysql2, 32 at a time': (cpuRatio(32) ?? Infinity) <= 0.5,
        ...(withTls
          ? {
              'cpu per probe over TLS <= 0.5x mysql2 over TLS, sequential': (cpuRatio(1, ' tls') ?? Infinity) <= 0.5,
              'cpu per probe over TLS <= 0.5x mysql2 over TLS, 32 at a time': (cpuRatio(32, ' tls') ?? Infinity) <= 0.5,
            }
          : {}),
      }
    : {},
  ...(mysql2 ? {} : { skipped: ['mysql2 (could not be installed)'] }),
});
