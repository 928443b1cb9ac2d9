/**
 * The sequence-id rule (src/protocol/channel.ts): strict in the handshake and the auth
 * exchange; the first packet of the answer to a command may carry any id, which becomes the
 * base that the rest of that answer must continue.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ProbeOptions, ProbeResult } from '../src/index.js';
import { PacketChannel } from '../src/protocol/channel.js';
import { ProtocolError } from '../src/protocol/errors.js';
import { framePacket } from '../src/protocol/writer.js';
import { type FakeServer, galeraNode, NON_PRIMARY_NODE, SYNCED_NODE } from './support/fake-server.js';
import { probeLeavingNothing } from './support/resources.js';
import { serverPool } from './support/server-pool.js';

const PASSWORD = 'seq-secret-pw';
const serve = serverPool();

function channelFed(...frames: Buffer[]): PacketChannel {
  const stream = new PassThrough();
  const channel = new PacketChannel(stream, 64 * 1024 * 1024);
  stream.write(Buffer.concat(frames));
  return channel;
}

const frame = (seq: number, bytes = [0x00]): Buffer => framePacket(Buffer.from(bytes), seq);

async function ids(channel: PacketChannel, count: number): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push((await channel.read()).sequenceId);
  return seen;
}

async function outOfOrder(read: Promise<unknown>): Promise<string> {
  const err = await read.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProtocolError);
  expect((err as ProtocolError).code).toBe('PACKET_OUT_OF_ORDER');
  return (err as Error).message;
}

describe('PacketChannel sequence ids', () => {
  it('outside an answer to a command, every packet must carry the next id (the greeting 0)', async () => {
    expect(await outOfOrder(channelFed(frame(1)).read())).toBe('packet out of order: sequence id 1, expected 0');
    const channel = channelFed(frame(0), frame(2));
    await channel.read();
    expect(await outOfOrder(channel.read())).toBe('packet out of order: sequence id 2, expected 1');
  });

  it('the first packet of an answer sets the base, whatever it is, and the rest continue it', async () => {
    const channel = channelFed(frame(7), frame(8), frame(9));
    channel.resetSequence();
    channel.takeSequenceId();
    channel.expectReplyToCommand();
    expect(await ids(channel, 3)).toEqual([7, 8, 9]);
  });

  it('poll takes what has arrived, under the same rules as read, and leaves waiting to read', async () => {
    const stream = new PassThrough();
    const channel = new PacketChannel(stream);
    expect(channel.poll()).toBeUndefined();
    stream.write(Buffer.concat([frame(0), frame(1)]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(channel.poll()?.sequenceId).toBe(0);
    expect(channel.poll()?.sequenceId).toBe(1);
    expect(channel.poll()).toBeUndefined();
    const waiting = channel.read();
    expect(() => channel.poll()).toThrow(/one read at a time/);
    stream.write(frame(2));
    expect((await waiting).sequenceId).toBe(2);
    stream.write(frame(4));
    await new Promise((resolve) => setImmediate(resolve));
    expect(() => channel.poll()).toThrow(/sequence id 4, expected 3/);
    expect(channel.failure).toBeInstanceOf(ProtocolError);
    expect(channel.poll()).toBeUndefined();
    await expect(channel.read()).rejects.toBe(channel.failure);
  });

  it('a gap inside an answer is still an error', async () => {
    const channel = channelFed(frame(7), frame(8), frame(10));
    channel.expectReplyToCommand();
    await ids(channel, 2);
    expect(await outOfOrder(channel.read())).toBe('packet out of order: sequence id 10, expected 9');
  });

  it('a repeated id inside an answer is an error too', async () => {
    const channel = channelFed(frame(4), frame(4));
    channel.expectReplyToCommand();
    await channel.read();
    expect(await outOfOrder(channel.read())).toBe('packet out of order: sequence id 4, expected 5');
  });

  it('ids wrap from 255 to 0 inside an answer', async () => {
    const channel = channelFed(frame(254), frame(255), frame(0), frame(1));
    channel.expectReplyToCommand();
    expect(await ids(channel, 4)).toEqual([254, 255, 0, 1]);
  });

  it('each answer of a pipeline sets its own base', async () => {
    const channel = channelFed(frame(4), frame(5), frame(11), frame(12));
    channel.expectReplyToCommand();
    expect(await ids(channel, 2)).toEqual([4, 5]);
    channel.expectReplyToCommand();
    expect(await ids(channel, 2)).toEqual([11, 12]);
  });

  it('only the first packet is free: the base is not taken again without a new command', async () => {
    const channel = channelFed(frame(4), frame(9));
    channel.expectReplyToCommand();
    await channel.read();
    expect(await outOfOrder(channel.read())).toBe('packet out of order: sequence id 9, expected 5');
  });

  it('resetSequence (a command being sent) does not by itself free the next id', async () => {
    const channel = channelFed(frame(4));
    channel.expectReplyToCommand();
    channel.resetSequence();
    expect(await outOfOrder(channel.read())).toBe('packet out of order: sequence id 4, expected 0');
  });

  it('a packet split into 0xFFFFFF frames is checked by its first frame, then continued from its last', async () => {
    const big = Buffer.alloc(0xffffff, 1);
    const header = (length: number, seq: number): Buffer =>
      Buffer.from([length & 0xff, (length >> 8) & 0xff, length >> 16, seq]);
    // Strict: the greeting-like first packet spans ids 0 and 1; the next packet is 2.
    const strict = channelFed(header(0xffffff, 0), big, frame(1), frame(2));
    expect(await ids(strict, 2)).toEqual([1, 2]);
    // An answer whose first packet spans ids 6 and 7: the next must be 8.
    const answer = channelFed(header(0xffffff, 6), big, frame(7), frame(9));
    answer.expectReplyToCommand();
    expect((await answer.read()).payload.length).toBe(0xffffff + 1);
    expect(await outOfOrder(answer.read())).toBe('packet out of order: sequence id 9, expected 8');
  });
});

function options(server: FakeServer, extra: ProbeOptions = {}): ProbeOptions {
  return {
    host: server.host,
    port: server.port,
    user: 'probe',
    password: PASSWORD,
    sslMode: 'DISABLED',
    timeout: 5000,
    ...extra,
  };
}

/** Probes, then checks the server saw the connection close and no handle of ours survives. */
async function probeAndCheckCleanup(server: FakeServer, opts: ProbeOptions): Promise<ProbeResult> {
  return await probeLeavingNothing(server, opts, PASSWORD);
}

