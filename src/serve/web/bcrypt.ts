/**
 * bcrypt verification (`$2a$`, `$2b$`, `$2y$`), for `basic_auth_users` in `--web-config`:
 * EksBlowfish (Provos and Mazières, 1999) over Blowfish, written here because the project has
 * no runtime dependencies. Only verification: hashes come from the operator's tools.
 *
 * Blowfish's initial P-array and S-boxes are the hexadecimal digits of pi's fractional part
 * (P[0] = 0x243f6a88 ...); they are computed once, on first use, with BigInt arithmetic
 * (Machin's formula), rather than pasted as 1,042 constants.
 */
import { timingSafeEqual } from 'node:crypto';

/*
 * The EksBlowfish computation in three self-contained functions: each refers only to its
 * parameters, so that bcrypt-pool.ts can start a worker thread from their source text (a worker
 * started from a file would not work from the bundled CLI or the single executable), and
 * bcryptCore() is their composition.
 */

/** The first 1,042 32-bit words of pi's fractional part: P (18 words), then S0..S3 (256 each). */
export function piWords(): Uint32Array {
  const words = 18 + 4 * 256;
  const guard = 64n;
  const bits = BigInt(words * 32) + guard;
  const one = 1n << bits;
  // atan(1/x) scaled by 2^bits, from its alternating series.
  const atanInverse = (x: bigint): bigint => {
    let sum = 0n;
    let power = one / x;
    const x2 = x * x;
    for (let n = 1n, positive = true; power !== 0n; n += 2n, positive = !positive) {
      sum += positive ? power / n : -(power / n);
      power /= x2;
    }
    return sum;
  };
  const pi = 16n * atanInverse(5n) - 4n * atanInverse(239n);
  let fraction = (pi - 3n * one) >> guard;
  const out = new Uint32Array(words);
  for (let i = words - 1; i >= 0; i--) {
    out[i] = Number(fraction & 0xffffffffn);
    fraction >>= 32n;
  }
  return out;
}

/** Blowfish over a state that starts as `initial` (piWords()): encipher and ExpandKey. */
export function blowfish(initial: Uint32Array) {
  const P_WORDS = 18;
  const S_WORDS = 4 * 256;
  /** Blowfish state: P then the four S-boxes, in one array. */
  type State = Uint32Array;
  const S0 = P_WORDS;
  const S1 = P_WORDS + 256;
  const S2 = P_WORDS + 512;
  const S3 = P_WORDS + 768;

  /** Encrypts the 64-bit block (lr[0], lr[1]) in place. */
  function encipher(s: State, lr: Uint32Array): void {
    let l = lr[0]!;
    let r = lr[1]!;
    l ^= s[0]!;
    for (let i = 1; i <= 16; i += 2) {
      r ^=
        (((s[S0 + (l >>> 24)]! + s[S1 + ((l >>> 16) & 0xff)]!) ^ s[S2 + ((l >>> 8) & 0xff)]!) + s[S3 + (l & 0xff)]!) ^
        s[i]!;
      l ^=
        (((s[S0 + (r >>> 24)]! + s[S1 + ((r >>> 16) & 0xff)]!) ^ s[S2 + ((r >>> 8) & 0xff)]!) + s[S3 + (r & 0xff)]!) ^
        s[i + 1]!;
    }
    lr[0] = r ^ s[17]!;
    lr[1] = l;
  }

  /** The next big-endian 32-bit word of `data`, read cyclically from `pos.i`. */
  function streamWord(data: Uint8Array, pos: { i: number }): number {
    let word = 0;
    for (let k = 0; k < 4; k++) {
      word = ((word << 8) | data[pos.i]!) >>> 0;
      pos.i = (pos.i + 1) % data.length;
    }
    return word;
  }

  /** ExpandKey(state, salt, key); with no salt, Blowfish's own key schedule. */
  function expandKey(s: State, key: Uint8Array, salt: Uint8Array | undefined): void {
    const kp = { i: 0 };
    for (let i = 0; i < P_WORDS; i++) s[i] = (s[i]! ^ streamWord(key, kp)) >>> 0;
    const lr = new Uint32Array(2);
    const sp = { i: 0 };
    for (let i = 0; i < P_WORDS + S_WORDS; i += 2) {
      if (salt) {
        lr[0] = lr[0]! ^ streamWord(salt, sp);
        lr[1] = lr[1]! ^ streamWord(salt, sp);
      }
      encipher(s, lr);
      s[i] = lr[0]!;
      s[i + 1] = lr[1]!;
    }
  }

  return { initial, encipher, expandKey };
}

