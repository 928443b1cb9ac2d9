import { ProtocolError } from './errors.js';

/**
 * A bounds-checked cursor over one packet payload. Every read checks that the
 * bytes exist and throws a ProtocolError naming the offset and the field
 * otherwise: nothing from the network is indexed raw.
 */
export class PacketReader {
  readonly #buf: Buffer;
  /** Names the packet in error messages, e.g. "greeting". */
  readonly #what: string;
  #offset = 0;

  constructor(buf: Buffer, what = 'packet') {
    this.#buf = buf;
    this.#what = what;
  }

  get offset(): number {
    return this.#offset;
  }

  get remaining(): number {
    return this.#buf.length - this.#offset;
  }

  atEnd(): boolean {
    return this.#offset >= this.#buf.length;
  }

  #need(n: number, field: string): number {
    if (n > this.#buf.length - this.#offset) {
      throw new ProtocolError(
        `malformed ${this.#what}: ${field} needs ${n} byte(s) at offset ${this.#offset}, ${this.remaining} left`,
      );
    }
    const at = this.#offset;
    this.#offset += n;
    return at;
  }

  // Read byte by byte once #need has checked the bytes are there: Buffer's readUInt8/readUInt32LE
  // are JavaScript that Node.js compiles on first use, which a CLI check pays for at every start.

  /** Unsigned 8-bit integer. */
  u8(field = 'u8'): number {
    return this.#buf[this.#need(1, field)]!;
  }

  /** Unsigned 16-bit little-endian integer. */
  u16(field = 'u16'): number {
    const b = this.#buf;
    const at = this.#need(2, field);
    return b[at]! | (b[at + 1]! << 8);
  }

  /** Unsigned 24-bit little-endian integer. */
  u24(field = 'u24'): number {
    const b = this.#buf;
    const at = this.#need(3, field);
    return b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
  }

  /** Unsigned 32-bit little-endian integer. */
  u32(field = 'u32'): number {
    const b = this.#buf;
    const at = this.#need(4, field);
    return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000;
  }

  /** Next byte without consuming it, or undefined at the end. */
  peek(): number | undefined {
    return this.#offset < this.#buf.length ? this.#buf[this.#offset] : undefined;
  }

  /** `n` raw bytes (a view, not a copy). */
  bytes(n: number, field = 'bytes'): Buffer {
    const at = this.#need(n, field);
    return this.#buf.subarray(at, at + n);
  }

  skip(n: number, field = 'reserved'): void {
    this.#need(n, field);
  }

  /** Everything that is left. */
  rest(): Buffer {
    const at = this.#offset;
    this.#offset = this.#buf.length;
    return this.#buf.subarray(at);
  }

  /**
   * Length-encoded integer: < 0xFB is the value, 0xFC/0xFD/0xFE prefix a
   * u16/u24/u64. 0xFB (NULL in rows) and 0xFF are not integers here. Values
   * beyond 2^53 are refused rather than silently rounded.
   */
  lenencInt(field = 'length-encoded integer'): number {
    const first = this.u8(field);
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.u16(field);
    if (first === 0xfd) return this.u24(field);
    if (first === 0xfe) {
      const value = this.#buf.readBigUInt64LE(this.#need(8, field));
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new ProtocolError(`malformed ${this.#what}: ${field} is too large (${value})`);
      }
      return Number(value);
    }
    throw new ProtocolError(
      `malformed ${this.#what}: ${field} starts with 0x${first.toString(16)} at offset ${this.#offset - 1}`,
    );
  }

  /** Bytes up to (not including) a NUL, which is consumed. */
  nulBytes(field = 'NUL-terminated string'): Buffer {
    const start = this.#offset;
    const end = this.#buf.indexOf(0, start);
    if (end < 0) {
      throw new ProtocolError(`malformed ${this.#what}: ${field} at offset ${start} has no terminating NUL`);
    }
    this.#offset = end + 1;
    return this.#buf.subarray(start, end);
  }

  nulString(field = 'NUL-terminated string'): string {
    return this.nulBytes(field).toString();
  }

  lenencBytes(field = 'length-encoded string'): Buffer {
    const length = this.lenencInt(field);
    return this.bytes(length, field);
  }

  lenencString(field = 'length-encoded string'): string {
    const length = this.lenencInt(field);
    const at = this.#need(length, field);
    // Decoded in place: no view of the bytes made and dropped.
    // UTF-8, said as `undefined`: a named encoding goes through Buffer's getEncodingOps, which a
    // CLI check would compile on its first string for nothing (BENCHMARKS.md, section 14).
    return this.#buf.toString(undefined, at, at + length);
  }

  /** Skips a length-encoded string. */
  skipLenenc(field = 'length-encoded string'): void {
    this.#need(this.lenencInt(field), field);
  }

  /** A length-encoded string, or null for the 0xFB marker used in text rows. */
  lenencStringOrNull(field = 'column value'): string | null {
    if (this.peek() === 0xfb) {
      this.#offset += 1;
      return null;
    }
    return this.lenencString(field);
  }
}
