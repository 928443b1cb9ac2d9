/**
 * parsec against a fake server that checks the signature as MariaDB does, and the deadlines of
 * the exchanges this work added to the auth phase: the ext-salt request (parsec) and the RSA
 * key request (caching_sha2_password with getServerPublicKey). A server that goes silent or
 * trickles there is ended by the auth phase's limit like anywhere else.
 */
import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ProbeOptions, ProbeResult } from '../src/index.js';
import { cachingSha2Scramble } from '../src/protocol/auth/caching-sha2.js';
import { parseParsecExtSalt, parsecPublicKey, parsecSeed } from '../src/protocol/auth/parsec.js';
import {
  type FakeConnection,
  type FakeServer,
  galeraNode,
  type NodeScriptOptions,
  SYNCED_NODE,
} from './support/fake-server.js';
import { probeLeavingNothing } from './support/resources.js';
import { serverPool } from './support/server-pool.js';
import { PacketWriter } from '../src/protocol/writer.js';

const PASSWORD = 'parsec-fake-pw';
const LIMIT = 300;
const MARGIN = 250;
const SCRAMBLE = Buffer.alloc(32, 0x5c);
const SALT = Buffer.from('0011223344556677889900aabbccddeeff01', 'hex');
const serve = serverPool();

const opts = (server: FakeServer, extra: ProbeOptions = {}): ProbeOptions => ({
  host: server.host,
  port: server.port,
  user: 'probe',
  password: PASSWORD,
  timeout: 5000,
  sslMode: 'DISABLED',
  ...extra,
});

/** The server's side of parsec: switch, ext-salt (with or without its 0x01 header), signature check. */
function parsecServer(o: { factor?: number; bare?: boolean } = {}): NonNullable<NodeScriptOptions['authenticate']> {
  return async (conn, response) => {
    conn.send(Buffer.concat([Buffer.from('\xfeparsec\0', 'latin1'), SCRAMBLE]), response.sequenceId + 1);
    const ask = await conn.readPacket();
    if (!ask || ask.payload.length !== 0) return undefined;
    const ext = Buffer.concat([Buffer.from([0x50, o.factor ?? 0]), SALT]);
    conn.send(o.bare ? ext : Buffer.concat([Buffer.from([0x01]), ext]), ask.sequenceId + 1);
    const answer = await conn.readPacket();
    if (!answer) return undefined;
    const seed = await parsecSeed(Buffer.from(PASSWORD), parseParsecExtSalt(ext));
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: parsecPublicKey(seed).toString('base64url') },
      format: 'jwk',
    });
    const nonce = answer.payload.subarray(0, 32);
    const good =
      answer.payload.length === 96 && verify(null, Buffer.concat([SCRAMBLE, nonce]), key, answer.payload.subarray(32));
    if (good) return answer.sequenceId + 1;
    conn.err(answer.sequenceId + 1, 1045, "Access denied for user 'probe'@'localhost' (using password: YES)", '28000');
    return undefined;
  };
}

const node = (o: NodeScriptOptions): Promise<FakeServer> => serve(galeraNode(SYNCED_NODE, o));

describe('parsec', () => {
  it('logs in: empty request for the ext-salt, then nonce ‖ signature', async () => {
    const server = await node({ authenticate: parsecServer() });
    expect(await probeLeavingNothing(server, opts(server), PASSWORD)).toMatchObject({
      healthy: true,
      node: { authPlugin: 'parsec' },
    });
  });

  it('takes the ext-salt without its 0x01 header too (MariaDB escapes only 0x00, 0x01, 0xFE, 0xFF)', async () => {
    const server = await node({ authenticate: parsecServer({ bare: true }) });
    expect(await probe(server)).toMatchObject({ healthy: true });
  });

  it('at the iteration cap (8,192) still logs in', async () => {
    const server = await node({ authenticate: parsecServer({ factor: 3 }) });
    expect(await probe(server)).toMatchObject({ healthy: true });
  });

  it('a wrong password is access denied (exit 4)', async () => {
    const server = await node({ authenticate: parsecServer() });
    expect(await probe(server, { password: 'not-it' })).toMatchObject({
      outcome: 'access-denied',
      phase: 'auth',
      error: { errno: 1045 },
    });
  });

  it('a server asking for more iterations than the cap is refused at once, before any PBKDF2', async () => {
    const server = await node({ authenticate: parsecServer({ factor: 40 }) });
    const result = await probe(server);
    expect(result).toMatchObject({ outcome: 'access-denied', phase: 'auth', error: { code: 'AUTH_UNSUPPORTED' } });
    expect(result.reason).toContain('galera-probe computes at most 8,192');
    expect(result.timings.auth).toBeLessThan(1000);
  });

  it('a server that announces parsec in its greeting gets a native response and must switch (the greeting nonce is not parsec’s)', async () => {
    let plugin = '';
    const server = await node({
      plugin: 'parsec',
      onHandshake: (r) => (plugin = r.plugin),
      authenticate: parsecServer(),
    });
    expect(await probe(server)).toMatchObject({ healthy: true });
    expect(plugin).toBe('mysql_native_password');
  });

  it('a scramble that is not 32 bytes is a protocol error', async () => {
    const server = await node({
      authenticate: async (conn, response) => {
        conn.send(Buffer.concat([Buffer.from('\xfeparsec\0', 'latin1'), Buffer.alloc(20, 1)]), response.sequenceId + 1);
        await conn.readPacket();
        return undefined;
      },
    });
    expect(await probe(server)).toMatchObject({ outcome: 'protocol-error', phase: 'auth' });
  });
});

