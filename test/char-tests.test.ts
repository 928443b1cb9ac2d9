// The character tests that replaced regular expressions on the path every check takes (V8
// compiles a regular expression on its first use: BENCHMARKS.md, section 13) must accept and
// refuse exactly what the expressions did. Each is run beside the expression it replaced, on
// chosen texts and on random ones drawn from an alphabet of the characters that matter.
import { describe, expect, it } from 'vitest';
import { ipVersion } from '../src/probe/address.js';
import { normalizeOptions } from '../src/probe/options.js';
import { parseTarget, TargetError, type Target } from '../src/probe/target.js';
import { statusDecimal, statusInteger } from '../src/probe/verdict.js';
import { parseServerProof } from '../src/protocol/auth/proof.js';
import { printable } from '../src/protocol/text.js';
import { rng } from './support/damage.js';

const random = rng(21);
const ALPHABET = [
  ...'0123456789',
  ...'-.eE:[]_/aAfFgzZ',
  ' ',
  '\t',
  '\n',
  '\v',
  '\u00a0',
  '\u2028',
  '\ufeff',
  '\u3000',
  '\u0085', // not a blank for \s nor for trim()
  '\u200b', // nor this
  '\u0000',
  '\u001f',
  '\u007f',
  '\u009f',
  '\u00a1',
  '…',
];
function randomText(maxLength: number): string {
  let s = '';
  const n = Math.floor(random() * (maxLength + 1));
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return s;
}
const digits = (n: number): string => '7'.repeat(n);
const texts = (chosen: string[], maxLength: number, count = 3000): string[] => [
  ...chosen,
  ...Array.from({ length: count }, () => randomText(maxLength)),
];

describe('status numbers, read by code', () => {
  const INTEGER = /^\s*-?\d{1,20}\s*$/;
  const DECIMAL = /^\s*-?\d{1,20}(\.\d{1,20})?(e-?\d{1,3})?\s*$/i;
  const chosen = [
    '',
    '0',
    '-0',
    '-',
    ' 12 ',
    '\u00a012\u2028',
    '12\u0085',
    digits(20),
    digits(21),
    `-${digits(20)}`,
    '1.5',
    '1.',
    '.5',
    '0.0125',
    '1e5',
    '1E-5',
    '1e',
    '1e-',
    '1e1234',
    '1e123',
    `1.${digits(20)}`,
    `1.${digits(21)}`,
    'NaN',
    '1 2',
    '+1',
  ];

  it.each([['integer'], ['decimal']])('%s: the same as the expression it replaced', (kind) => {
    for (const t of texts(chosen, 8)) {
      const expected =
        kind === 'integer'
          ? INTEGER.test(t)
            ? Number.parseInt(t, 10)
            : undefined
          : DECIMAL.test(t)
            ? Number.parseFloat(t)
            : undefined;
      expect(kind === 'integer' ? statusInteger(t) : statusDecimal(t), JSON.stringify(t)).toEqual(expected);
    }
    expect(statusInteger(undefined)).toBeUndefined();
    expect(statusDecimal(undefined)).toBeUndefined();
  });
});

describe('targets, read by code', () => {
  // parseTarget as it was, with its expressions.
  function before(text: string): Target {
    if (text.includes('/')) return { socketPath: text };
    const port = (p: string): number => {
      if (!/^\d{1,5}$/.test(p) || Number(p) < 1 || Number(p) > 65535) throw new TargetError('port');
      return Number(p);
    };
    const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
    if (bracketed) {
      if (ipVersion(bracketed[1]!) !== 6) throw new TargetError('v6');
      return bracketed[2] === undefined ? { host: bracketed[1]! } : { host: bracketed[1]!, port: port(bracketed[2]) };
    }
    if (ipVersion(text) === 6) return { host: text };
    const colon = text.lastIndexOf(':');
    const host = colon < 0 ? text : text.slice(0, colon);
    if (host === '' || !/^[A-Za-z0-9._-]+$/.test(host)) throw new TargetError('host');
    return colon < 0 ? { host } : { host, port: port(text.slice(colon + 1)) };
  }
  const outcome = (f: (t: string) => Target, t: string): Target | string => {
    try {
      return f(t);
    } catch (err) {
      return err instanceof TargetError ? 'refused' : `threw ${String(err)}`;
    }
  };
  const chosen = [
    '127.0.0.1:3306',
    'db-1.example_net',
    'db:0',
    'db:65535',
    'db:65536',
    'db:003306',
    'db:',
    ':3306',
    '[::1]:3306',
    '[::1]',
    '[::1]:',
    '[db]:3306',
    '::1',
    'db 1:3306',
    'dé:3306',
  ];

  it('accepts and refuses what the expressions did', () => {
    for (const t of texts(chosen, 12)) expect(outcome(parseTarget, t), JSON.stringify(t)).toEqual(outcome(before, t));
  });
});

