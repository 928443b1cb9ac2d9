import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ipVersion } from '../src/probe/address.js';

describe('ipVersion', () => {
  it('agrees with net.isIP on addresses, host names and targets', () => {
    const inputs = [
      '127.0.0.1',
      '10.0.0.255',
      '256.1.1.1',
      '1.2.3',
      '::',
      '::1',
      '1::',
      'fe80::1',
      'fe80::1%eth0',
      '::ffff:127.0.0.1',
      '2001:db8:0:0:0:0:2:1',
      '2001:db8::2:1',
      ':::',
      '1:2',
      'db1',
      'db1.example.com',
      '127.0.0.1:3306',
      'db1:3306',
      '[::1]:3306',
      '',
      ':',
      'localhost',
    ];
    for (const text of inputs) expect([text, ipVersion(text)]).toEqual([text, isIP(text)]);
  });
});
