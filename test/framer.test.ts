import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../src/protocol/errors.js';
import { PacketFramer } from '../src/protocol/framer.js';
import { PacketReader } from '../src/protocol/reader.js';
import { framePacket, PacketWriter } from '../src/protocol/writer.js';

const packets = [
  framePacket(Buffer.from('hello'), 0),
  framePacket(Buffer.alloc(0), 1),
  framePacket(Buffer.alloc(300, 7), 2),
];
const stream = Buffer.concat(packets);

describe('PacketFramer', () => {
  it('yields the same packets fed all at once or one byte at a time', () => {
    const whole = new PacketFramer().push(stream);
    const framer = new PacketFramer();
    const bytewise = [];
    for (let i = 0; i < stream.length; i++) bytewise.push(...framer.push(stream.subarray(i, i + 1)));
    expect(whole.map((p) => [p.sequenceId, p.payload.length])).toEqual([
      [0, 5],
      [1, 0],
      [2, 300],
    ]);
    expect(bytewise.map((p) => [p.sequenceId, p.payload.toString('hex')])).toEqual(
      whole.map((p) => [p.sequenceId, p.payload.toString('hex')]),
    );
    expect(framer.bufferedBytes).toBe(0);
  });

  it('yields the same packets however the stream is cut in two or three chunks', () => {
    const expected = new PacketFramer().push(stream).map((p) => [p.sequenceId, p.payload.toString('hex')]);
    for (let i = 0; i <= stream.length; i++) {
      for (const j of [i, i + 1, i + 5, stream.length]) {
        if (j < i || j > stream.length) continue;
        const framer = new PacketFramer();
        const got = [
          ...framer.push(stream.subarray(0, i)),
          ...framer.push(stream.subarray(i, j)),
          ...framer.push(stream.subarray(j)),
        ];
        expect(got.map((p) => [p.sequenceId, p.payload.toString('hex')])).toEqual(expected);
        expect(framer.bufferedBytes).toBe(0);
      }
    }
  });

  it('refuses a header claiming more than the cap, before the payload arrives', () => {
    const framer = new PacketFramer(1024);
    expect(() => framer.push(Buffer.from([0x01, 0x04, 0x00, 0x00]))).toThrow(ProtocolError);
    try {
      new PacketFramer(1024).push(Buffer.from([0x01, 0x04, 0x00, 0x00]));
    } catch (err) {
      expect((err as ProtocolError).code).toBe('PACKET_TOO_LARGE');
      expect((err as Error).message).toContain('1025');
    }
    expect(new PacketFramer(1024).push(framePacket(Buffer.alloc(1024), 0))).toHaveLength(1);
  });

  it('joins 0xFFFFFF continuation frames, including an empty last frame', () => {
    const big = Buffer.alloc(0xffffff, 1);
    const header = (len: number, seq: number): Buffer =>
      Buffer.from([len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, seq]);
    const framer = new PacketFramer(32 * 1024 * 1024);
    const out = framer.push(Buffer.concat([header(0xffffff, 3), big, header(0, 4)]));
    expect(out).toHaveLength(1);
    expect(out[0]!.payload.length).toBe(0xffffff);
    expect(out[0]!.sequenceId).toBe(4);
    const two = new PacketFramer(32 * 1024 * 1024).push(
      Buffer.concat([header(0xffffff, 0), big, header(2, 1), Buffer.from([9, 9])]),
    );
    expect(two[0]!.payload.length).toBe(0xffffff + 2);
  });

  it('counts continuation frames against the cap', () => {
    const header = Buffer.from([0xff, 0xff, 0xff, 0]);
    expect(() =>
      new PacketFramer(0xffffff).push(Buffer.concat([header, Buffer.alloc(0xffffff), Buffer.from([1, 0, 0, 1])])),
    ).toThrow(/more than the limit/);
  });

  it('refuses continuation frames out of sequence', () => {
    const header = Buffer.from([0xff, 0xff, 0xff, 5]);
    expect(() =>
      new PacketFramer(32 * 1024 * 1024).push(
        Buffer.concat([header, Buffer.alloc(0xffffff), Buffer.from([0, 0, 0, 9])]),
      ),
    ).toThrow(/sequence id 9, expected 6/);
  });
});

