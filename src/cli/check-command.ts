/**
 * `galera-probe [options] <target>`: one node, one line (or one JSON object), one exit code.
 * Thin: options in, the library's probe, the result out.
 */
import { exitCodeFor } from '../probe/exit-codes.js';
import { probe } from '../probe/probe.js';
import { parse, PROBE_OPTIONS, probeOptionsFrom } from './args.js';
import { humanLine, traceLine } from './format.js';
import { endsWithItsRun } from './heap.js';
import type { Io } from './io.js';

const CHECK_OPTIONS = {
  ...PROBE_OPTIONS,
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

export async function checkCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, CHECK_OPTIONS);
  const options = probeOptionsFrom(values, positionals, {
    env: io.env,
    warn: (line) => io.stderr(`galera-probe: ${line}\n`),
  });
  // The process ends with this probe: V8 may skip its scavenge task (src/cli/heap.ts).
  endsWithItsRun();
  if (values['verbose'] === true) options.onEvent = (e) => io.stderr(`${traceLine(e)}\n`);
  const result = await probe(options);
  if (values['json'] === true) io.stdout(`${JSON.stringify(result)}\n`);
  else if (values['quiet'] !== true) io.stdout(`${humanLine(result)}\n`);
  return exitCodeFor(result.outcome);
}
