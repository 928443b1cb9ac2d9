import { probe } from '../probe/probe.js';
import { EXIT_CODES, exitCodeFor } from '../probe/exit-codes.js';
import { VERSION } from '../version.js';
import { parse, PROBE_OPTIONS, probeOptionsFrom } from './args.js';
import { humanLine, traceLine } from './format.js';
import { HELP } from './help.js';
import type { Io } from './io.js';
import { UsageError } from './usage.js';

export type { Io } from './io.js';

const CHECK_OPTIONS = {
  ...PROBE_OPTIONS,
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

/** Runs the CLI; resolves with the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    if (argv[0] === 'cluster') {
      const { clusterCommand } = await import('./cluster-command.js');
      return await clusterCommand(argv.slice(1), io);
    }
    if (argv[0] === 'watch') {
      const { watchCommand } = await import('./watch-command.js');
      return await watchCommand(argv.slice(1), io);
    }
    if (argv[0] === 'serve') {
      const { serveCommand } = await import('./serve-command.js');
      return await serveCommand(argv.slice(1), io);
    }
    const { values, positionals } = parse(argv, CHECK_OPTIONS);
    if (values['help'] === true) {
      io.stdout(HELP);
      return 0;
    }
    if (values['version'] === true) {
      io.stdout(`galera-probe ${VERSION}\n`);
      return 0;
    }
    const options = probeOptionsFrom(values, positionals, { env: io.env, warn: (line) => io.stderr(`galera-probe: ${line}\n`) });
    if (values['verbose'] === true) options.onEvent = (e) => io.stderr(`${traceLine(e)}\n`);
    const result = await probe(options);
    if (values['json'] === true) io.stdout(`${JSON.stringify(result)}\n`);
    else if (values['quiet'] !== true) io.stdout(`${humanLine(result)}\n`);
    return exitCodeFor(result.outcome);
  } catch (err) {
    // By name too: a subcommand loaded from its own bundle (dist/cli-*.cjs) has its own class.
    if (err instanceof UsageError || err instanceof TypeError || (err instanceof Error && err.name === 'UsageError')) {
      io.stderr(`galera-probe: ${err.message.replace(/^galera-probe: /, '')}\nTry 'galera-probe --help'.\n`);
      return EXIT_CODES.usage;
    }
    throw err;
  }
}