describe('the host option, read by code', () => {
  const refused = (host: string): boolean => {
    try {
      normalizeOptions({ host, user: 'u' }, () => 'u');
      return false;
    } catch (err) {
      return err instanceof TypeError && /host/.test(err.message);
    }
  };

  it('refuses a blank or a slash as /[\\s/]/ did', () => {
    for (const t of texts(['db', 'd b', 'd/b', 'd\u0085b', 'd\u200bb', 'd\ufeffb', 'd\u3000b'], 6)) {
      if (t === '') continue;
      expect(refused(t), JSON.stringify(t)).toBe(/[\s/]/.test(t));
    }
  });
});

describe('the user name, counted only when it may be too long', () => {
  it('refuses a name over 256 bytes of UTF-8 as Buffer.byteLength alone did', () => {
    const refused = (user: string): boolean => {
      try {
        normalizeOptions({ user }, () => 'u');
        return false;
      } catch {
        return true;
      }
    };
    // One to four bytes a character, around the 85-unit shortcut and the 256-byte limit.
    const units = ['a', '\u00e9', '\u20ac', '\u{1f600}'];
    for (let n = 0; n < 3000; n++) {
      let user = '';
      const length = 60 + Math.floor(random() * 220);
      while (user.length < length) user += units[Math.floor(random() * units.length)]!;
      expect(refused(user), `${user.length} units, ${Buffer.byteLength(user)} bytes`).toBe(
        Buffer.byteLength(user) > 256,
      );
    }
    expect(refused('\u20ac'.repeat(85))).toBe(false); // 255 bytes
    expect(refused('\u20ac'.repeat(86))).toBe(true); // 258 bytes
  });
});

describe("the server's proof, read by code", () => {
  it('takes 64 hex digits after 0x01 and decodes them, as /^[0-9a-fA-F]{64}$/ and Buffer.from(hex) did', () => {
    const HEX64 = /^[0-9a-fA-F]{64}$/;
    const DIGITS = Buffer.from('0123456789abcdefABCDEF', 'latin1');
    const bytes = [
      0x30, 0x39, 0x41, 0x46, 0x61, 0x66, 0x2f, 0x3a, 0x40, 0x47, 0x60, 0x67, 0x10, 0x19, 0x21, 0x26, 0xc1,
    ];
    for (let n = 0; n < 3000; n++) {
      const info = Buffer.alloc(65);
      info[0] = 0x01;
      for (let i = 1; i < 65; i++) info[i] = DIGITS[Math.floor(random() * DIGITS.length)]!;
      // Most of them with one odd byte somewhere, a few untouched.
      if (n % 10 !== 0) info[1 + Math.floor(random() * 64)] = bytes[Math.floor(random() * bytes.length)]!;
      const hex = info.toString('latin1', 1);
      const expected = HEX64.test(hex) ? Buffer.from(hex, 'hex') : undefined;
      expect(parseServerProof(info), hex).toEqual(expected);
    }
  });
});

describe('printable text', () => {
  it('replaces control characters as the expression alone did', () => {
    // eslint-disable-next-line no-control-regex
    const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
    for (const t of texts(['', 'MariaDB 11.8.3', 'a\u0000b', '\u009f', '\u00a0'], 10)) {
      const clean = t.replace(CONTROL, '?');
      expect(printable(t, 5), JSON.stringify(t)).toBe(clean.length > 5 ? `${clean.slice(0, 5)}…` : clean);
    }
  });
});
