/**
 * Known answers from a real MariaDB 11.8.9 (Debian 13's package), captured over TLS with
 * scripts/capture-mariadb11-vectors.ts into fixtures/mariadb-11.8/: every login there ended in
 * the server's OK, so what our functions compute from the same inputs is what that server
 * accepted and sent.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ed25519PublicKey } from '../src/protocol/auth/ed25519.js';
import { nativePasswordScramble } from '../src/protocol/auth/native.js';
import {
  PARSEC_MAX_ITERATION_FACTOR,
  parseParsecExtSalt,
  parsecPublicKey,
  parsecResponse,
  parsecSeed,
} from '../src/protocol/auth/parsec.js';
import { authPlugin } from '../src/protocol/auth/plugins.js';
import { sha256 } from '../src/protocol/auth/digest.js';
import { expectedServerProof, parseServerProof, serverProofMatches } from '../src/protocol/auth/proof.js';
import { AuthUnsupportedError, ProtocolError } from '../src/protocol/errors.js';
import { parseOk } from '../src/protocol/packets.js';

interface Login {
  user: string;
  password: string;
  scramble: string;
  certificate: string;
  packets: { from: 'client' | 'server'; payload: string }[];
  plugin: string;
  proof: string;
}
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/mariadb-11.8/${name}`, import.meta.url), 'utf8'));
const logins = fixture('logins.json') as Login[];
const accounts = (fixture('accounts.json') as { accounts: { user: string; authentication_string: string }[] }).accounts;
const login = (plugin: string): Login => logins.find((l) => l.plugin === plugin)!;
const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const stored = (user: string): string => accounts.find((a) => a.user === user)!.authentication_string;
const sha1 = (b: Buffer): Buffer => createHash('sha1').update(b).digest();
const ctx = (password: string) => ({
  password: Buffer.from(password),
  encrypted: true,
  passwordAllowed: false,
  getServerPublicKey: false,
});

describe('MariaDB 11.8: what the server stores', () => {
  it('native: SHA1(SHA1(pw)) is the hash after the *', () => {
    expect(
      sha1(sha1(Buffer.from('native-pw')))
        .toString('hex')
        .toUpperCase(),
    ).toBe(stored('pnative').slice(1));
  });

  it('ed25519: the public key the server stores', () => {
    expect(ed25519PublicKey(Buffer.from('ed-pw')).toString('base64').replace(/=+$/, '')).toBe(stored('ped'));
  });

  it('parsec: P<factor>:salt:public key, the key from PBKDF2-SHA512 of the password', async () => {
    const [kdf, salt, key] = stored('pparsec').split(':') as [string, string, string];
    expect(kdf).toBe('P0');
    const seed = await parsecSeed(
      Buffer.from('parsec-pw'),
      parseParsecExtSalt(Buffer.concat([Buffer.from([0x50, 0]), Buffer.from(salt, 'base64')])),
    );
    expect(parsecPublicKey(seed).toString('base64').replace(/=+$/, '')).toBe(key);
  });
});

describe('MariaDB 11.8: the logins it accepted', () => {
  it('native: the scramble sent is the one computed from the greeting', () => {
    const l = login('mysql_native_password');
    const response = hex(l.packets[0]!.payload);
    expect(response.includes(nativePasswordScramble(Buffer.from(l.password), hex(l.scramble)))).toBe(true);
  });

  it('parsec: empty request, ext-salt with its 0x01 header, then nonce ‖ signature = what we compute', async () => {
    const l = login('parsec');
    const [, switchReq, ask, extSalt, answer, ok] = l.packets.map((p) => hex(p.payload));
    expect(l.packets.map((p) => p.from)).toEqual(['client', 'server', 'client', 'server', 'client', 'server']);
    expect(switchReq!.subarray(0, 8).toString('latin1')).toBe('\xfeparsec\0');
    const scramble = switchReq!.subarray(8);
    expect(scramble).toHaveLength(32);
    expect(ask).toHaveLength(0);
    expect(extSalt![0]).toBe(0x01);
    const ext = parseParsecExtSalt(extSalt!.subarray(1));
    expect(ext).toMatchObject({ factor: 0 });
    expect(ext.salt.toString('base64')).toBe(stored('pparsec').split(':')[1]);
    const seed = await parsecSeed(Buffer.from(l.password), ext);
    expect(parsecResponse(seed, scramble, answer!.subarray(0, 32)).equals(answer!)).toBe(true);
    expect(ok![0]).toBe(0x00);
  });

  it('parsec: the plugin speaks the same exchange (the nonce aside, which is random)', async () => {
    const l = login('parsec');
    const plugin = authPlugin('parsec')!;
    const scramble = hex(l.packets[1]!.payload).subarray(8);
    expect(plugin.initial(scramble, ctx(l.password))).toHaveLength(0);
    const step = await plugin.more!(hex(l.packets[3]!.payload).subarray(1), scramble, ctx(l.password));
    expect('send' in step && step.send).toHaveLength(96);
    expect(plugin.proofHash!(ctx(l.password))!.toString('hex')).toBe(
      Buffer.concat([
        Buffer.from('P\0', 'latin1'),
        Buffer.from(stored('pparsec').split(':')[1]!, 'base64'),
        Buffer.from(stored('pparsec').split(':')[2]!, 'base64'),
      ]).toString('hex'),
    );
  });

  it.each(['mysql_native_password', 'client_ed25519', 'parsec'])(
    '%s: the OK carries the proof, and it is SHA-256(H ‖ scramble ‖ SHA-256(certificate))',
    async (name) => {
      const l = login(name);
      const ok = parseOk(hex(l.packets.at(-1)!.payload));
      const proof = parseServerProof(ok.info);
      expect(proof?.toString('hex')).toBe(l.proof);
      const plugin = authPlugin(name)!;
      if (name === 'parsec') {
        // The plugin learns H from the exchange.
        await plugin.more!(
          hex(l.packets[3]!.payload).subarray(1),
          hex(l.packets[1]!.payload).subarray(8),
          ctx(l.password),
        );
      }
      const h = plugin.proofHash!(ctx(l.password))!;
      const der = Buffer.from(l.certificate, 'base64');
      expect(new X509Certificate(der).subject).toContain('MariaDB Server');
      const certificate = sha256(der);
      expect(expectedServerProof(h, hex(l.scramble), certificate).toString('hex')).toBe(l.proof);
      expect(serverProofMatches(proof!, h, hex(l.scramble), certificate)).toBe(true);
      // Another certificate, scramble or password: no match.
      const other = readFileSync(new URL('../fixtures/tls/server-cert.pem', import.meta.url), 'utf8');
      expect(serverProofMatches(proof!, h, hex(l.scramble), sha256(new X509Certificate(other).raw))).toBe(false);
      expect(serverProofMatches(proof!, h, Buffer.alloc(20), certificate)).toBe(false);
      expect(serverProofMatches(proof!, Buffer.alloc(h.length), hex(l.scramble), certificate)).toBe(false);
    },
  );
});

describe('parsec: the ext-salt is the server’s, and bounded', () => {
  it.each([
    ['empty', '', /has 0 byte/],
    ['no salt', '5000', /has 2 byte/],
    ['another key derivation', '5100aabbcc', /unknown key derivation 0x51/],
    ['a salt of 65 bytes', `5000${'ab'.repeat(65)}`, /salt of 65 bytes/],
  ])('%s is a protocol error', (_name, data, message) => {
    expect(() => parseParsecExtSalt(hex(data))).toThrow(ProtocolError);
    expect(() => parseParsecExtSalt(hex(data))).toThrow(message);
  });

  it(`an iteration factor above ${PARSEC_MAX_ITERATION_FACTOR} (8,192 iterations) is refused before any PBKDF2`, () => {
    expect(parseParsecExtSalt(hex(`5003${'ab'.repeat(18)}`)).factor).toBe(3);
    for (const factor of [4, 20, 255]) {
      const started = performance.now();
      expect(() => parseParsecExtSalt(hex(`50${factor.toString(16).padStart(2, '0')}${'ab'.repeat(18)}`))).toThrow(
        AuthUnsupportedError,
      );
      expect(performance.now() - started).toBeLessThan(50);
    }
    expect(() => parseParsecExtSalt(hex(`5004${'ab'.repeat(18)}`))).toThrow(
      'the server asks for 16,384 PBKDF2 iterations; galera-probe computes at most 8,192',
    );
  });
});

describe('the proof in an OK packet', () => {
  it.each([
    ['no info', undefined],
    ['a message', Buffer.from('Rows matched: 1')],
    ['64 hex without 0x01', Buffer.from('A'.repeat(64))],
    ['0x01 and 63 hex', Buffer.concat([Buffer.from([1]), Buffer.from('A'.repeat(63))])],
    [
      '0x01 and 64 characters that are not all hex',
      Buffer.concat([Buffer.from([1]), Buffer.from(`${'A'.repeat(63)}G`)]),
    ],
    ['0x02 and 64 hex', Buffer.concat([Buffer.from([2]), Buffer.from('A'.repeat(64))])],
  ])('%s is no proof', (_name, info) => {
    expect(parseServerProof(info)).toBeUndefined();
  });

  it('an OK whose info length runs past the packet has no info (and no proof)', () => {
    expect(parseOk(hex('0000000200000041014142')).info).toBeUndefined();
  });
});
