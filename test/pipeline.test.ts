/**
 * A pipeline is framed as its statements are at the time of the call; the connect attributes
 * are encoded once only for a frozen list (handshake.ts), which cannot change.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PacketChannel } from '../src/protocol/channel.js';
import { settledQueries, type Session } from '../src/protocol/connection.js';
import { Capability } from '../src/protocol/constants.js';
import { buildHandshakeResponse } from '../src/protocol/handshake.js';
import { framePacket } from '../src/protocol/writer.js';

const session: Session = { capabilities: 0, authPlugin: '', serverProof: undefined, proofHash: () => undefined };

/** The bytes settledQueries writes for `sqls` (the answers never come; the channel is failed). */
async function written(sqls: string[]): Promise<Buffer> {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.write = ((chunk: Buffer) => (chunks.push(Buffer.from(chunk)), true)) as typeof stream.write;
  const channel = new PacketChannel(stream);
  const answers = settledQueries(channel, session, sqls);
  channel.fail(new Error('done'));
  await answers.catch(() => undefined);
  return Buffer.concat(chunks);
}

const queryFrames = (...sqls: string[]): Buffer =>
  Buffer.concat(sqls.map((sql) => framePacket(Buffer.concat([Buffer.from([3]), Buffer.from(sql)]), 0)));

describe('what the probe sends', () => {
  it('a pipeline is sent as its statements are now, even from an array changed in place', async () => {
    const sqls = ['SELECT 1', 'SELECT 2'];
    expect(await written(sqls)).toEqual(queryFrames('SELECT 1', 'SELECT 2'));
    expect(await written(sqls)).toEqual(queryFrames('SELECT 1', 'SELECT 2'));
    sqls[1] = 'SELECT 3';
    expect(await written(sqls)).toEqual(queryFrames('SELECT 1', 'SELECT 3'));
    sqls.push('SELECT 4');
    expect(await written(sqls)).toEqual(queryFrames('SELECT 1', 'SELECT 3', 'SELECT 4'));
    expect(await written(['SELECT é'])).toEqual(queryFrames('SELECT é'));
  });

  it('connect attributes: a frozen list encodes as a fresh one does, a list that changes as it is now', () => {
    const caps = Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION | Capability.CONNECT_ATTRS;
    const response = (connectAttrs: ReadonlyArray<readonly [string, string]>): Buffer =>
      buildHandshakeResponse(
        { capabilities: caps, user: 'u', authResponse: Buffer.alloc(0), authPluginName: '', connectAttrs },
        1,
      );
    const frozen = Object.freeze([Object.freeze(['a', '1'] as const), Object.freeze(['b', '2'] as const)]);
    const fresh = (): [string, string][] => [
      ['a', '1'],
      ['b', '2'],
    ];
    expect(response(frozen)).toEqual(response(fresh()));
    expect(response(frozen)).toEqual(response(fresh()));
    const pairs = fresh();
    const list = Object.freeze(pairs);
    expect(response(list)).toEqual(response(fresh()));
    pairs[1]![1] = '3';
    expect(response(list)).toEqual(
      response([
        ['a', '1'],
        ['b', '3'],
      ]),
    );
  });
});
