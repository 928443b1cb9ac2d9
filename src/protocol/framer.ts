import { ProtocolError } from './errors.js';

/** One logical packet: its payload and the sequence id of its (last) frame. */
export interface Packet {
  readonly sequenceId: number;
  readonly payload: Buffer;
  /** The sequence id of its first frame, when it spans several (0xFFFFFF continuations). */
  readonly firstSequenceId?: number;
}

export const DEFAULT_MAX_PACKET_SIZE = 1024 * 1024;

/** A frame of exactly this length means "the payload continues in the next frame". */
const MAX_FRAME_PAYLOAD = 0xffffff;
const HEADER_LENGTH = 4;

/**
 * Turns a byte stream into packets, however the bytes arrive (one at a time,
 * or many packets in one chunk). A header that announces more than
 * `maxPacketSize` is refused as soon as the header is complete, before any of
 * the payload is buffered.
 *
 * Sequence ids: the framer checks only that the frames of one packet split by
 * 0xFFFFFF continuations carry consecutive ids. Whether a packet's own id is
 * the one expected is the PacketChannel's rule (strict during the handshake and
 * auth, rebased on the first packet of each answer to a command).
 */
export class PacketFramer {
  #pending: Buffer = Buffer.alloc(0);
  /** Payload frames of a packet split by 0xFFFFFF continuations. */
  #parts: Buffer[] = [];
  #partsLength = 0;
  #firstSequenceId: number | undefined;

  constructor(readonly maxPacketSize = DEFAULT_MAX_PACKET_SIZE) {
    if (!Number.isInteger(maxPacketSize) || maxPacketSize < 1) {
      throw new RangeError('maxPacketSize must be a positive integer');
    }
  }

  /** Bytes received but not yet part of a complete packet. */
  get bufferedBytes(): number {
    return this.#pending.length + this.#partsLength;
  }

  push(chunk: Buffer): Packet[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const packets: Packet[] = [];
    for (;;) {
      if (this.#pending.length < HEADER_LENGTH) break;
      // Header: u24 payload length, u8 sequence id.
      const frameLength = this.#pending.readUIntLE(0, 3);
      const sequenceId = this.#pending.readUInt8(3);
      if (this.#firstSequenceId !== undefined && sequenceId !== ((this.#firstSequenceId + this.#parts.length) & 0xff)) {
        throw new ProtocolError(
          `continuation frame has sequence id ${sequenceId}, expected ${(this.#firstSequenceId + this.#parts.length) & 0xff}`,
          'PACKET_OUT_OF_ORDER',
        );
      }
      if (this.#partsLength + frameLength > this.maxPacketSize) {
        throw new ProtocolError(
          `server announced a packet of ${this.#partsLength + frameLength} bytes, more than the limit of ${this.maxPacketSize}`,
          'PACKET_TOO_LARGE',
        );
      }
      if (this.#pending.length < HEADER_LENGTH + frameLength) break;
      const payload = this.#pending.subarray(HEADER_LENGTH, HEADER_LENGTH + frameLength);
      this.#pending = this.#pending.subarray(HEADER_LENGTH + frameLength);
      if (frameLength === MAX_FRAME_PAYLOAD) {
        this.#firstSequenceId ??= sequenceId;
        this.#parts.push(payload);
        this.#partsLength += frameLength;
        continue;
      }
      if (this.#parts.length > 0) {
        this.#parts.push(payload);
        packets.push({
          sequenceId,
          payload: Buffer.concat(this.#parts),
          firstSequenceId: this.#firstSequenceId ?? sequenceId,
        });
        this.#parts = [];
        this.#partsLength = 0;
        this.#firstSequenceId = undefined;
      } else {
        packets.push({ sequenceId, payload });
      }
    }
    return packets;
  }
}
