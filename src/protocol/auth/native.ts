import { createHash } from 'node:crypto';

function sha1(...parts: Buffer[]): Buffer {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** mysql_native_password: SHA1(pw) XOR SHA1(nonce20 ‖ SHA1(SHA1(pw))); empty password → empty response. */
export function nativePasswordScramble(password: Buffer, nonce: Buffer): Buffer {
  if (password.length === 0) return Buffer.alloc(0);
  const stage1 = sha1(password);
  const stage2 = sha1(stage1);
  const mask = sha1(nonce.subarray(0, 20), stage2);
  for (let i = 0; i < stage1.length; i++) stage1[i]! ^= mask[i]!;
  return stage1;
}
