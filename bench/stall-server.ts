/**
 * Child process of the deadline and leak benchmarks: starts the five stalling servers of
 * bench/stalls.ts, prints their ports as one JSON line, and stops when its stdin closes.
 */
import { type Stall, startStall, STALL_PHASES } from './stalls.js';

const stalls: Stall[] = [];
for (const phase of STALL_PHASES) stalls.push(await startStall(phase));
process.stdout.write(`${JSON.stringify(Object.fromEntries(stalls.map((s) => [s.phase, s.port])))}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void Promise.all(stalls.map((s) => s.close())).then(() => process.exit(0));
});
