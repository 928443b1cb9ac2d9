import type { KeyObject } from 'node:crypto';
import { sha1 } from './digest.js';
import { AuthUnsupportedError, ProtocolError } from '../errors.js';
import {
  CACHING_SHA2_FAST_AUTH_OK,
  CACHING_SHA2_FULL_AUTH_NEEDED,
  CACHING_SHA2_REQUEST_PUBLIC_KEY,
  cachingSha2Scramble,
  parseRsaPublicKey,
  rsaEncryptPassword,
} from './caching-sha2.js';
import { ed25519PublicKey, ed25519SignAndKey } from './ed25519.js';
import { nativePasswordScramble } from './native.js';
import { PARSEC_NONCE_BYTES, parseParsecExtSalt, parsecPublicKey, parsecResponse, parsecSeed } from './parsec.js';

/** What a plugin may know about the connection. The password is never logged. */
export interface AuthContext {
  readonly password: Buffer;
  /**
   * TLS or a unix socket: nobody on the way reads the bytes, and a server asking for the
   * password (caching_sha2_password's full authentication) expects it in clear here.
   */
  readonly encrypted: boolean;
  /**
   * The password itself may be sent: over a unix socket, over TLS whose certificate a CA
   * verified, or over unverified TLS when the caller said so (`getServerPublicKey`). Never
   * before a VERIFY_CA/VERIFY_IDENTITY server has proved itself.
   */
  readonly passwordAllowed: boolean;
  /** caching_sha2_password's RSA key, when given instead of asking the server. */
  readonly serverPublicKey?: KeyObject | undefined;
  /** Over plain TCP, ask the server for its RSA key (the mysql client's --get-server-public-key). */
  readonly getServerPublicKey: boolean;
}

/** What to do with an AUTH_MORE_DATA (0x01) packet's data. */
export type MoreDataStep = { send: Buffer } | { wait: true };

export interface AuthPlugin {
  readonly name: string;
  /**
   * How many bytes of an auth switch's data are the nonce. The 20-byte scrambles
   * come with a NUL after them that is not part of the nonce; ed25519's 32 random
   * bytes come bare, and any of them may be 0.
   */
  readonly nonceLength?: number;
  /** Only after an auth switch: the greeting's 20-byte nonce is not what this plugin signs. */
  readonly switchOnly?: boolean;
  /** Plugin data may also come without the 0x01 header (MariaDB escapes only 0x00/0x01/0xFE/0xFF). */
  readonly rawData?: boolean;
  /** The first response, from the server's nonce. */
  initial(nonce: Buffer, ctx: AuthContext): Buffer;
  /** Called for each 0x01 packet; plugins that never expect one leave it out. */
  more?(data: Buffer, nonce: Buffer, ctx: AuthContext): MoreDataStep | Promise<MoreDataStep>;
  /**
   * H of MariaDB's server proof (see proof.ts) once authentication is done: what the server
   * stores for this account, computed from the password. Undefined when this plugin carries
   * no proof, or for an empty password (anyone can compute that one).
   */
  proofHash?(ctx: AuthContext): Buffer | undefined;
}

const nativePassword: AuthPlugin = {
  name: 'mysql_native_password',
  nonceLength: 20,
  initial: (nonce, ctx) => nativePasswordScramble(ctx.password, nonce),
  proofHash: (ctx) => (ctx.password.length === 0 ? undefined : sha1(sha1(ctx.password))),
};

/** The refusal when a password would reach a server nobody verified. */
function withheld(plugin: string, ctx: AuthContext): AuthUnsupportedError {
  const why = ctx.encrypted
    ? 'in clear inside TLS no CA verified: use --ssl-mode VERIFY_CA with --ssl-ca, or allow it with --get-server-public-key'
    : 'over plain TCP: give its key with --server-public-key FILE, or ask the server for it with --get-server-public-key';
  // Under printable()'s 200 characters: the options named at the end must survive.
  return new AuthUnsupportedError(`${plugin}: the server wants the password ${why}`, plugin, 'PASSWORD_WITHHELD');
}

/**
 * caching_sha2_password: the scramble first; then the server says 0x03 (fast
 * auth done, an OK follows) or 0x04 (full auth). Full auth sends the password
 * in clear over a secure transport, otherwise RSA-encrypted with the server's
 * key: the one the caller gave, or, only when the caller asked for it, the one
 * the server sends after 0x02. An unverified server never gets the password.
 */
