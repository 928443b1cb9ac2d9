/**
 * V8 settings, set at run time because Node.js 20's single executable cannot be given V8 flags
 * at start: one for `serve` (here) and one for a check (below).
 *
 * `serve` is a process that runs for months, allocates a little for every probe
 * and keeps almost none of it. Under continuous probing V8 grows the young generation to its
 * maximum (two semi-spaces of 16 MiB on 64-bit): some 30 MiB of RSS for garbage that dies
 * young anyway (BENCHMARKS.md, benchmark 6). A growth factor of 1 keeps it at its initial
 * size (1 MiB each). V8 reads this flag whenever it considers growing the space.
 */
import { setFlagsFromString } from 'node:v8';

/** Flags with which an operator chose the young generation's size: then it is theirs. */
const YOUNG_GENERATION_FLAG = /--(?:(?:max|min)[-_]semi[-_]space[-_]size|semi[-_]space[-_]growth[-_]factor)\b/;

/** Returns whether it applied the setting (not when the process was started with such a flag). */
export function keepYoungGenerationSmall(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  if (execArgv.some((a) => YOUNG_GENERATION_FLAG.test(a)) || YOUNG_GENERATION_FLAG.test(nodeOptions ?? ''))
    return false;
  setFlagsFromString('--semi-space-growth-factor=1');
  return true;
}

/**
 * V8 setting for a check, a process that ends with its probe. V8 schedules a scavenge as a task
 * once the young generation is 80 % full (about 819 KiB of the 1 MiB a process starts with). A
 * check over TLS allocates some 900 KiB, so it paid a scavenge of 1-2 ms for memory the process
 * was about to hand back whole; the floor script (bench/floor.cjs) ends below the mark
 * (BENCHMARKS.md, section 15). Without the task V8 still scavenges when the young generation is
 * full, so a run that allocates more is no worse off.
 *
 * The flag is set only once Node.js's TLS modules are compiled: after any flag changes at run
 * time, V8 rejects Node.js's own code cache for every built-in module compiled later (7 ms a
 * check: scripts/bundle-cli.ts). A plain check never loads them and ends below the mark, so it
 * never needs the setting. The CLI's bundles tell when node:tls has loaded (LAZY_BUILTINS in
 * scripts/bundle-cli.ts); run from the sources, nothing does, and nothing is set.
 */
export const NO_SCAVENGE_TASK = '--no-minor-gc-task';
let shortRun = false;
let tlsCompiled = false;

/** Whether node was started with a flag that chose how V8 schedules scavenges: then it is theirs. */
const scavengeTaskChosen = (execArgv: readonly string[]): boolean =>
  execArgv.some((a) => a.includes('minor-gc-task') || a.includes('minor_gc_task'));

/** Called by a command whose process ends when it does (a check), before it probes. */
export function endsWithItsRun(): void {
  shortRun = true;
  dropScavengeTask();
}

/** Called by the CLI's bundles once node:tls has loaded (scripts/bundle-cli.ts). */
export function tlsModulesLoaded(): void {
  tlsCompiled = true;
  dropScavengeTask();
}

/** Sets the flag once both have happened: each is called once a process, so this sets it once. */
function dropScavengeTask(): void {
  if (shortRun && tlsCompiled && !scavengeTaskChosen(process.execArgv)) setFlagsFromString(NO_SCAVENGE_TASK);
}