describe('probes against servers that restart the count elsewhere', () => {
  it('answers starting at any id give the same verdicts as answers starting at 1', async () => {
    const starts: ((n: number) => number)[] = [() => 1, (n) => 4 + 7 * n, () => 0, () => 250];
    for (const replyId of starts) {
      for (const [state, outcome] of [
        [SYNCED_NODE, 'healthy'],
        [NON_PRIMARY_NODE, 'unhealthy'],
      ] as const) {
        const server = await serve(galeraNode(state, { password: PASSWORD, replyId }));
        const result = await probeAndCheckCleanup(server, options(server));
        expect(result, `answers starting at ${replyId(0)}, ${replyId(1)}`).toMatchObject({
          outcome,
          reason: outcome === 'healthy' ? 'synced' : 'non-Primary',
        });
        expect(server.connections[0]!.quitReceived).toBe(true);
      }
      const pinged = await serve(galeraNode(SYNCED_NODE, { password: PASSWORD, replyId }));
      expect(await probeAndCheckCleanup(pinged, options(pinged, { check: 'alive' }))).toMatchObject({
        outcome: 'healthy',
        reason: 'alive',
      });
    }
  });

  it('a gap inside an answer to a query is a protocol error in phase query', async () => {
    const server = await serve(async (conn) => {
      conn.greeting();
      const response = await conn.readHandshakeResponse();
      if (!response) return;
      conn.ok(response.sequenceId + 1);
      await conn.readPacket();
      conn.send(Buffer.from([2]), 7); // column count at 7: the new base
      conn.send(Buffer.from([0x03, 0x64, 0x65, 0x66]), 9); // a column definition at 9: 8 skipped
      await conn.readPacket();
    });
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({ outcome: 'protocol-error', phase: 'query', error: { code: 'PACKET_OUT_OF_ORDER' } });
    expect(result.reason).toContain('sequence id 9, expected 8');
  });
});

describe('the handshake and the auth exchange stay strict', () => {
  it('a greeting at id 1 is a protocol error in phase greeting', async () => {
    const server = await serve(async (conn) => {
      conn.send(Buffer.from([10]), 1);
      await conn.readPacket();
    });
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({
      outcome: 'protocol-error',
      phase: 'greeting',
      error: { code: 'PACKET_OUT_OF_ORDER' },
    });
  });

  for (const [what, seq] of [
    ['the OK after the handshake response at 3 (expected 2)', 3],
    ['the OK after the handshake response at 0', 0],
    ['the OK after the handshake response at 1 (the id the client used)', 1],
  ] as const) {
    it(`${what} is a protocol error in phase auth`, async () => {
      const server = await serve(async (conn) => {
        conn.greeting();
        await conn.readHandshakeResponse();
        conn.ok(seq);
        await conn.readPacket();
      });
      const result = await probeAndCheckCleanup(server, options(server, { check: 'alive' }));
      expect(result).toMatchObject({
        outcome: 'protocol-error',
        phase: 'auth',
        error: { code: 'PACKET_OUT_OF_ORDER' },
      });
    });
  }

  it('an auth switch at a wrong id is a protocol error in phase auth', async () => {
    const server = await serve(async (conn) => {
      conn.greeting();
      await conn.readHandshakeResponse();
      conn.send(
        Buffer.concat([
          Buffer.from([0xfe]),
          Buffer.from('mysql_native_password\0'),
          Buffer.alloc(20, 7),
          Buffer.from([0]),
        ]),
        5,
      );
      await conn.readPacket();
    });
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({ outcome: 'protocol-error', phase: 'auth', error: { code: 'PACKET_OUT_OF_ORDER' } });
  });

  it('after a correct auth switch, an OK that skips an id is a protocol error in phase auth', async () => {
    const server = await serve(async (conn) => {
      conn.greeting();
      await conn.readHandshakeResponse();
      conn.send(
        Buffer.concat([
          Buffer.from([0xfe]),
          Buffer.from('mysql_native_password\0'),
          Buffer.alloc(20, 7),
          Buffer.from([0]),
        ]),
        2,
      );
      const answer = await conn.readPacket();
      if (answer) conn.ok(answer.sequenceId + 2);
      await conn.readPacket();
    });
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({ outcome: 'protocol-error', phase: 'auth', error: { code: 'PACKET_OUT_OF_ORDER' } });
    expect(result.reason).toContain('sequence id 5, expected 4');
  });
});
