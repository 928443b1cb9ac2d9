import { constants, createPublicKey, type KeyObject, publicEncrypt } from 'node:crypto';
import { sha256, xorInto } from './digest.js';

/** Single-byte messages of caching_sha2_password (after a 0x01 "more data" header). */
export const CACHING_SHA2_REQUEST_PUBLIC_KEY = 0x02;
export const CACHING_SHA2_FAST_AUTH_OK = 0x03;
export const CACHING_SHA2_FULL_AUTH_NEEDED = 0x04;

/** SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) ‖ nonce20), 32 bytes; empty password → empty response. */
export function cachingSha2Scramble(password: Buffer, nonce: Buffer): Buffer {
  if (password.length === 0) return Buffer.alloc(0);
  const stage1 = sha256(password);
  const mask = sha256(sha256(stage1), nonce.subarray(0, 20));
  return xorInto(stage1, mask);
}

/** The RSA public key in `pem` (SPKI or PKCS#1 PEM, or a certificate), or undefined when it holds none. */
export function parseRsaPublicKey(pem: string | Buffer): KeyObject | undefined {
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'rsa' ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Full authentication over an insecure transport: RSA-OAEP (SHA-1) of
 * (password ‖ 0x00) XOR the nonce repeated, with the server's public key.
 * Undefined when the key is too small to hold the password (OAEP with SHA-1
 * takes at most the key's size in bytes less 42).
 */
export function rsaEncryptPassword(password: Buffer, nonce: Buffer, key: KeyObject): Buffer | undefined {
  const modulusBytes = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  if (password.length + 1 > modulusBytes - 42) return undefined;
  const plain = Buffer.alloc(password.length + 1);
  password.copy(plain);
  if (nonce.length > 0) for (let i = 0; i < plain.length; i++) plain[i]! ^= nonce[i % nonce.length]!;
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, plain);
}
