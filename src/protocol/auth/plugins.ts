import type { KeyObject } from 'node:crypto';
import { AuthUnsupportedError, ProtocolError } from '../errors.js';
import {
  CACHING_SHA2_FAST_AUTH_OK,
  CACHING_SHA2_FULL_AUTH_NEEDED,
  CACHING_SHA2_REQUEST_PUBLIC_KEY,
  cachingSha2Scramble,
  parseRsaPublicKey,
  rsaEncryptPassword,
} from './caching-sha2.js';
import { ed25519Sign } from './ed25519.js';
import { nativePasswordScramble } from './native.js';

/** What a plugin may know about the connection. The password is never logged. */
export interface AuthContext {
  readonly password: Buffer;
  /** TLS or a unix socket: a clear password cannot be read by others on the way. */
  readonly secureTransport: boolean;
  /** caching_sha2_password's RSA key, when given instead of asking the server. */
  readonly serverPublicKey?: KeyObject | undefined;
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
  /** The first response, from the server's nonce. */
  initial(nonce: Buffer, ctx: AuthContext): Buffer;
  /** Called for each 0x01 packet; plugins that never expect one leave it out. */
  more?(data: Buffer, nonce: Buffer, ctx: AuthContext): MoreDataStep;
}

const nativePassword: AuthPlugin = {
  name: 'mysql_native_password',
  nonceLength: 20,
  initial: (nonce, ctx) => nativePasswordScramble(ctx.password, nonce),
};

/**
 * caching_sha2_password: the scramble first; then the server says 0x03 (fast
 * auth done, an OK follows) or 0x04 (full auth). Full auth sends the password
 * in clear over a secure transport, otherwise RSA-encrypted with the server's
 * key, asked for with 0x02 unless the caller supplied it.
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
        if (!key) throw new ProtocolError('caching_sha2_password: the public key the server sent is not a PEM RSA public key');
        const sent = rsaEncryptPassword(ctx.password, nonce, key);
        if (!sent) throw new ProtocolError('caching_sha2_password: the public key the server sent is too small for the password');
        return { send: sent };
      }
      if (data.length === 1 && data[0] === CACHING_SHA2_FAST_AUTH_OK) return { wait: true };
      if (data.length === 1 && data[0] === CACHING_SHA2_FULL_AUTH_NEEDED) {
        if (ctx.secureTransport) return { send: Buffer.concat([ctx.password, Buffer.from([0])]) };
        if (ctx.serverPublicKey !== undefined) {
          const sent = rsaEncryptPassword(ctx.password, nonce, ctx.serverPublicKey);
          if (!sent) throw new AuthUnsupportedError('caching_sha2_password: the server public key given is too small for the password', 'caching_sha2_password');
          return { send: sent };
        }
        keyRequested = true;
        return { send: Buffer.from([CACHING_SHA2_REQUEST_PUBLIC_KEY]) };
      }
      throw new AuthUnsupportedError('caching_sha2_password: unexpected message from the server', 'caching_sha2_password');
    },
  };
}

/** MariaDB's client_ed25519: a 64-byte signature of the 32-byte nonce. */
const ed25519: AuthPlugin = {
  name: 'client_ed25519',
  nonceLength: 32,
  initial: (nonce, ctx) => ed25519Sign(ctx.password, nonce),
};

const clearPassword: AuthPlugin = {
  name: 'mysql_clear_password',
  initial(_nonce, ctx) {
    if (!ctx.secureTransport) {
      throw new AuthUnsupportedError(
        'the server asked for mysql_clear_password, which galera-probe only sends over TLS or a unix socket',
        'mysql_clear_password',
      );
    }
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
      return ed25519;
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
  'mysql_clear_password',
] as const;
