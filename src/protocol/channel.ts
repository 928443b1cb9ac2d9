import type { Duplex } from 'node:stream';
import { ProtocolError } from './errors.js';
import { DEFAULT_MAX_PACKET_SIZE, type Packet, PacketFramer } from './framer.js';

/** The server closed the connection (FIN) before the client was done. */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
  readonly code = 'CONNECTION_CLOSED';
  constructor(readonly midPacket: boolean) {
    super(
      midPacket ? 'the server closed the connection in the middle of a packet' : 'the server closed the connection',
    );
  }
}

/**
 * Packets over a stream, with sequence ids kept in step: every packet read must
 * carry the id after the last one, and every packet sent takes the next one.
 *
 * One exception, for servers written by others: the first packet of the answer
 * to a command (after `expectReplyToCommand()`) may carry any id, and that id
 * becomes the base that every later packet of the answer must continue. mysql2's
 * server, for one, keeps counting across commands instead of answering at 1.
 * libmariadb (the mariadb client) checks no id at all, and mysql2's client only
 * warns; we accept only the restart of the count, so a gap inside an answer, and
 * any id out of step in the handshake and the auth exchange, stay errors.
 *
 * The channel has no timers. Whoever owns the deadline calls `fail(reason)`,
 * which rejects the pending read with that reason, as do socket errors and
 * EOF: the first cause wins and every later read sees it too.
 */
export class PacketChannel {
  #stream: Duplex;
  readonly #framer: PacketFramer;
  readonly #queue: Packet[] = [];
  #waiter: { resolve: (p: Packet) => void; reject: (e: Error) => void } | undefined;
  #failure: Error | undefined;
  #nextSequenceId = 0;
  /** Set by `expectReplyToCommand()`: the next packet read sets the base instead of being checked. */
  #rebaseOnNextRead = false;

  readonly #onData = (chunk: Buffer): void => {
    let packets: Packet[];
    try {
      packets = this.#framer.push(chunk);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    for (let i = 0; i < packets.length; i++) this.#queue.push(packets[i]!);
    this.#deliver();
  };
  readonly #onEnd = (): void => this.fail(new ConnectionClosedError(this.#framer.bufferedBytes > 0));
  readonly #onError = (err: Error): void => this.fail(err);

  constructor(stream: Duplex, maxPacketSize = DEFAULT_MAX_PACKET_SIZE) {
    this.#stream = stream;
    this.#framer = new PacketFramer(maxPacketSize);
    this.#attach();
  }

  get stream(): Duplex {
    return this.#stream;
  }

  get failure(): Error | undefined {
    return this.#failure;
  }

  #attach(): void {
    this.#stream.on('data', this.#onData);
    this.#stream.on('end', this.#onEnd);
    this.#stream.on('close', this.#onEnd);
    this.#stream.on('error', this.#onError);
  }

  /** Stops listening, e.g. before handing the socket to TLS. */
  detach(): void {
    this.#stream.off('data', this.#onData);
    this.#stream.off('end', this.#onEnd);
    this.#stream.off('close', this.#onEnd);
    this.#stream.off('error', this.#onError);
  }

  /** Continues on another stream (the TLS socket wrapping the original). */
  replaceStream(stream: Duplex): void {
    this.detach();
    this.#stream = stream;
    this.#attach();
  }

  /** Sequence ids restart at 0 with each command. */
  resetSequence(): void {
    this.#nextSequenceId = 0;
    this.#rebaseOnNextRead = false;
  }

  /**
   * Call before reading the answer to a command (for commands sent together, a
   * pipeline, before each answer). Servers start it at sequence id 1; the channel
   * takes whatever id its first packet carries, then holds the rest of the answer
   * to it.
   */
  expectReplyToCommand(): void {
    this.#nextSequenceId = 1;
    this.#rebaseOnNextRead = true;
  }

  /** The id the next packet sent will carry; advances it. */
  takeSequenceId(): number {
    const id = this.#nextSequenceId;
    this.#nextSequenceId = (id + 1) & 0xff;
    return id;
  }

  /** Writes an already framed packet (built with `takeSequenceId()`). */
  write(frame: Buffer): void {
    if (this.#failure) return;
    this.#stream.write(frame);
  }

  read(): Promise<Packet> {
    if (this.#waiter) return Promise.reject(new Error('PacketChannel: one read at a time'));
    let queued: Packet | undefined;
    try {
      queued = this.#take();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (queued) return Promise.resolve(queued);
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise<Packet>((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /**
   * The next packet if it has already arrived, checked as `read()` checks it, else undefined
   * (then `read()` waits for it, or rejects with the channel's failure). Reading what is
   * already here needs no promise: `channel.poll() ?? (await channel.read())`.
   */
  poll(): Packet | undefined {
    if (this.#waiter) throw new Error('PacketChannel: one read at a time');
    return this.#take();
  }

  #take(): Packet | undefined {
    const packet = this.#queue.shift();
    if (!packet) return undefined;
    // A packet split into 0xFFFFFF frames is checked by its first frame; the framer
    // has already held its continuations to consecutive ids.
    const id = packet.firstSequenceId ?? packet.sequenceId;
    if (this.#rebaseOnNextRead) {
      this.#rebaseOnNextRead = false;
    } else if (id !== this.#nextSequenceId) {
      const err = new ProtocolError(
        `packet out of order: sequence id ${id}, expected ${this.#nextSequenceId}`,
        'PACKET_OUT_OF_ORDER',
      );
      this.fail(err);
      throw err;
    }
    this.#nextSequenceId = (packet.sequenceId + 1) & 0xff;
    return packet;
  }

  #deliver(): void {
    const waiter = this.#waiter;
    if (!waiter || this.#queue.length === 0) return;
    this.#waiter = undefined;
    let next: Packet | undefined;
    try {
      next = this.#take();
    } catch (err) {
      waiter.reject(err as Error);
      return;
    }
    if (next) waiter.resolve(next);
  }

  /** Ends the channel with `reason` (first one wins) and destroys the stream. */
  fail(reason: Error): void {
    if (!this.#failure) this.#failure = reason;
    this.detach();
    // Keep a listener so a late socket error cannot become an uncaught exception.
    this.#stream.on('error', noop);
    this.#stream.destroy();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(this.#failure);
  }
}

function noop(): void {}