describe('PacketReader', () => {
  it('reads each width little-endian and names what was missing', () => {
    const r = new PacketReader(Buffer.from([1, 2, 0, 3, 0, 0, 4, 0, 0, 0, 0x61, 0, 0xfc, 0x34, 0x12]), 'test');
    expect([r.u8(), r.u16(), r.u24(), r.u32(), r.nulString(), r.lenencInt()]).toEqual([1, 2, 3, 4, 'a', 0x1234]);
    expect(r.atEnd()).toBe(true);
    expect(() => r.u8('status')).toThrow('malformed test: status needs 1 byte(s) at offset 15, 0 left');
  });

  it('reads length-encoded integers of every width and NULL markers', () => {
    const w = new PacketWriter().lenencInt(250).lenencInt(251).lenencInt(0x10000).lenencInt(0x1000000).u8(0xfb);
    const r = new PacketReader(w.finish(0).subarray(4));
    expect([r.lenencInt(), r.lenencInt(), r.lenencInt(), r.lenencInt()]).toEqual([250, 251, 0x10000, 0x1000000]);
    expect(r.lenencStringOrNull()).toBeNull();
  });

  it('refuses 0xFF as a length and lengths beyond 2^53', () => {
    expect(() => new PacketReader(Buffer.from([0xff])).lenencInt()).toThrow(/starts with 0xff/);
    expect(() => new PacketReader(Buffer.from([0xfe, 0, 0, 0, 0, 0, 0, 0, 0x80])).lenencInt()).toThrow(/too large/);
  });

  it('a string without its NUL or shorter than its length is an error, not garbage', () => {
    expect(() => new PacketReader(Buffer.from('abc')).nulString('version')).toThrow(
      /version at offset 0 has no terminating NUL/,
    );
    expect(() => new PacketReader(Buffer.from([5, 0x61])).lenencString('name')).toThrow(/name needs 5 byte/);
  });
});

describe('PacketWriter', () => {
  it('grows past its initial size without losing bytes, whatever the method', () => {
    const text = 'x'.repeat(100);
    const w = new PacketWriter(16)
      .u8(1)
      .u16(2)
      .u32(3)
      .bytes(Buffer.from(text))
      .zeros(40)
      .lenencInt(0x10000)
      .lenencInt(0x1000000)
      .lenencBytes(text);
    const r = new PacketReader(w.finish(0).subarray(4));
    expect([r.u8(), r.u16(), r.u32(), r.bytes(100).toString(), r.bytes(40).every((b) => b === 0)]).toEqual([
      1,
      2,
      3,
      text,
      true,
    ]);
    expect([r.lenencInt(), r.lenencInt(), r.lenencString()]).toEqual([0x10000, 0x1000000, text]);
    expect(r.atEnd()).toBe(true);
  });

  it('stores integers little-endian at their widest, and refuses one that does not fit (never truncates it)', () => {
    const w = new PacketWriter(8).u8(0xff).u16(0xfedc).u32(0xfedcba98).lenencInt(0xfedcba);
    const payload = w.finish(0).subarray(4);
    expect(payload).toEqual(Buffer.from([0xff, 0xdc, 0xfe, 0x98, 0xba, 0xdc, 0xfe, 0xfd, 0xba, 0xdc, 0xfe]));
    const r = new PacketReader(payload);
    expect([r.u8(), r.u16(), r.u32(), r.u8(), r.u24()]).toEqual([0xff, 0xfedc, 0xfedcba98, 0xfd, 0xfedcba]);
    for (const bad of [256, -1, 1.5, NaN]) expect(() => new PacketWriter().u8(bad)).toThrow(RangeError);
    for (const bad of [0x10000, -1]) expect(() => new PacketWriter().u16(bad)).toThrow(RangeError);
    // u32 takes the value as unsigned, as capability flags built with `|` and `<<` need.
    expect(new PacketWriter().u32(-2).finish(0).subarray(4)).toEqual(Buffer.from([0xfe, 0xff, 0xff, 0xff]));
  });

  it('writes zeros over bytes it has grown into, whatever was there before', () => {
    const r = new PacketReader(new PacketWriter(4).bytes(Buffer.alloc(3, 0xaa)).zeros(30).u8(1).finish(0).subarray(4));
    expect([...r.bytes(3)]).toEqual([0xaa, 0xaa, 0xaa]);
    expect(r.bytes(30).every((b) => b === 0)).toBe(true);
    expect(r.u8()).toBe(1);
  });

  it('back-fills length and sequence id', () => {
    const frame = new PacketWriter(4).u8(3).bytes(Buffer.from('SELECT 1')).finish(7);
    expect(frame.subarray(0, 4)).toEqual(Buffer.from([9, 0, 0, 7]));
    const big = new PacketWriter(4).bytes(Buffer.alloc(0x12345)).finish(0x1ff);
    expect(big.subarray(0, 4)).toEqual(Buffer.from([0x45, 0x23, 0x01, 0xff]));
    expect(frame.subarray(4).toString('latin1')).toBe('\x03SELECT 1');
  });
});
