import { createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt, constants, verify } from 'node:crypto';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probe, type ProbeOptions } from '../src/index.js';
import { cachingSha2Scramble } from '../src/protocol/auth/caching-sha2.js';
import { ed25519PublicKey } from '../src/protocol/auth/ed25519.js';
import {
  type FakeConnection,
  type FakeServer,
  galeraNode,
  SYNCED_NODE,
  type NodeScriptOptions,
} from './support/fake-server.js';
import { serverPool } from './support/server-pool.js';

const PASSWORD = 'plugin-secret';
const pem = (name: string): Buffer => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));
const SERVER_TLS = { key: pem('server-key.pem'), cert: pem('server-cert.pem') };
const RSA_PRIVATE = createPrivateKey(pem('rsa-private.pem'));
const RSA_PUBLIC = pem('rsa-public.pem');
const CA = pem('ca.pem');

const startServer = serverPool();

function node(o: NodeScriptOptions, path?: string): Promise<FakeServer> {
  return startServer(galeraNode(SYNCED_NODE, o), path);
}

function opts(server: FakeServer, extra: ProbeOptions = {}): ProbeOptions {
  return {
    host: server.host,
    port: server.port,
    user: 'probe',
    password: PASSWORD,
    timeout: 5000,
    sslMode: 'DISABLED',
    ...extra,
  };
}

const sent: string[] = [];
/** Reads one client packet during auth and records how it looked. */
async function next(conn: FakeConnection): Promise<{ seq: number; data: Buffer }> {
  const p = await conn.readPacket();
  if (!p) throw new Error('client went away');
  sent.push(p.payload.toString('latin1'));
  return { seq: p.sequenceId, data: p.payload };
}

