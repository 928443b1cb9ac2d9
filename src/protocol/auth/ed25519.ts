import { sha512 } from './digest.js';

/**
 * MariaDB's client_ed25519 signs the server's nonce with Ed25519, taking the
 * password itself (any length) where RFC 8032 takes a 32-byte seed:
 * h = SHA512(password). node:crypto only signs with 32-byte seeds, so the curve
 * arithmetic is done here with BigInt. Constant time is not a goal: the secret
 * is the caller's own password, used once per login.
 */

const P = 2n ** 255n - 19n;
/** Order of the base point. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
/**
 * 2d, where d = -121665/121666 mod P is the curve constant (37095705934669439343138083508754565189542113879843219016388785533085940283555),
 * written out: computing it at load took a modular inversion (255 squarings) on every start
 * of the CLI, login or not. The known-answer tests fail on a wrong digit.
 */
const D2 = 16295367250680780974490674513165176452449235426866156013048779062215315747161n;
const BASE: Point = {
  x: 15112221349535400772501151409588531511454012693041857206046113283949847762202n,
  y: 46316835694926478169428394003475163141307993866256225615783033603165251855960n,
  z: 1n,
  t: mod(
    15112221349535400772501151409588531511454012693041857206046113283949847762202n *
      46316835694926478169428394003475163141307993866256225615783033603165251855960n,
  ),
};
const IDENTITY: Point = { x: 0n, y: 1n, z: 1n, t: 0n };

/** Extended twisted Edwards coordinates: x = X/Z, y = Y/Z, x·y = T/Z. */
interface Point {
  x: bigint;
  y: bigint;
  z: bigint;
  t: bigint;
}

function mod(a: bigint, m = P): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function pow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

function invert(a: bigint): bigint {
  return pow(a, P - 2n);
}

/** Unified addition for a = -1 (RFC 8032, 5.1.4); also doubles. */
function add(p: Point, q: Point): Point {
  const a = mod((p.y - p.x) * (q.y - q.x));
  const b = mod((p.y + p.x) * (q.y + q.x));
  const c = mod(p.t * D2 * q.t);
  const d = mod(2n * p.z * q.z);
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return { x: mod(e * f), y: mod(g * h), t: mod(e * h), z: mod(f * g) };
}

function multiply(scalar: bigint, point: Point): Point {
  let result = IDENTITY;
  let addend = point;
  for (let k = scalar; k > 0n; k >>= 1n) {
    if (k & 1n) result = add(result, addend);
    addend = add(addend, addend);
  }
  return result;
}

/** 32 bytes: y little-endian, with the low bit of x in the top bit. */
function encode(point: Point): Buffer {
  const zInv = invert(point.z);
  const x = mod(point.x * zInv);
  const y = mod(point.y * zInv);
  const out = Buffer.alloc(32);
  let v = y;
  for (let i = 0; i < 32; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  if (x & 1n) out[31]! |= 0x80;
  return out;
}

function littleEndian(bytes: Buffer): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

function scalarBytes(v: bigint): Buffer {
  const out = Buffer.alloc(32);
  for (let i = 0; i < 32; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** The secret scalar a (clamped first half of SHA512(password)) and the prefix for r. */
function expand(password: Buffer): { a: bigint; prefix: Buffer } {
  const h = sha512(password);
  const head = Buffer.from(h.subarray(0, 32));
  head[0]! &= 248;
  head[31]! &= 127;
  head[31]! |= 64;
  return { a: littleEndian(head), prefix: h.subarray(32) };
}

/** A = aB, as MariaDB stores it (base64 of these 32 bytes, without padding). */
export function ed25519PublicKey(password: Buffer): Buffer {
  return encode(multiply(expand(password).a, BASE));
}

/** The 64-byte signature R ‖ S of `message` (the server's 32-byte nonce). */
export function ed25519Sign(password: Buffer, message: Buffer): Buffer {
  return ed25519SignAndKey(password, message).signature;
}

/** The signature and the public key it took (MariaDB's proof after the login needs the key too). */
export function ed25519SignAndKey(password: Buffer, message: Buffer): { signature: Buffer; publicKey: Buffer } {
  const { a, prefix } = expand(password);
  const publicKey = encode(multiply(a, BASE));
  const r = mod(littleEndian(sha512(prefix, message)), L);
  const R = encode(multiply(r, BASE));
  const k = mod(littleEndian(sha512(R, publicKey, message)), L);
  const S = mod(r + k * a, L);
  return { signature: Buffer.concat([R, scalarBytes(S)]), publicKey };
}
