/**
 * A/B of the library's probe between two builds, in the same run: this checkout's dist/ and
 * another checkout's (`--before DIR`, built with `npm run build`), each in a fresh child process
 * per round, rounds interleaved (A B, B A, ...). `--count` probes one at a time per round, plain,
 * against the benchmark node (`--ssl-mode MODE` for another mode, e.g. PREFERRED). Reported: wall and CPU time per probe, medians over the rounds,
 * and this build's ratio to the other. Start-up is left out on purpose: bench:cli --extra
 * measures whole runs; this isolates what a change costs per probe.
 *
 *   npm run bench:ab -- --before /tmp/old-checkout [--count 500] [--rounds 6] [--ssl-mode PREFERRED]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { database, intArg, listArg, ratio, report, ROOT, summary } from './lib.js';

const count = intArg('count', 500, 1, 100_000);
const rounds = intArg('rounds', 6, 1, 100);
const [beforeDir] = listArg('before');
const [sslMode = 'DISABLED'] = listArg('ssl-mode');
if (!['DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'].includes(sslMode))
  throw new Error(`bench:ab: --ssl-mode ${sslMode}: not an ssl mode`);
if (beforeDir === undefined)
  throw new Error('bench:ab: --before DIR (a checkout built with npm run build) is required');
const sides = { after: join(ROOT, 'dist', 'index.js'), before: join(resolve(beforeDir), 'dist', 'index.js') };
for (const [label, file] of Object.entries(sides))
  if (!existsSync(file)) throw new Error(`bench:ab: ${label}: ${file} is missing (npm run build)`);
const db = database();

interface Figures {
  wallMs: number;
  cpuMs: number;
  count: number;
}
const results: Record<string, Figures[]> = { after: [], before: [] };
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? (['after', 'before'] as const) : (['before', 'after'] as const);
  for (const label of order) {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'bench', 'ab-worker.mjs'), sides[label], db.host, String(db.port), db.user, String(count), sslMode],
      {
        encoding: 'utf8',
        env: { PATH: process.env['PATH'], HOME: '/nonexistent', MYSQL_PWD: db.password },
        timeout: 600_000,
      },
    );
    if (r.status !== 0) throw new Error(`bench:ab: ${label} failed: ${r.stderr}`);
    results[label]!.push(JSON.parse(r.stdout) as Figures);
  }
}
const per = (xs: Figures[], f: (x: Figures) => number): number => summary(xs.map((x) => f(x) / x.count)).median;
const body: Record<string, unknown> = { database: db.target, sslMode, count, rounds, beforeDir: resolve(beforeDir) };
for (const label of ['after', 'before'] as const) {
  body[label] = {
    wallMsPerProbe: per(results[label]!, (x) => x.wallMs),
    cpuMsPerProbe: per(results[label]!, (x) => x.cpuMs),
  };
}
const a = body['after'] as { wallMsPerProbe: number; cpuMsPerProbe: number };
const b = body['before'] as { wallMsPerProbe: number; cpuMsPerProbe: number };
body['ratios'] = {
  'wall after / before': ratio(a.wallMsPerProbe, b.wallMsPerProbe),
  'cpu after / before': ratio(a.cpuMsPerProbe, b.cpuMsPerProbe),
};
report('ab', body);
