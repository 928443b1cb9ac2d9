/**
 * Benchmark 4: deadline precision. For each phase, `--count` probes (200 by default) against a
 * server that stays silent in that phase, with a `--limit` (500 ms) on that phase and a far
 * overall deadline, `--concurrency` at a time. Overshoot = when the probe's promise resolved
 * (seen by the caller) minus when the phase began plus the limit; the phase's start is the
 * probe's own `start` event, taken on the same clock just before it arms the phase's timer.
 * Negative would be early. Run twice: on a quiet machine, then with a CPU-bound process
 * beside it (`node -e 'for(;;);'`, the other core busy).
 *
 *   npm run bench:deadlines -- [--count 200] [--limit 500] [--concurrency 10] [--no-busy]
 */
import { spawn } from 'node:child_process';
import { probe } from '../src/probe/probe.js';
import type { Phase, ProbeEvent } from '../src/probe/types.js';
import { flagArg, intArg, report, summary } from './lib.js';
import { STALL_PHASES, startStall, stallOptions } from './stalls.js';

const count = intArg('count', 200, 1, 10_000);
const limit = intArg('limit', 500, 10, 10_000);
const concurrency = intArg('concurrency', 10, 1, 200);

interface PhaseFigures {
  overshootMs: ReturnType<typeof summary>;
  early: number;
  wrongOutcome: number;
}

async function measure(phase: Phase): Promise<PhaseFigures> {
  const stall = await startStall(phase);
  const overshoots: number[] = [];
  let early = 0;
  let wrongOutcome = 0;
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          next++;
          let phaseStart: number | undefined;
          const t0 = performance.now();
          const result = await probe({
            ...stallOptions(stall, limit),
            onEvent: (e: ProbeEvent) => {
              if (e.phase === phase && e.event === 'start') phaseStart = e.at;
            },
          });
          const end = performance.now() - t0;
          if (result.outcome !== 'timeout' || result.phase !== phase || phaseStart === undefined) {
            wrongOutcome++;
            continue;
          }
          const overshoot = end - (phaseStart + limit);
          if (overshoot < 0) early++;
          overshoots.push(overshoot);
        }
      }),
    );
  } finally {
    await stall.close();
  }
  return { overshootMs: summary(overshoots), early, wrongOutcome };
}

async function all(): Promise<Record<string, PhaseFigures>> {
  const out: Record<string, PhaseFigures> = {};
  for (const phase of STALL_PHASES) out[phase] = await measure(phase);
  return out;
}

const quiet = await all();
let busy: Record<string, PhaseFigures> | undefined;
if (!flagArg('no-busy')) {
  const burner = spawn(process.execPath, ['-e', 'for(;;);'], { stdio: 'ignore' });
  try {
    busy = await all();
  } finally {
    burner.kill('SIGKILL');
  }
}

const worstP99 = (r: Record<string, PhaseFigures>): number =>
  Math.max(...Object.values(r).map((f) => f.overshootMs.p99));
const anyEarly = (r: Record<string, PhaseFigures>): boolean => Object.values(r).some((f) => f.early > 0);
report('deadlines', {
  count,
  limitMs: limit,
  concurrency,
  quiet,
  ...(busy ? { busy } : {}),
  targets: {
    'p99 overshoot < 20 ms (quiet)': worstP99(quiet) < 20,
    ...(busy ? { 'p99 overshoot < 20 ms (other core busy)': worstP99(busy) < 20 } : {}),
    'never early': !anyEarly(quiet) && !(busy && anyEarly(busy)),
  },
});
