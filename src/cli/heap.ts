/**
 * V8 settings for `serve`, a process that runs for months, allocates a little for every probe
 * and keeps almost none of it. Under continuous probing V8 grows the young generation to its
 * maximum (two semi-spaces of 16 MiB on 64-bit): some 30 MiB of RSS for garbage that dies
 * young anyway (BENCHMARKS.md, benchmark 6). A growth factor of 1 keeps it at its initial
 * size (1 MiB each). It is set at run time because Node.js 20's single executable cannot be
 * given V8 flags at start; V8 reads this one whenever it considers growing the space.
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
