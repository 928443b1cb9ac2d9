import { UsageError } from './usage.js';
import type { Io } from './main.js';

/** Placeholder until the HTTP endpoint lands: refuses clearly. */
export async function serveCommand(_argv: readonly string[], _io: Io): Promise<number> {
  throw new UsageError('serve is not available in this build yet');
}