/** EksBlowfish's digest over Blowfish (bcrypt's cost loop and its magic text). */
export function eksBlowfish(bf: ReturnType<typeof blowfish>): {
  digest: (password: Uint8Array, salt: Uint8Array, cost: number) => Uint8Array;
} {
  const { initial, encipher, expandKey } = bf;
  /** The 23-byte bcrypt digest of `password` (UTF-8, NUL-terminated, cut at 72 bytes). */
  function digest(bytes: Uint8Array, salt: Uint8Array, cost: number): Uint8Array {
    const key = new Uint8Array(Math.min(bytes.length + 1, 72));
    key.set(bytes.subarray(0, key.length));
    const s = new Uint32Array(initial);
    expandKey(s, key, salt);
    for (let round = 2 ** cost; round > 0; round--) {
      expandKey(s, key, undefined);
      expandKey(s, salt, undefined);
    }
    // "OrpheanBeholderScryDoubt", as six big-endian words, encrypted 64 times.
    const text = Buffer.from('OrpheanBeholderScryDoubt', 'latin1');
    const words = new Uint32Array(6);
    for (let i = 0; i < 6; i++) words[i] = text.readUInt32BE(i * 4);
    const lr = new Uint32Array(2);
    for (let i = 0; i < 6; i += 2) {
      lr[0] = words[i]!;
      lr[1] = words[i + 1]!;
      for (let k = 0; k < 64; k++) encipher(s, lr);
      words[i] = lr[0]!;
      words[i + 1] = lr[1]!;
    }
    const out = Buffer.alloc(24);
    for (let i = 0; i < 6; i++) out.writeUInt32BE(words[i]!, i * 4);
    return out.subarray(0, 23);
  }
  return { digest };
}

/** The functions bcryptCore() is made of, in the order it composes them (for bcrypt-pool.ts). */
export const BCRYPT_PARTS = { piWords, blowfish, eksBlowfish } as const;

export function bcryptCore(): ReturnType<typeof eksBlowfish> {
  return eksBlowfish(blowfish(piWords()));
}

let core: ReturnType<typeof bcryptCore> | undefined;

/** bcrypt's base64: `./A-Za-z0-9`, no padding. */
const ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function decode64(text: string, bytes: number): Uint8Array | undefined {
  const out = new Uint8Array(bytes);
  let bitsHeld = 0;
  let acc = 0;
  let n = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    bitsHeld += 6;
    if (bitsHeld >= 8) {
      bitsHeld -= 8;
      if (n < bytes) out[n++] = (acc >>> bitsHeld) & 0xff;
    }
    acc &= (1 << bitsHeld) - 1;
  }
  return n === bytes ? out : undefined;
}

function encode64(data: Uint8Array): string {
  let out = '';
  for (let i = 0; i < data.length; i += 3) {
    const b0 = data[i]!;
    const b1 = data[i + 1];
    const b2 = data[i + 2];
    out += ALPHABET[b0 >>> 2]!;
    out += ALPHABET[((b0 & 3) << 4) | ((b1 ?? 0) >>> 4)]!;
    if (b1 === undefined) break;
    out += ALPHABET[((b1 & 15) << 2) | ((b2 ?? 0) >>> 6)]!;
    if (b2 === undefined) break;
    out += ALPHABET[b2 & 63]!;
  }
  return out;
}

export interface BcryptHash {
  /** `2a`, `2b` or `2y`. */
  variant: string;
  cost: number;
  salt: Uint8Array;
  /** The 23 bytes of the hash. */
  digest: Uint8Array;
}

/** Highest cost accepted: 2^16 rounds already take seconds here; a hash above it is refused. */
export const MAX_COST = 16;

/** `$2b$10$` + 22 characters of salt + 31 of hash; undefined for anything else. */
export function parseBcryptHash(text: string): BcryptHash | undefined {
  const m = /^\$(2[aby])\$(\d\d)\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/.exec(text);
  if (!m) return undefined;
  const cost = Number(m[2]);
  if (cost < 4 || cost > MAX_COST) return undefined;
  const salt = decode64(m[3]!, 16);
  const digest = decode64(m[4]!, 23);
  return salt && digest ? { variant: m[1]!, cost, salt, digest } : undefined;
}

/** The 23-byte bcrypt digest of `password` (UTF-8, NUL-terminated, cut at 72 bytes), on this thread. */
export function bcryptDigest(password: string | Uint8Array, salt: Uint8Array, cost: number): Uint8Array {
  core ??= bcryptCore();
  return core.digest(typeof password === 'string' ? Buffer.from(password, 'utf8') : password, salt, cost);
}

/** The full hash string, `$2b$10$...`, for a salt (16 bytes) and cost. */
export function bcryptHash(password: string, salt: Uint8Array, cost: number, variant = '2b'): string {
  return `$${variant}$${String(cost).padStart(2, '0')}$${encode64(salt)}${encode64(bcryptDigest(password, salt, cost))}`;
}

/** Whether `password` matches `hash`; the digests are compared in constant time. */
export function bcryptVerify(password: string, hash: BcryptHash): boolean {
  const digest = bcryptDigest(password, hash.salt, hash.cost);
  return timingSafeEqual(digest, hash.digest);
}
