import { constants, createPublicKey, generateKeyPairSync, privateDecrypt, randomBytes, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cachingSha2Scramble, parseRsaPublicKey, rsaEncryptPassword } from '../src/protocol/auth/caching-sha2.js';
import { ed25519PublicKey, ed25519Sign } from '../src/protocol/auth/ed25519.js';
import { nativePasswordScramble } from '../src/protocol/auth/native.js';

const hex = (h: string): Buffer => Buffer.from(h, 'hex');
const pw = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('known-answer vectors (shared/protocol-notes.md)', () => {
  it('mysql_native_password', () => {
    expect(nativePasswordScramble(pw('secret'), hex('46725c5e01260b743f7217657e671a5f51111815')).toString('hex')).toBe(
      '35b18c9ffbbd7f356dfcac32d3c0f0a41a30cf2d',
    );
  });

  it('caching_sha2_password', () => {
    const nonce = hex('0a2f4a6f4b492230584c724a250d035052021715');
    expect(cachingSha2Scramble(pw('secret'), nonce).toString('hex')).toBe(
      'f490e76f66d9d86665ce54d98c78d0acfe2fb0b08b423da807144873d30b312c',
    );
    expect(cachingSha2Scramble(pw('secret2'), nonce).toString('hex')).toBe(
      'abc3934a012cf342e876071c8ee202de51785b430258a7a0138bc79c4d800bc6',
    );
  });

  it('client_ed25519 signature and stored public keys', () => {
    expect(ed25519Sign(pw('foobar'), Buffer.alloc(32, 0x41)).toString('hex')).toBe(
      'e83dc93f433f33355649ee23aa7592d61a1123090884f58d3063423a24e4305473febba858a2f93923554feea76a44753887ab2f140e854f0fe57ca0b0648a0e',
    );
    const stored = (s: string): string => ed25519PublicKey(pw(s)).toString('base64').replace(/=+$/, '');
    expect(stored('foo')).toBe('vubFBzIrapbfHct1/J72dnUryz5VS7lA6XHH8sIx4TI');
    expect(stored('foobar')).toBe('qv2mG6HWCuy32Slb5xhV4THStewNz2VINVPbgk+XAJ8');
  });

  it('empty passwords give empty scrambles', () => {
    expect(nativePasswordScramble(Buffer.alloc(0), Buffer.alloc(20, 1))).toHaveLength(0);
    expect(cachingSha2Scramble(Buffer.alloc(0), Buffer.alloc(20, 1))).toHaveLength(0);
  });
});

describe('client_ed25519 against node:crypto', () => {
  it('node:crypto verifies our signatures and refuses a flipped bit', () => {
    for (let i = 0; i < 5; i++) {
      const password = randomBytes(1 + i * 7);
      const message = randomBytes(32);
      const key = createPublicKey({
        key: { kty: 'OKP', crv: 'Ed25519', x: ed25519PublicKey(password).toString('base64url') },
        format: 'jwk',
      });
      const signature = ed25519Sign(password, message);
      expect(verify(null, message, key, signature)).toBe(true);
      signature[i]! ^= 0x01;
      expect(verify(null, message, key, signature)).toBe(false);
    }
  });
});

describe('caching_sha2_password RSA exchange', () => {
  it('encrypts (password ‖ 0) XOR the repeated nonce with OAEP/SHA-1', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const nonce = randomBytes(20);
    const password = pw('a-password-longer-than-the-twenty-byte-nonce');
    const key = parseRsaPublicKey(publicKey.export({ type: 'spki', format: 'pem' }));
    const encrypted = rsaEncryptPassword(password, nonce, key!)!;
    const plain = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      encrypted,
    );
    for (let i = 0; i < plain.length; i++) plain[i]! ^= nonce[i % nonce.length]!;
    expect(plain).toEqual(Buffer.concat([password, Buffer.from([0])]));
  });

  it('only RSA public keys are taken: garbage and an EC key are not', () => {
    expect(parseRsaPublicKey('not a key')).toBeUndefined();
    expect(parseRsaPublicKey(Buffer.alloc(0))).toBeUndefined();
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(parseRsaPublicKey(ec)).toBeUndefined();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expect(parseRsaPublicKey(rsa.export({ type: 'pkcs1', format: 'pem' }))?.asymmetricKeyType).toBe('rsa');
  });

  it('a key too small for the password gives nothing rather than an OpenSSL exception', () => {
    const key = parseRsaPublicKey(
      generateKeyPairSync('rsa', { modulusLength: 512 }).publicKey.export({ type: 'spki', format: 'pem' }),
    )!;
    // 64-byte modulus: OAEP/SHA-1 holds 22 bytes, the password and its 0x00 terminator.
    expect(rsaEncryptPassword(pw('x'.repeat(21)), randomBytes(20), key)).toHaveLength(64);
    expect(rsaEncryptPassword(pw('x'.repeat(22)), randomBytes(20), key)).toBeUndefined();
  });
});
