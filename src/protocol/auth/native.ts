import { sha1, xorInto } from './digest.js';

/** mysql_native_password: SHA1(pw) XOR SHA1(nonce20 ‖ SHA1(SHA1(pw))); empty password → empty response. */
export function nativePasswordScramble(password: Buffer, nonce: Buffer): Buffer {
  if (password.length === 0) return Buffer.alloc(0);
  const stage1 = sha1(password);
  const stage2 = sha1(stage1);
  const mask = sha1(nonce.subarray(0, 20), stage2);
  return xorInto(stage1, mask);
}
