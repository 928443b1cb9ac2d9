/**
 * The CLI's entry: picks the command from the first argument and loads only that command's
 * code (each is a bundle of its own in the npm package: a single check compiles nothing of
 * serve, and `cluster` nothing of the single check's output). Usage errors end here: exit 64.
 *
 * `--help` and `--version` are answered here too, for every command, before its code is
 * loaded: the one place that knows them (BENCHMARKS.md, start-up).
 */
import { EXIT_CODES } from '../probe/exit-codes.js';
import { VERSION } from '../version.js';
import { CLUSTER_HELP, HELP, SERVE_HELP, WATCH_HELP } from './help.js';
import type { Io } from './io.js';
import { UsageError } from './usage.js';

export type { Io } from './io.js';

const COMMANDS = ['cluster', 'watch', 'serve'] as const;
type Command = (typeof COMMANDS)[number] | 'check';
const HELP_OF: Record<Command, string> = { check: HELP, cluster: CLUSTER_HELP, watch: WATCH_HELP, serve: SERVE_HELP };

/**
 * What a command line of nothing but `--help`, `-h`, `--version` or `-V` asks for (help
 * first, as a command's parser would have it), answered before any command's code loads.
 * Any other line goes to the command's parser, which checks every option first and then
 * throws AnswerFirst when one of these is among them: `--colour --help` is still refused.
 */
export function preamble(args: readonly string[]): 'help' | 'version' | undefined {
  if (args.length === 0 || !args.every((a) => a === '--help' || a === '-h' || a === '--version' || a === '-V'))
    return undefined;
  return args.includes('--help') || args.includes('-h') ? 'help' : 'version';
}

function answer(command: Command, what: 'help' | 'version', io: Io): number {
  io.stdout(what === 'help' ? HELP_OF[command] : `galera-probe ${VERSION}\n`);
  return 0;
}

/** Runs the CLI; resolves with the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const command: Command = (COMMANDS as readonly string[]).includes(argv[0] ?? '') ? (argv[0] as Command) : 'check';
  const args = command === 'check' ? argv : argv.slice(1);
  const early = preamble(args);
  if (early !== undefined) return answer(command, early, io);
  try {
    if (command === 'cluster') {
      const { clusterCommand } = await import('./cluster-command.js');
      return await clusterCommand(args, io);
    }
    if (command === 'watch') {
      const { watchCommand } = await import('./watch-command.js');
      return await watchCommand(args, io);
    }
    if (command === 'serve') {
      const { serveCommand } = await import('./serve-command.js');
      return await serveCommand(args, io);
    }
    const { checkCommand } = await import('./check-command.js');
    return await checkCommand(args, io);
  } catch (err) {
    // By name: a command loaded from its own bundle (dist/cli-*.cjs) has its own classes.
    if (err instanceof Error && err.name === 'AnswerFirst')
      return answer(command, (err as Error & { what: 'help' | 'version' }).what, io);
    if (err instanceof UsageError || err instanceof TypeError || (err instanceof Error && err.name === 'UsageError')) {
      io.stderr(`galera-probe: ${err.message.replace(/^galera-probe: /, '')}\nTry 'galera-probe --help'.\n`);
      return EXIT_CODES.usage;
    }
    throw err;
  }
}