/** caching_sha2_password: `mode` says which exchange the server leads the client through. */
function cachingSha2Server(
  mode: 'fast' | 'full-clear' | 'full-rsa' | 'full-rsa-known-key',
): NonNullable<NodeScriptOptions['authenticate']> {
  return async (conn, response, nonce) => {
    if (
      !response.authResponse.equals(cachingSha2Scramble(Buffer.from(PASSWORD), nonce)) ||
      response.plugin !== 'caching_sha2_password'
    ) {
      conn.err(response.sequenceId + 1, 1045, 'Access denied');
      return undefined;
    }
    let seq = response.sequenceId + 1;
    if (mode === 'fast') {
      conn.send(Buffer.from([0x01, 0x03]), seq);
      return seq + 1;
    }
    conn.send(Buffer.from([0x01, 0x04]), seq);
    let reply = await next(conn);
    if (mode === 'full-clear') {
      return reply.data.equals(Buffer.from(`${PASSWORD}\0`)) ? reply.seq + 1 : undefined;
    }
    if (mode === 'full-rsa') {
      if (!reply.data.equals(Buffer.from([0x02]))) return undefined;
      conn.send(Buffer.concat([Buffer.from([0x01]), RSA_PUBLIC]), reply.seq + 1);
      reply = await next(conn);
    }
    const clear = privateDecrypt(
      { key: RSA_PRIVATE, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      reply.data,
    );
    for (let i = 0; i < clear.length; i++) clear[i]! ^= nonce[i % nonce.length]!;
    seq = reply.seq + 1;
    if (clear.equals(Buffer.from(`${PASSWORD}\0`))) return seq;
    conn.err(seq, 1045, 'Access denied');
    return undefined;
  };
}

describe('caching_sha2_password', () => {
  it('fast auth', async () => {
    const server = await node({ plugin: 'caching_sha2_password', authenticate: cachingSha2Server('fast') });
    expect(await probe(opts(server))).toMatchObject({ healthy: true, node: { authPlugin: 'caching_sha2_password' } });
  });

  it('full auth over TLS a CA verified sends the password in clear, inside TLS', async () => {
    const server = await node({
      plugin: 'caching_sha2_password',
      tls: SERVER_TLS,
      authenticate: cachingSha2Server('full-clear'),
    });
    expect(await probe(opts(server, { sslMode: 'VERIFY_CA', sslCa: CA }))).toMatchObject({
      healthy: true,
      node: { tls: true, serverVerification: 'ca' },
    });
  });

  it('full auth over TLS no CA verified sends the password only with getServerPublicKey', async () => {
    const server = await node({
      plugin: 'caching_sha2_password',
      tls: SERVER_TLS,
      authenticate: cachingSha2Server('full-clear'),
    });
    expect(await probe(opts(server, { sslMode: 'REQUIRED', getServerPublicKey: true }))).toMatchObject({
      healthy: true,
      node: { tls: true, serverVerification: 'none' },
    });
  });

  it('full auth over a unix socket sends the password in clear', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-auth-'));
    try {
      const server = await node(
        { plugin: 'caching_sha2_password', authenticate: cachingSha2Server('full-clear') },
        join(dir, 's.sock'),
      );
      expect(await probe({ socketPath: server.host, user: 'probe', password: PASSWORD })).toMatchObject({
        healthy: true,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('full auth over plain TCP asks for the RSA key, with getServerPublicKey, and encrypts', async () => {
    sent.length = 0;
    const server = await node({ plugin: 'caching_sha2_password', authenticate: cachingSha2Server('full-rsa') });
    expect(await probe(opts(server, { getServerPublicKey: true }))).toMatchObject({ healthy: true });
    expect(sent.some((s) => s.includes(PASSWORD))).toBe(false);
  });

  it('full auth over plain TCP with --server-public-key skips the request', async () => {
    const server = await node({
      plugin: 'caching_sha2_password',
      authenticate: cachingSha2Server('full-rsa-known-key'),
    });
    expect(await probe(opts(server, { serverPublicKey: RSA_PUBLIC }))).toMatchObject({ healthy: true });
  });

  it.each([
    [
      'is not an RSA key',
      '-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----\n',
      'is not a PEM RSA public key',
    ],
    // 512 bits hold 22 bytes under OAEP/SHA-1: the password and its terminator do not fit.
    [
      'is too small for the password',
      generateKeyPairSync('rsa', { modulusLength: 512 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      'is too small for the password',
    ],
  ])('a public key from the server that %s is a protocol error in auth', async (_name, pem, problem) => {
    const server = await node({
      plugin: 'caching_sha2_password',
      authenticate: async (conn, response) => {
        conn.send(Buffer.from([0x01, 0x04]), response.sequenceId + 1);
        const ask = await next(conn);
        conn.send(Buffer.concat([Buffer.from([0x01]), Buffer.from(pem, 'latin1')]), ask.seq + 1);
        await conn.readPacket();
        return undefined;
      },
    });
    const result = await probe(opts(server, { password: 'a-password-of-twenty-two-bytes', getServerPublicKey: true }));
    expect(result).toMatchObject({ outcome: 'protocol-error', phase: 'auth', error: { code: 'MALFORMED_PACKET' } });
    expect(result.reason).toBe(`protocol error: caching_sha2_password: the public key the server sent ${problem}`);
  });

  it('a --server-public-key that is not an RSA public key is an invalid option', async () => {
    await expect(probe({ host: '127.0.0.1', port: 9, serverPublicKey: Buffer.from('nonsense') })).rejects.toThrow(
      /option serverPublicKey: not a PEM RSA public key/,
    );
  });

  it('a wrong password is access denied', async () => {
    const server = await node({ plugin: 'caching_sha2_password', authenticate: cachingSha2Server('fast') });
    expect(await probe(opts(server, { password: 'wrong' }))).toMatchObject({ outcome: 'access-denied', phase: 'auth' });
  });
});

describe('auth switches', () => {
  // MariaDB's nonce is 32 random bytes with no NUL after them: any byte may be 0, the last one too
  // (1 login in 256 against a real server), and none of them may be dropped.
  it.each([
    ['32 bytes of 0x41', Buffer.alloc(32, 0x41)],
    ['ending in 0x00', Buffer.concat([Buffer.alloc(31, 0x5a), Buffer.from([0])])],
    ['ending in two 0x00', Buffer.concat([Buffer.alloc(30, 0x17), Buffer.alloc(2)])],
    ['all 0x00', Buffer.alloc(32)],
  ])('client_ed25519: a valid signature of the whole 32-byte nonce (%s)', async (_name, nonce) => {
    const server = await node({
      authenticate: async (conn, response) => {
        conn.send(Buffer.concat([Buffer.from('\xfeclient_ed25519\0', 'latin1'), nonce]), response.sequenceId + 1);
        const reply = await next(conn);
        const key = createPublicKey({
          key: { kty: 'OKP', crv: 'Ed25519', x: ed25519PublicKey(Buffer.from(PASSWORD)).toString('base64url') },
          format: 'jwk',
        });
        return reply.data.length === 64 && verify(null, nonce, key, reply.data) ? reply.seq + 1 : undefined;
      },
    });
    expect(await probe(opts(server))).toMatchObject({ healthy: true, node: { authPlugin: 'client_ed25519' } });
  });

  it('mysql_clear_password is refused over plain TCP, naming the reason', async () => {
    const server = await node({
      authenticate: async (conn, response) => {
        conn.send(Buffer.from('\xfemysql_clear_password\0', 'latin1'), response.sequenceId + 1);
        await conn.readPacket();
        return undefined;
      },
    });
    const result = await probe(opts(server));
    expect(result).toMatchObject({ outcome: 'access-denied', phase: 'auth', error: { code: 'AUTH_UNSUPPORTED' } });
    expect(result.reason).toContain('only sends over TLS or a unix socket');
  });

  const clearPasswordServer = (): Promise<FakeServer> =>
    node({
      tls: SERVER_TLS,
      authenticate: async (conn, response) => {
        conn.send(Buffer.from('\xfemysql_clear_password\0', 'latin1'), response.sequenceId + 1);
        const reply = await next(conn);
        return reply.data.equals(Buffer.from(`${PASSWORD}\0`)) ? reply.seq + 1 : undefined;
      },
    });

  it('mysql_clear_password over TLS a CA verified is sent', async () => {
    const server = await clearPasswordServer();
    expect(await probe(opts(server, { sslMode: 'VERIFY_CA', sslCa: CA }))).toMatchObject({
      healthy: true,
      node: { authPlugin: 'mysql_clear_password' },
    });
  });

  it('mysql_clear_password over TLS no CA verified is sent only with getServerPublicKey', async () => {
    const server = await clearPasswordServer();
    expect(await probe(opts(server, { sslMode: 'REQUIRED', getServerPublicKey: true }))).toMatchObject({
      healthy: true,
      node: { authPlugin: 'mysql_clear_password' },
    });
    const refused = await probe(opts(server, { sslMode: 'REQUIRED' }));
    expect(refused).toMatchObject({ outcome: 'access-denied', phase: 'auth', error: { code: 'PASSWORD_WITHHELD' } });
    expect(refused.reason).toContain('--get-server-public-key');
  });

  it('a switch to caching_sha2_password from native works', async () => {
    const server = await node({
      authenticate: async (conn, response) => {
        const nonce = Buffer.alloc(20, 0x33);
        conn.send(
          Buffer.concat([Buffer.from('\xfecaching_sha2_password\0', 'latin1'), nonce, Buffer.from([0])]),
          response.sequenceId + 1,
        );
        const reply = await next(conn);
        if (!reply.data.equals(cachingSha2Scramble(Buffer.from(PASSWORD), nonce))) return undefined;
        conn.send(Buffer.from([0x01, 0x03]), reply.seq + 1);
        return reply.seq + 2;
      },
    });
    expect(await probe(opts(server))).toMatchObject({ healthy: true, node: { authPlugin: 'caching_sha2_password' } });
  });
});
