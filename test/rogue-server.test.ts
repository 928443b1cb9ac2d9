/**
 * A rogue server, run as an attacker would: whoever can point the probe at a host of theirs
 * (the exporter's /probe, a wrong DNS record) or sit in its path answers the login with
 * caching_sha2_password's "full authentication needed" and logs everything the probe sends
 * back. Nothing derived from the password may arrive unless the operator allowed it.
 */
import { constants, createPrivateKey, privateDecrypt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ProbeOptions, type SslMode } from '../src/index.js';
import { cachingSha2Scramble } from '../src/protocol/auth/caching-sha2.js';
import { Capability } from '../src/protocol/constants.js';
import { type FakeConnection, SERVER_CAPS } from './support/fake-server.js';
import { probeLeavingNothing } from './support/resources.js';
import { serverPool } from './support/server-pool.js';

const PASSWORD = 'rogue-target-password';
const pem = (name: string): Buffer => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));
/** The rogue's own certificate and RSA key pair. */
const ROGUE_TLS = { key: pem('other-ca-key.pem'), cert: pem('other-ca.pem') };
const ROGUE_RSA_PRIVATE = createPrivateKey(pem('rsa-private.pem'));
const ROGUE_RSA_PUBLIC = pem('rsa-public.pem');

const serve = serverPool();

interface RogueLog {
  /** Every packet payload the client sent after its HandshakeResponse, in order. */
  after: Buffer[];
  /** Every byte the client sent, TLS taken off. */
  all: Buffer[];
  /** What the rogue recovered, if anything. */
  recovered?: string;
}

/**
 * Greets with caching_sha2_password, offers TLS with its own certificate, then asks for full
 * authentication (or switches to mysql_clear_password) and logs what comes back; when asked
 * for its key it sends its own and decrypts the answer.
 */
function rogue(log: RogueLog, how: 'full-auth' | 'clear-password', offerTls: boolean) {
  return async (conn: FakeConnection): Promise<void> => {
    const nonce = conn.greeting({
      capabilities: offerTls ? SERVER_CAPS | Capability.SSL : SERVER_CAPS,
      plugin: 'caching_sha2_password',
    });
    let response = offerTls ? await conn.startTls(ROGUE_TLS) : await conn.readHandshakeResponse();
    if (response) log.all.push(response.raw);
    if (response && response.capabilities & Capability.SSL) response = await conn.readHandshakeResponse();
    if (!response) return;
    log.all.push(response.raw);
    let seq = response.sequenceId + 1;
    conn.send(
      how === 'full-auth' ? Buffer.from([0x01, 0x04]) : Buffer.from('\xfemysql_clear_password\0', 'latin1'),
      seq,
    );
    for (;;) {
      const p = await conn.readPacket();
      if (!p) return;
      log.after.push(p.payload);
      log.all.push(p.payload);
      seq = p.sequenceId + 1;
      if (p.payload.length === 1 && p.payload[0] === 0x02) {
        conn.send(Buffer.concat([Buffer.from([0x01]), ROGUE_RSA_PUBLIC]), seq);
        continue;
      }
      if (p.payload.length === 256) {
        const clear = privateDecrypt(
          { key: ROGUE_RSA_PRIVATE, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
          p.payload,
        );
        for (let i = 0; i < clear.length; i++) clear[i]! ^= nonce[i % nonce.length]!;
        log.recovered = clear.subarray(0, clear.length - 1).toString();
      } else {
        log.recovered = p.payload.subarray(0, p.payload.length - 1).toString();
      }
      conn.err(seq, 1045, 'Access denied');
      conn.socket.end();
      return;
    }
  };
}

async function attack(
  sslMode: SslMode,
  extra: ProbeOptions = {},
  how: 'full-auth' | 'clear-password' = 'full-auth',
  offerTls = true,
) {
  const log: RogueLog = { after: [], all: [] };
  const server = await serve(rogue(log, how, offerTls));
  const result = await probeLeavingNothing(
    server,
    { host: server.host, port: server.port, user: 'monitor', password: PASSWORD, timeout: 5000, sslMode, ...extra },
    PASSWORD,
  );
  return { log, result };
}

/** Nothing the rogue logged holds the password, in clear or XORed with anything it knows. */
function nothingPasswordDerived(log: RogueLog): void {
  const all = Buffer.concat(log.all);
  expect(all.includes(Buffer.from(PASSWORD))).toBe(false);
  expect(log.after).toEqual([]);
  expect(log.recovered).toBeUndefined();
}

describe('a rogue server asking for caching_sha2_password full authentication', () => {
  it.each(['DISABLED', 'PREFERRED'] as const)(
    'over plain TCP (%s; to PREFERRED the rogue offers no TLS): no key request, no password; the reason names both options',
    async (mode) => {
      const { log, result } = await attack(mode, {}, 'full-auth', mode === 'DISABLED');
      nothingPasswordDerived(log);
      expect(result).toMatchObject({ outcome: 'access-denied', phase: 'auth', error: { code: 'PASSWORD_WITHHELD' } });
      expect(result.reason).toContain('--server-public-key');
      expect(result.reason).toContain('--get-server-public-key');
    },
  );

  it.each(['PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const)(
    'inside TLS no CA verified (%s): no password in clear',
    async (mode) => {
      const { log, result } = await attack(mode);
      nothingPasswordDerived(log);
      expect(result).toMatchObject({ outcome: 'access-denied', phase: 'auth', error: { code: 'PASSWORD_WITHHELD' } });
      expect(result.reason).toContain('inside TLS no CA verified');
    },
  );

  it('VERIFY_CA without --ssl-ca keeps the password even with --get-server-public-key: the server has not proved itself', async () => {
    const { log, result } = await attack('VERIFY_CA', { getServerPublicKey: true });
    nothingPasswordDerived(log);
    expect(result).toMatchObject({ outcome: 'access-denied', error: { code: 'PASSWORD_WITHHELD' } });
  });

  it.each(['PREFERRED', 'REQUIRED'] as const)(
    'a switch to mysql_clear_password inside TLS no CA verified (%s): nothing after the switch',
    async (mode) => {
      const { log, result } = await attack(mode, {}, 'clear-password');
      nothingPasswordDerived(log);
      expect(result).toMatchObject({ outcome: 'access-denied', error: { code: 'PASSWORD_WITHHELD' } });
    },
  );

  // The same rogue catches the password when the operator allows it: the log above can fail.
  it('with --get-server-public-key over plain TCP, the rogue gets its key used and decrypts the password (what the flag allows)', async () => {
    const { log, result } = await attack('DISABLED', { getServerPublicKey: true });
    expect(log.after[0]).toEqual(Buffer.from([0x02]));
    expect(log.recovered).toBe(PASSWORD);
    expect(result.outcome).toBe('access-denied');
  });

  it('with --get-server-public-key inside unverified TLS, the rogue reads the password in clear (what the flag allows)', async () => {
    const { log } = await attack('REQUIRED', { getServerPublicKey: true });
    expect(log.recovered).toBe(PASSWORD);
  });

  it('the fast-auth scramble it does get is no password: it is bound to the rogue’s nonce', async () => {
    const { log } = await attack('DISABLED');
    const response = log.all[0]!;
    expect(
      response.includes(
        cachingSha2Scramble(Buffer.from(PASSWORD), Buffer.from('46725c5e01260b743f7217657e671a5f51111815', 'hex')),
      ),
    ).toBe(true);
  });
});
