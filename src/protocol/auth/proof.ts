/**
 * MariaDB 11.4+'s proof that the server knows the account's password hash, bound to the
 * certificate this connection saw: the first OK after authentication carries in its info
 * field `0x01` followed by 64 hex digits of
 *   SHA-256(H ‖ scramble ‖ SHA-256(DER of the server's leaf certificate))
 * where scramble is the greeting's 20-byte nonce and H the plugin's stored hash (native:
 * SHA1(SHA1(pw)); ed25519: its public key; parsec: ext-salt ‖ public key). A relay that
 * terminates TLS with its own certificate cannot make one that matches without H.
 * Server: sql/sql_acl.cc; Connector/C: libmariadb/mariadb_lib.c (ma_read_ok_packet).
 */
import { timingSafeEqual } from 'node:crypto';
import { sha256 } from './digest.js';

/** 0x01: the digest is SHA-256 (the only kind defined). */
const PROOF_SHA256 = 0x01;

/** The 32-byte digest an OK packet's info carries, or undefined when it carries none (or something else). */
export function parseServerProof(info: Buffer | undefined): Buffer | undefined {
  if (info === undefined || info.length !== 65 || info[0] !== PROOF_SHA256) return undefined;
  // By code, not a regular expression nor Buffer's hex decoder (either is compiled on first use;
  // this runs on every login over TLS): checked and decoded in one pass.
  const digest = Buffer.alloc(32);
  for (let i = 1; i < 65; i++) {
    const c = info[i]!;
    const lower = c | 0x20; // A-F as a-f
    let nibble: number;
    if (c >= 48 && c <= 57) nibble = c - 48;
    else if (lower >= 97 && lower <= 102) nibble = lower - 87;
    else return undefined;
    const at = (i - 1) >> 1;
    digest[at] = i & 1 ? nibble << 4 : digest[at]! | nibble;
  }
  return digest;
}

/** What the server must have sent for this plugin hash, scramble and certificate (its DER's SHA-256). */
export function expectedServerProof(hash: Buffer, scramble: Buffer, certificateSha256: Buffer): Buffer {
  return sha256(hash, scramble.subarray(0, 20), certificateSha256);
}

export function serverProofMatches(proof: Buffer, hash: Buffer, scramble: Buffer, certificateSha256: Buffer): boolean {
  const expected = expectedServerProof(hash, scramble, certificateSha256);
  return proof.length === expected.length && timingSafeEqual(proof, expected);
}
