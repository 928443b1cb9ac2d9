/** The hashes the password plugins are built from: one digest over the concatenation of its parts. */
import { createHash } from 'node:crypto';

function digest(algorithm: 'sha1' | 'sha256' | 'sha512', parts: readonly Buffer[]): Buffer {
  const h = createHash(algorithm);
  for (const p of parts) h.update(p);
  return h.digest();
}

export const sha1 = (...parts: Buffer[]): Buffer => digest('sha1', parts);
export const sha256 = (...parts: Buffer[]): Buffer => digest('sha256', parts);
export const sha512 = (...parts: Buffer[]): Buffer => digest('sha512', parts);

/** `a ^= mask` byte by byte over a's length (mask at least as long); returns a. */
export function xorInto(a: Buffer, mask: Buffer): Buffer {
  for (let i = 0; i < a.length; i++) a[i]! ^= mask[i]!;
  return a;
}
