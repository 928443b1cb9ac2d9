/**
 * MariaDB's PARSEC (11.6+): the key is PBKDF2-SHA512 of the password with the account's salt,
 * used as a stock Ed25519 seed (node:crypto signs with it), and the client signs the server's
 * scramble followed by a nonce of its own.
 * https://mariadb.com/kb/en/authentication-plugin-parsec/ (packet exchange) and the
 * protocol page's "parsec plugin" (ext-salt).
 *
 * Exchange after the server's auth switch (32-byte scramble):
 *   client: empty packet (asks for the ext-salt)
 *   server: ext-salt = 'P' | u8 iteration factor n | salt   (sent bare; a 0x01 prefix is allowed)
 *   client: client nonce [32] | Ed25519 signature [64] of (server scramble ‖ client nonce)
 */
import { createPrivateKey, createPublicKey, pbkdf2, randomBytes, sign, type KeyObject } from 'node:crypto';
import { AuthUnsupportedError, ProtocolError } from '../errors.js';

/** 'P': the key derivation is PBKDF2 (the only one defined). */
const KDF_PBKDF2 = 0x50;
/**
 * The highest iteration factor accepted: 1024 << 3 = 8,192 iterations (about 3 ms of CPU here),
 * the same bound as MariaDB's Connector/Node.js. The server chooses the count, so without a cap a
 * hostile server could make every probe spend seconds of CPU. MariaDB 11.8 uses factor 0 (1,024).
 */
export const PARSEC_MAX_ITERATION_FACTOR = 3;
/** Salts longer than this are refused; MariaDB's are 18 bytes. */
export const PARSEC_MAX_SALT_BYTES = 64;
export const PARSEC_NONCE_BYTES = 32;
const KEY_BYTES = 32;
/**
 * PKCS#8 DER prefix of a raw 32-byte Ed25519 private key (RFC 8410): 302e020100300506032b657004220420.
 * As bytes, not hex: this module's top level runs in every CLI check, and Buffer's hex decoder
 * would be compiled for it.
 */
const PKCS8_ED25519 = Buffer.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

export interface ParsecExtSalt {
  /** Iterations = 1024 << factor. */
  readonly factor: number;
  readonly salt: Buffer;
  /** The packet's bytes ('P', factor, salt): the start of the hash the server stores. */
  readonly raw: Buffer;
}

/** Parses the ext-salt packet; every byte is the server's, so each is checked. */
export function parseParsecExtSalt(data: Buffer): ParsecExtSalt {
  if (data.length < 3)
    throw new ProtocolError(`parsec: the ext-salt packet has ${data.length} byte(s), expected at least 3`);
  if (data[0] !== KDF_PBKDF2)
    throw new ProtocolError(
      `parsec: unknown key derivation 0x${data[0]!.toString(16).padStart(2, '0')} in the ext-salt (expected 'P', PBKDF2)`,
    );
  const factor = data[1]!;
  if (factor > PARSEC_MAX_ITERATION_FACTOR) {
    throw new AuthUnsupportedError(
      `parsec: the server asks for ${factor <= 20 ? (1024 << factor).toLocaleString('en-US') : `1024 << ${factor}`} PBKDF2 iterations; galera-probe computes at most ${(1024 << PARSEC_MAX_ITERATION_FACTOR).toLocaleString('en-US')}`,
      'parsec',
    );
  }
  const salt = data.subarray(2);
  if (salt.length > PARSEC_MAX_SALT_BYTES)
    throw new ProtocolError(`parsec: a salt of ${salt.length} bytes (limit ${PARSEC_MAX_SALT_BYTES})`);
  return { factor, salt: Buffer.from(salt), raw: Buffer.from(data) };
}

/** PBKDF2-SHA512(password, salt, 1024 << factor, 32), on libuv's thread pool (the event loop stays free). */
export function parsecSeed(password: Buffer, ext: ParsecExtSalt): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(password, ext.salt, 1024 << ext.factor, KEY_BYTES, 'sha512', (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

function privateKey(seed: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
}

/** The raw 32-byte Ed25519 public key of a seed: what the server stores after the ext-salt. */
export function parsecPublicKey(seed: Buffer): Buffer {
  const spki = createPublicKey(privateKey(seed)).export({ type: 'spki', format: 'der' });
  return Buffer.from(spki.subarray(spki.length - 32));
}

/** client nonce ‖ Ed25519(seed) signature of (server scramble ‖ client nonce): 96 bytes. */
export function parsecResponse(
  seed: Buffer,
  serverScramble: Buffer,
  clientNonce: Buffer = randomBytes(PARSEC_NONCE_BYTES),
): Buffer {
  const signature = sign(null, Buffer.concat([serverScramble, clientNonce]), privateKey(seed));
  return Buffer.concat([clientNonce, signature]);
}
