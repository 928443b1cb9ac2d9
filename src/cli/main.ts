/**
 * The CLI's entry: picks the command from the first argument and loads only that command's
 * code (each is a bundle of its own in the npm package: a single check compiles nothing of
 * serve, and `cluster` nothing of the single check's output). Usage errors end here: exit 64.
 */
import { EXIT_CODES } from '../probe/exit-codes.js';
import type { Io } from './io.js';
import { UsageError } from './usage.js';

export type { Io } from './io.js';

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
    const { checkCommand } = await import('./check-command.js');
    return await checkCommand(argv, io);
  } catch (err) {
    // By name too: a command loaded from its own bundle (dist/cli-*.cjs) has its own class.
    if (err instanceof UsageError || err instanceof TypeError || (err instanceof Error && err.name === 'UsageError')) {
      io.stderr(`galera-probe: ${err.message.replace(/^galera-probe: /, '')}\nTry 'galera-probe --help'.\n`);
      return EXIT_CODES.usage;
    }
    throw err;
  }
}
