/** Bad command-line input: exit 64 with a one-line message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Not an error: the command line asked for help or the version among other options, all of
 * them valid. Thrown by parse(), answered by main() (its preamble answers a line of nothing else).
 */
export class AnswerFirst extends Error {
  override readonly name = 'AnswerFirst';
  constructor(readonly what: 'help' | 'version') {
    super(`--${what}`);
  }
}
