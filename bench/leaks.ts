/**
 * Benchmark 5: nothing leaks. `--count` probes (10,000 by default) in one process against
 * servers (in a child process) that stall in every phase in turn (connect, tls, greeting,
 * auth, query), with a
 * short phase limit, `--concurrency` at a time. Open file descriptors (/proc/self/fd), RSS and
 * heap are read after a warm-up round and at the end, each time after a full GC, and so are
 * the live handles Node.js reports (sockets, timers).
 *
 *   npm run bench:leaks -- [--count 10000] [--limit 20] [--concurrency 50]
 * (runs under node --expose-gc: see package.json)
 */
import { readdirSync } from 'node:fs';
import { probe } from '../src/probe/probe.js';
import { intArg, report } from './lib.js';
import { stallOptions, startStallProcess } from './stalls.js';

const count = intArg('count', 10_000, 10, 1_000_000);
const limit = intArg('limit', 20, 5, 1000);
const concurrency = intArg('concurrency', 50, 1, 500);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:leaks does)');

const fds = (): number => readdirSync('/proc/self/fd').length;
function handles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) out[kind] = (out[kind] ?? 0) + 1;
  return out;
}
async function snapshot(): Promise<{
  fds: number;
  rssMiB: number;
  heapUsedMiB: number;
  handles: Record<string, number>;
}> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    gc!();
  }
  const m = process.memoryUsage();
  const mib = (b: number): number => Math.round((b / 2 ** 20) * 100) / 100;
  return { fds: fds(), rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed), handles: handles() };
}

// The servers live in a child process: only the probing side is measured here.
const servers = await startStallProcess();
const only = process.argv.includes('--phases')
  ? process.argv[process.argv.indexOf('--phases') + 1]!.split(',')
  : undefined;
const stalls = servers.stalls.filter((s) => !only || only.includes(s.phase));

const outcomes: Record<string, number> = {};
async function run(n: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const stall = stalls[next % stalls.length]!;
        next++;
        const r = await probe(stallOptions(stall, limit));
        const key = `${r.outcome} in ${r.phase}`;
        outcomes[key] = (outcomes[key] ?? 0) + 1;
      }
    }),
  );
}

// Warm-up: the first probes load code, grow pools and caches that are then reused.
await run(Math.min(500, count));
const start = await snapshot();
for (const k of Object.keys(outcomes)) delete outcomes[k];
const t0 = performance.now();
// Five checkpoints: a leak grows with the count, a working set levels off.
const checkpoints: { probes: number; fds: number; rssMiB: number; heapUsedMiB: number }[] = [];
let done = 0;
for (let k = 1; k <= 5; k++) {
  const n = Math.round((count * k) / 5) - done;
  await run(n);
  done += n;
  if (k < 5) {
    const s = await snapshot();
    checkpoints.push({ probes: done, fds: s.fds, rssMiB: s.rssMiB, heapUsedMiB: s.heapUsedMiB });
  }
}
const seconds = (performance.now() - t0) / 1000;
const end = await snapshot();
checkpoints.push({ probes: done, fds: end.fds, rssMiB: end.rssMiB, heapUsedMiB: end.heapUsedMiB });
await servers.close();

report('leaks', {
  count,
  limitMs: limit,
  concurrency,
  seconds: Math.round(seconds * 10) / 10,
  outcomes,
  start,
  end,
  checkpoints,
  growth: {
    fds: end.fds - start.fds,
    rssMiB: Math.round((end.rssMiB - start.rssMiB) * 100) / 100,
    heapUsedMiB: Math.round((end.heapUsedMiB - start.heapUsedMiB) * 100) / 100,
  },
  targets: {
    'fds back to the start count': end.fds <= start.fds,
    'RSS growth < 5 MiB': end.rssMiB - start.rssMiB < 5,
    // Not a target of the issue; says whether the growth above is a leak or a working set.
    'RSS growth over the second half < 5 MiB': end.rssMiB - (checkpoints[1]?.rssMiB ?? start.rssMiB) < 5,
  },
});
