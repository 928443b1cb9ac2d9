/** Reading the PEM files an option names (CA, certificate, key) into probe options. */
import { readFileSync } from 'node:fs';
import type { ProbeOptions } from '../probe/options.js';
import { UsageError } from './usage.js';

export type PemKey = 'sslCa' | 'sslCert' | 'sslKey' | 'serverPublicKey';

/**
 * Reads each `[label, key, path]` with a path into `o[key]`; a file that cannot be read is a
 * usage error `LABEL: cannot read PATH (CODE)`.
 */
export function readPemFiles(
  o: ProbeOptions,
  files: readonly (readonly [label: string, key: PemKey, path: string | undefined])[],
): void {
  for (const [label, key, path] of files) {
    if (path === undefined) continue;
    try {
      o[key] = readFileSync(path);
    } catch (err) {
      throw new UsageError(`${label}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
}
