/**
 * Builds one packet: reserve the 4-byte header, append the payload, then
 * back-fill the length and sequence id in `finish`.
 */
export class PacketWriter {
  #buf: Buffer;
  #length = 4;

  constructor(initialSize = 128) {
    this.#buf = Buffer.alloc(Math.max(initialSize, 16));
  }

  #grow(n: number): number {
    const need = this.#length + n;
    if (need > this.#buf.length) {
      const next = Buffer.alloc(Math.max(need, this.#buf.length * 2));
      this.#buf.copy(next, 0, 0, this.#length);
      this.#buf = next;
    }
    const at = this.#length;
    this.#length = need;
    return at;
  }

  // Each method takes its offset from #grow before touching #buf: #grow may replace #buf.

  // The small integers are stored byte by byte: Buffer's writeUInt8/writeUIntLE are JavaScript
  // that Node.js compiles on first use, which a CLI check pays for at every start (BENCHMARKS.md,
  // section 14). The range checks are theirs: a value that does not fit is a bug, never truncated.

  u8(value: number): this {
    checkRange(value, 0xff);
    const at = this.#grow(1);
    this.#buf[at] = value;
    return this;
  }

  u16(value: number): this {
    checkRange(value, 0xffff);
    const at = this.#grow(2);
    this.#buf[at] = value & 0xff;
    this.#buf[at + 1] = value >>> 8;
    return this;
  }

  #u24At(value: number, at: number): void {
    this.#buf[at] = value & 0xff;
    this.#buf[at + 1] = (value >>> 8) & 0xff;
    this.#buf[at + 2] = value >>> 16;
  }

  /** As an unsigned 32-bit value (`>>> 0`): capability flags are built with bitwise operators, which may give a negative number. */
  u32(value: number): this {
    const v = value >>> 0;
    const at = this.#grow(4);
    this.#u24At(v & 0xffffff, at);
    this.#buf[at + 3] = v >>> 24;
    return this;
  }

  /** `n` zero bytes: the buffer past #length is still as Buffer.alloc left it, zeros. */
  zeros(n: number): this {
    this.#grow(n);
    return this;
  }

  bytes(data: Uint8Array): this {
    const at = this.#grow(data.length);
    this.#buf.set(data, at);
    return this;
  }

  nulString(value: string | Uint8Array): this {
    this.bytes(typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
    return this.u8(0);
  }

  lenencInt(value: number): this {
    if (value < 0xfb) return this.u8(value);
    if (value <= 0xffff) return this.u8(0xfc).u16(value);
    if (value <= 0xffffff) {
      this.u8(0xfd);
      this.#u24At(value, this.#grow(3));
      return this;
    }
    this.u8(0xfe);
    const at = this.#grow(8);
    this.#buf.writeBigUInt64LE(BigInt(value), at);
    return this;
  }

  lenencBytes(value: string | Uint8Array): this {
    const data = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    return this.lenencInt(data.length).bytes(data);
  }

  /** Payload length so far. */
  get payloadLength(): number {
    return this.#length - 4;
  }

  /**
   * The finished packet with its header. Payloads this client writes are
   * small; one of 16 MiB or more would need splitting, which it never sends.
   */
  finish(sequenceId: number): Buffer {
    const payloadLength = this.#length - 4;
    if (payloadLength >= 0xffffff) throw new RangeError('packet too large for one frame');
    this.#u24At(payloadLength, 0);
    this.#buf[3] = sequenceId & 0xff;
    return this.#buf.subarray(0, this.#length);
  }
}

/** One packet from a ready payload. */
export function framePacket(payload: Uint8Array, sequenceId: number): Buffer {
  return new PacketWriter(payload.length + 4).bytes(payload).finish(sequenceId);
}

function checkRange(value: number, max: number): void {
  if (!(value >= 0 && value <= max && Number.isInteger(value)))
    throw new RangeError(`value ${value} out of range for a ${max === 0xff ? 'u8' : 'u16'} (0 to ${max})`);
}
