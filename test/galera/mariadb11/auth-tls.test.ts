/**
 * MariaDB 11.8 only (GP_MARIADB=11.8): parsec logins, and zero-configuration TLS verification
 * against the real server, attacked with a relay that terminates TLS with a certificate of its
 * own (test/support/relay.ts) between the probe and node 1.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe, type ProbeOptions, type SslMode } from '../../../src/index.js';
import { startRelay, type Relay } from '../../support/relay.js';
import { cli, cluster, json, node, ROOT, waitAllSynced } from '../support/cluster.js';

const pem = (name: string): Buffer => readFileSync(`${ROOT}/fixtures/tls/${name}`);
let relay: Relay;

function account(kind: 'NATIVE' | 'ED' | 'PARSEC'): { user: string; password: string } {
  const vars = cluster().vars;
  return { user: vars[`GP_USER_${kind}`]!, password: vars[`GP_PASSWORD_${kind}`]! };
}

beforeAll(async () => {
  await waitAllSynced();
  relay = await startRelay(
    { host: cluster().host, port: node(1).port },
    { key: pem('other-ca-key.pem'), cert: pem('other-ca.pem') },
  );
});

afterAll(async () => {
  await relay?.close();
});

describe('native, ed25519 and parsec with default options (PREFERRED, no CA): healthy, verified by the proof', () => {
  it.each([
    ['NATIVE', 'mysql_native_password'],
    ['ED', 'client_ed25519'],
    ['PARSEC', 'parsec'],
  ] as const)('%s', async (kind, plugin) => {
    const { user, password } = account(kind);
    const run = await cli(['-u', user, '--json', node(1).target], { MYSQL_PWD: password });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(json(run)).toMatchObject({
      healthy: true,
      node: { authPlugin: plugin, tls: true, serverVerification: 'fingerprint', clusterSize: 3 },
    });
  });
});

describe('one process probing again and again (serve, the exporter): resumed TLS sessions', () => {
  it.each(['PREFERRED', 'VERIFY_CA'] as const)(
    '%s: every probe healthy and verified by the proof, the resumed ones too',
    async (mode) => {
      const { user, password } = account('PARSEC');
      const results = [];
      for (let i = 0; i < 20; i++)
        results.push(
          await probe({ host: cluster().host, port: node(3).port, user, password, sslMode: mode, timeout: 5000 }),
        );
      expect(results.map((r) => `${r.outcome} ${r.node?.serverVerification}`)).toEqual(
        Array(20).fill('healthy fingerprint'),
      );
    },
  );
});

describe('parsec in every TLS mode', () => {
  const modes: [SslMode, boolean, string][] = [
    ['DISABLED', false, 'none'],
    ['PREFERRED', false, 'fingerprint'],
    ['REQUIRED', false, 'fingerprint'],
    ['VERIFY_CA', false, 'fingerprint'],
    ['VERIFY_IDENTITY', false, 'fingerprint'],
    ['VERIFY_CA', true, 'ca'],
    ['VERIFY_IDENTITY', true, 'ca'],
  ];
  it.each(modes)(
    '%s (--ssl-ca: %s): healthy, verified by %s; a wrong password is exit 4',
    async (mode, withCa, verified) => {
      const { user, password } = account('PARSEC');
      const args = [
        '-u',
        user,
        '--json',
        '--ssl-mode',
        mode,
        ...(withCa ? ['--ssl-ca', cluster().tls.ca] : []),
        node(2).target,
      ];
      const ok = await cli(args, { MYSQL_PWD: password });
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      expect(json(ok)).toMatchObject({ healthy: true, node: { authPlugin: 'parsec', serverVerification: verified } });
      const wrong = await cli(args, { MYSQL_PWD: `${password}-wrong` });
      expect(wrong.code, wrong.stdout + wrong.stderr).toBe(4);
      expect(json(wrong)).toMatchObject({ outcome: 'access-denied', phase: 'auth', error: { errno: 1045 } });
    },
  );
});

describe('a relay that terminates TLS with its own certificate, in front of node 1', () => {
  it.each(['NATIVE', 'ED', 'PARSEC'] as const)(
    '%s: refused (certificate-mismatch, exit 10) in PREFERRED, REQUIRED, VERIFY_CA; direct passes',
    async (kind) => {
      const { user, password } = account(kind);
      for (const mode of ['PREFERRED', 'REQUIRED', 'VERIFY_CA'] as const) {
        const through = await cli(['-u', user, '--json', '--ssl-mode', mode, `${relay.host}:${relay.port}`], {
          MYSQL_PWD: password,
        });
        expect([mode, through.code], through.stdout + through.stderr).toEqual([mode, 10]);
        expect(json(through)).toMatchObject({
          healthy: false,
          outcome: 'certificate-mismatch',
          phase: 'auth',
          error: { code: 'TLS_PROOF_MISMATCH' },
        });
        const direct = await cli(['-u', user, '--json', '--ssl-mode', mode, node(1).target], { MYSQL_PWD: password });
        expect([mode, direct.code], direct.stdout + direct.stderr).toEqual([mode, 0]);
      }
      // The relay read every login in clear: none held the password.
      expect(Buffer.concat(relay.fromClients).includes(Buffer.from(password))).toBe(false);
    },
  );

  it('VERIFY_CA with the cluster CA: refused in the TLS handshake; the library never reports healthy through it', async () => {
    const { user, password } = account('NATIVE');
    const base: ProbeOptions = { host: relay.host, port: relay.port, user, password, timeout: 5000 };
    expect(await probe({ ...base, sslMode: 'VERIFY_CA', sslCa: cluster().tls.ca })).toMatchObject({
      outcome: 'protocol-error',
      phase: 'tls',
    });
    const results = await Promise.all(Array.from({ length: 10 }, () => probe(base)));
    expect(results.map((r) => r.outcome)).toEqual(Array(10).fill('certificate-mismatch'));
  });

  it('DISABLED through the relay is plain TCP relayed as is: healthy, verified by none', async () => {
    const { user, password } = account('NATIVE');
    const run = await cli(['-u', user, '--json', '--ssl-mode', 'DISABLED', `${relay.host}:${relay.port}`], {
      MYSQL_PWD: password,
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(json(run)).toMatchObject({ node: { tls: false, serverVerification: 'none' } });
  });
});
