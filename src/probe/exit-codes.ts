import type { Outcome } from './types.js';

/** Stable exit codes of the CLI, documented in the README. */
export const EXIT_CODES = {
  healthy: 0,
  unhealthy: 1,
  unreachable: 2,
  timeout: 3,
  'access-denied': 4,
  'protocol-error': 5,
  'server-error': 6,
  /** Library only: the CLI never aborts a probe; kept distinct all the same. */
  aborted: 7,
  /** 8 and 9 are `cluster`'s verdicts (split brain, no primary): kept clear of them. */
  'certificate-mismatch': 10,
  usage: 64,
} as const satisfies Record<Outcome | 'usage', number>;

export function exitCodeFor(outcome: Outcome): number {
  return EXIT_CODES[outcome];
}
