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

  u8(value: number): this {
    const at = this.#grow(1);
    this.#buf.writeUInt8(value, at);
    return this;
  }

  u16(value: number): this {
    const at = this.#grow(2);
    this.#buf.writeUInt16LE(value, at);
    return this;
  }

  u32(value: number): this {
    const at = this.#grow(4);
    this.#buf.writeUInt32LE(value >>> 0, at);
    return this;
  }

  zeros(n: number): this {
    const at = this.#grow(n);
    this.#buf.fill(0, at, this.#length);
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
      const at = this.#grow(3);
      this.#buf.writeUIntLE(value, at, 3);
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
    this.#buf.writeUIntLE(payloadLength, 0, 3);
    this.#buf.writeUInt8(sequenceId & 0xff, 3);
    return this.#buf.subarray(0, this.#length);
  }
}

/** One packet from a ready payload. */
export function framePacket(payload: Uint8Array, sequenceId: number): Buffer {
  return new PacketWriter(payload.length + 4).bytes(payload).finish(sequenceId);
}
