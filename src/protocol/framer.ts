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
const EMPTY = Buffer.alloc(0);

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
  #pending: Buffer = EMPTY;
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
    const packets: Packet[] = [];
    let rest = chunk;
    const pending = this.#pending;
    if (pending.length > 0) {
      // Copy only the frame that was cut, not the whole chunk: complete it from the chunk's
      // head when the chunk holds the rest of it, and go on in the chunk in place.
      const need = pending.length < HEADER_LENGTH ? 0 : HEADER_LENGTH + pending.readUIntLE(0, 3) - pending.length;
      if (need === 0 || rest.length <= need) {
        rest = Buffer.concat([pending, rest]);
      } else {
        this.#frames(Buffer.concat([pending, rest.subarray(0, need)]), packets);
        rest = rest.subarray(need);
      }
    }
    const at = this.#frames(rest, packets);
    this.#pending = at === rest.length ? EMPTY : rest.subarray(at);
    return packets;
  }

  /** Takes the complete frames from `buf`; returns where the first incomplete one starts. */
  #frames(buf: Buffer, packets: Packet[]): number {
    let at = 0;
    while (buf.length - at >= HEADER_LENGTH) {
      // Header: u24 payload length, u8 sequence id.
      const frameLength = buf.readUIntLE(at, 3);
      const sequenceId = buf[at + 3]!;
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
      const end = at + HEADER_LENGTH + frameLength;
      if (buf.length < end) break;
      const payload = buf.subarray(at + HEADER_LENGTH, end);
      at = end;
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
    return at;
  }
}
