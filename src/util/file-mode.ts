/**
 * Who besides its owner may read or change a file that holds a secret (a password file, an
 * option file, a web config). A world-writable one is refused: anyone on the machine could
 * change the password or who may log in (the mysql client ignores such an option file; we
 * refuse it with an error instead, so that it is not silently skipped). One readable by group
 * or others is accepted with a warning. Imports nothing of the project.
 */
import { statSync } from 'node:fs';

export type Exposure = 'world-writable' | 'readable';

/** How exposed `file` is; undefined when only its owner may read it (or it cannot be stat'ed: the read will say why). */
export function fileExposure(file: string): Exposure | undefined {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    return undefined;
  }
  if ((mode & 0o002) !== 0) return 'world-writable';
  if ((mode & 0o044) !== 0) return 'readable';
  return undefined;
}

/** The refusal for a world-writable file. */
export function worldWritableReason(what: string, file: string): string {
  return `${what} ${file} is world-writable: anyone on this machine could change it; refused (chmod o-w ${file})`;
}

/** The warning for a file readable by group or others. */
export function readableWarning(what: string, file: string): string {
  return `warning: ${what} ${file} is readable by group or others; chmod go-r ${file}`;
}