function expectAuthTimeout(result: ProbeResult): void {
  expect(result).toMatchObject({ outcome: 'timeout', phase: 'auth', error: { code: 'TIMEOUT', limitMs: LIMIT } });
  expect(result.timings.total).toBeGreaterThanOrEqual(LIMIT);
  expect(result.timings.total).toBeLessThan(LIMIT + MARGIN + 200);
}

/** Switches to parsec and reads the ext-salt request; `then` does the rest. */
function afterSaltRequest(
  then: (conn: FakeConnection, seq: number) => Promise<void>,
): NonNullable<NodeScriptOptions['authenticate']> {
  return async (conn, response) => {
    conn.send(Buffer.concat([Buffer.from('\xfeparsec\0', 'latin1'), SCRAMBLE]), response.sequenceId + 1);
    const ask = await conn.readPacket();
    if (ask) await then(conn, ask.sequenceId + 1);
    return undefined;
  };
}

/** Asks for caching_sha2 full auth and reads the key request; `then` does the rest. */
function afterKeyRequest(
  then: (conn: FakeConnection, seq: number) => Promise<void>,
): NonNullable<NodeScriptOptions['authenticate']> {
  return async (conn, response, nonce) => {
    if (!response.authResponse.equals(cachingSha2Scramble(Buffer.from(PASSWORD), nonce))) return undefined;
    conn.send(Buffer.from([0x01, 0x04]), response.sequenceId + 1);
    const ask = await conn.readPacket();
    if (ask && ask.payload.equals(Buffer.from([0x02]))) await then(conn, ask.sequenceId + 1);
    return undefined;
  };
}

const silence = async (conn: FakeConnection): Promise<void> => {
  await conn.closed;
};

describe('deadlines of the new exchanges (inside the auth phase)', () => {
  it('parsec: silent after the ext-salt request', async () => {
    const server = await node({ authenticate: afterSaltRequest(silence) });
    expectAuthTimeout(await probeLeavingNothing(server, opts(server, { authTimeout: LIMIT }), PASSWORD));
  });

  it('parsec: the ext-salt trickled a byte at a time', async () => {
    const server = await node({
      authenticate: afterSaltRequest((conn, seq) =>
        conn.trickle(new PacketWriter(32).u8(0x01).u8(0x50).u8(0).bytes(SALT).finish(seq), 40),
      ),
    });
    expectAuthTimeout(await probeLeavingNothing(server, opts(server, { authTimeout: LIMIT }), PASSWORD));
  });

  it('caching_sha2_password: silent after the public key request', async () => {
    const server = await node({ plugin: 'caching_sha2_password', authenticate: afterKeyRequest(silence) });
    expectAuthTimeout(
      await probeLeavingNothing(server, opts(server, { authTimeout: LIMIT, getServerPublicKey: true }), PASSWORD),
    );
  });

  it('caching_sha2_password: the public key trickled a byte at a time', async () => {
    const key = Buffer.from(
      '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n',
    );
    const server = await node({
      plugin: 'caching_sha2_password',
      authenticate: afterKeyRequest((conn, seq) =>
        conn.trickle(new PacketWriter(256).u8(0x01).bytes(key).finish(seq), 40),
      ),
    });
    expectAuthTimeout(
      await probeLeavingNothing(server, opts(server, { authTimeout: LIMIT, getServerPublicKey: true }), PASSWORD),
    );
  });

  it('the overall deadline ends a trickled ext-salt too', async () => {
    const server = await node({
      authenticate: afterSaltRequest((conn, seq) =>
        conn.trickle(new PacketWriter(32).u8(0x01).u8(0x50).u8(0).bytes(SALT).finish(seq), 40),
      ),
    });
    const result = await probeLeavingNothing(server, opts(server, { timeout: LIMIT }), PASSWORD);
    expect(result).toMatchObject({ outcome: 'timeout', phase: 'auth' });
    expect(result.reason).toContain('overall deadline');
  });
});

async function probe(server: FakeServer, extra: ProbeOptions = {}): Promise<ProbeResult> {
  return probeLeavingNothing(server, opts(server, extra), PASSWORD);
}
