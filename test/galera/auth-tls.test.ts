/**
 * Logins the way deployments log in: MariaDB's ed25519 (many times over, as its nonces vary), TLS verified against the cluster's CA
 * (VERIFY_IDENTITY), a wrong CA, and the REQUIRE SSL user with and without TLS.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src/index.js';
import { cli, cluster, json, node, ROOT, waitAllSynced } from './support/cluster.js';

beforeAll(async () => {
  await waitAllSynced();
});

describe('client_ed25519', () => {
  it('logs in after the switch from mysql_native_password: healthy', async () => {
    const { user, password } = cluster().user.ed;
    const run = await cli(['-u', user, '--json', '--ssl-mode', 'DISABLED', node(1).target], { MYSQL_PWD: password });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(json(run)).toMatchObject({ healthy: true, node: { authPlugin: 'client_ed25519', tls: false } });
  });

  it('600 logins in a row all succeed, whatever bytes the nonces hold', async () => {
    // The server's nonce is 32 random bytes with no terminator; about one in 256 ends in 0x00.
    // A client that took that byte for a terminator signed 31 bytes and was denied that often.
    const { user, password } = cluster().user.ed;
    const base = { host: cluster().host, port: node(1).port, user, password, sslMode: 'DISABLED' as const };
    const denied: string[] = [];
    for (let round = 0; round < 75; round++) {
      const results = await Promise.all(Array.from({ length: 8 }, () => probe(base)));
      for (const r of results) if (!r.healthy) denied.push(r.reason);
    }
    expect(denied).toEqual([]);
  });

  it('a wrong ed25519 password is access denied, exit 4', async () => {
    const run = await cli(['-u', cluster().user.ed.user, '--json', node(1).target], { MYSQL_PWD: 'ed-pw-wrong' });
    expect(run.code, run.stdout + run.stderr).toBe(4);
    expect(json(run)).toMatchObject({ outcome: 'access-denied', phase: 'auth', error: { errno: 1045 } });
  });
});

describe('TLS', () => {
  it('VERIFY_IDENTITY against the cluster CA, by address and by name: healthy over TLS', async () => {
    const { user, password } = cluster().user.tls;
    for (const host of ['127.0.0.1', 'localhost']) {
      const run = await cli(
        [
          '-u',
          user,
          '--json',
          '--ssl-mode',
          'VERIFY_IDENTITY',
          '--ssl-ca',
          cluster().tls.ca,
          `${host}:${node(2).port}`,
        ],
        { MYSQL_PWD: password },
      );
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const result = json(run);
      expect(result).toMatchObject({ healthy: true, node: { tls: true } });
      expect((result['timings'] as Record<string, number>)['tls']).toBeGreaterThan(0);
    }
  });

  it('a client certificate is accepted (library, TLS material as paths)', async () => {
    const { user, password } = cluster().user.tls;
    const result = await probe({
      host: 'localhost',
      port: node(3).port,
      user,
      password,
      sslMode: 'VERIFY_IDENTITY',
      sslCa: cluster().tls.ca,
      sslCert: cluster().tls.clientCert,
      sslKey: cluster().tls.clientKey,
    });
    expect(result).toMatchObject({ healthy: true, node: { tls: true } });
  });

  it('a CA that did not sign the server certificate: protocol error in phase tls, exit 5', async () => {
    const otherCa = join(ROOT, 'fixtures', 'tls', 'other-ca.pem');
    const run = await cli(
      ['-u', cluster().user.tls.user, '--json', '--ssl-mode', 'VERIFY_CA', '--ssl-ca', otherCa, node(1).target],
      {
        MYSQL_PWD: cluster().user.tls.password,
      },
    );
    expect(run.code, run.stdout + run.stderr).toBe(5);
    const result = json(run);
    expect(result).toMatchObject({ healthy: false, outcome: 'protocol-error', phase: 'tls' });
    expect(String(result['reason'])).toMatch(/certificate/i);
  });

  it('the REQUIRE SSL user: healthy with REQUIRED, access denied (exit 4) with DISABLED', async () => {
    const { user, password } = cluster().user.tls;
    const required = await cli(['-u', user, '--json', '--ssl-mode', 'REQUIRED', node(1).target], {
      MYSQL_PWD: password,
    });
    expect(required.code, required.stdout + required.stderr).toBe(0);
    expect(json(required)).toMatchObject({ healthy: true, node: { tls: true } });

    const plain = await cli(['-u', user, '--json', '--ssl-mode', 'DISABLED', node(1).target], { MYSQL_PWD: password });
    expect(plain.code, plain.stdout + plain.stderr).toBe(4);
    expect(json(plain)).toMatchObject({
      healthy: false,
      outcome: 'access-denied',
      phase: 'auth',
      error: { errno: 1045 },
    });
  });

  it('PREFERRED (the default) negotiates TLS with a server that offers it', async () => {
    const run = await cli(['-u', cluster().user.native.user, '--json', node(1).target], {
      MYSQL_PWD: cluster().user.native.password,
    });
    expect(run.code).toBe(0);
    expect(json(run)).toMatchObject({ node: { tls: true } });
  });
});
