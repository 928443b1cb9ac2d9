/** Bad command-line input: exit 64 with a one-line message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