function cachingSha2(): AuthPlugin {
  let keyRequested = false;
  return {
    name: 'caching_sha2_password',
    nonceLength: 20,
    initial: (nonce, ctx) => cachingSha2Scramble(ctx.password, nonce),
    more(data, nonce, ctx) {
      if (keyRequested) {
        // 0x01 + the PEM public key the client asked for: whatever is wrong with it is the server's doing.
        keyRequested = false;
        const key = parseRsaPublicKey(data);
        if (!key)
          throw new ProtocolError('caching_sha2_password: the public key the server sent is not a PEM RSA public key');
        const sent = rsaEncryptPassword(ctx.password, nonce, key);
        if (!sent)
          throw new ProtocolError(
            'caching_sha2_password: the public key the server sent is too small for the password',
          );
        return { send: sent };
      }
      if (data.length === 1 && data[0] === CACHING_SHA2_FAST_AUTH_OK) return { wait: true };
      if (data.length === 1 && data[0] === CACHING_SHA2_FULL_AUTH_NEEDED) {
        if (ctx.encrypted) {
          if (!ctx.passwordAllowed) throw withheld('caching_sha2_password', ctx);
          return { send: Buffer.concat([ctx.password, Buffer.from([0])]) };
        }
        if (ctx.serverPublicKey !== undefined) {
          const sent = rsaEncryptPassword(ctx.password, nonce, ctx.serverPublicKey);
          if (!sent)
            throw new AuthUnsupportedError(
              'caching_sha2_password: the server public key given is too small for the password',
              'caching_sha2_password',
            );
          return { send: sent };
        }
        if (!ctx.getServerPublicKey) throw withheld('caching_sha2_password', ctx);
        keyRequested = true;
        return { send: Buffer.from([CACHING_SHA2_REQUEST_PUBLIC_KEY]) };
      }
      throw new AuthUnsupportedError(
        'caching_sha2_password: unexpected message from the server',
        'caching_sha2_password',
      );
    },
  };
}

/** MariaDB's client_ed25519: a 64-byte signature of the 32-byte nonce. */
function ed25519(): AuthPlugin {
  // The public key the signature took: H of the proof, without a second scalar multiplication.
  let publicKey: Buffer | undefined;
  return {
    name: 'client_ed25519',
    nonceLength: 32,
    initial(nonce, ctx) {
      const signed = ed25519SignAndKey(ctx.password, nonce);
      publicKey = signed.publicKey;
      return signed.signature;
    },
    proofHash: (ctx) => (ctx.password.length === 0 ? undefined : (publicKey ?? ed25519PublicKey(ctx.password))),
  };
}

/**
 * MariaDB's parsec (11.6+): ask for the ext-salt with an empty packet, derive the key
 * (PBKDF2, bounded: see parsec.ts), answer a nonce of ours and the signature.
 */
function parsec(): AuthPlugin {
  let proof: Buffer | undefined;
  let answered = false;
  return {
    name: 'parsec',
    nonceLength: PARSEC_NONCE_BYTES,
    switchOnly: true,
    rawData: true,
    initial(nonce) {
      if (nonce.length !== PARSEC_NONCE_BYTES)
        throw new ProtocolError(
          `parsec: the server's scramble has ${nonce.length} bytes, expected ${PARSEC_NONCE_BYTES}`,
        );
      return Buffer.alloc(0);
    },
    async more(data, nonce, ctx) {
      if (answered)
        throw new ProtocolError('parsec: unexpected extra auth data after the signature', 'UNEXPECTED_PACKET');
      answered = true;
      const ext = parseParsecExtSalt(data);
      const seed = await parsecSeed(ctx.password, ext);
      proof = Buffer.concat([ext.raw, parsecPublicKey(seed)]);
      return { send: parsecResponse(seed, nonce) };
    },
    proofHash: (ctx) => (ctx.password.length === 0 ? undefined : proof),
  };
}

const clearPassword: AuthPlugin = {
  name: 'mysql_clear_password',
  initial(_nonce, ctx) {
    if (!ctx.encrypted) {
      throw new AuthUnsupportedError(
        'the server asked for mysql_clear_password, which galera-probe only sends over TLS or a unix socket',
        'mysql_clear_password',
      );
    }
    if (!ctx.passwordAllowed) throw withheld('mysql_clear_password', ctx);
    return Buffer.concat([ctx.password, Buffer.from([0])]);
  },
};

/** A fresh plugin instance (some keep per-connection state). */
export function authPlugin(name: string): AuthPlugin | undefined {
  switch (name) {
    case 'mysql_native_password':
      return nativePassword;
    case 'caching_sha2_password':
      return cachingSha2();
    case 'client_ed25519':
      return ed25519();
    case 'parsec':
      return parsec();
    case 'mysql_clear_password':
      return clearPassword;
    default:
      return undefined;
  }
}

export const SUPPORTED_AUTH_PLUGINS = [
  'mysql_native_password',
  'caching_sha2_password',
  'client_ed25519',
  'parsec',
  'mysql_clear_password',
] as const;
