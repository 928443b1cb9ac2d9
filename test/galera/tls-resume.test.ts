/**
 * TLS session resumption against MariaDB for real: repeated library probes of a node offer it
 * the previous session, and it resumes them, with TLS 1.3 (what it negotiates by default) and
 * with TLS 1.2 alike; a verifying mode still refuses a CA that did not sign the node after
 * sessions were resumed with the right one.
 */
import { syncBuiltinESMExports } from 'node:module';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe, type ProbeOptions } from '../../src/index.js';
import { clearTlsCaches } from '../../src/probe/tls-context.js';
import { cluster, node, ROOT, waitAllSynced } from './support/cluster.js';

/** Each TLS handshake the probe made, as it ended: protocol and whether the session was resumed. */
const handshakes: { protocol: string | null; resumed: boolean }[] = [];
const originalConnect = tls.connect;
/**
 * When set, replaces the probe's secure context (versions belong to the context): one that
 * verifies nothing either but stops at TLS 1.2 (the node allows 1.2 and 1.3).
 */
let tls12: tls.SecureContext | undefined;

beforeAll(async () => {
  await waitAllSynced();
  // Watch the probe's tls.connect from outside: the ESM binding follows the patched export.
  (tls as { connect: typeof tls.connect }).connect = ((options: tls.ConnectionOptions) => {
    const socket = originalConnect(tls12 ? { ...options, secureContext: tls12 } : options);
    socket.once('secureConnect', () =>
      handshakes.push({ protocol: socket.getProtocol(), resumed: socket.isSessionReused() }),
    );
    return socket;
  }) as typeof tls.connect;
  syncBuiltinESMExports();
});

afterAll(() => {
  (tls as { connect: typeof tls.connect }).connect = originalConnect;
  syncBuiltinESMExports();
  clearTlsCaches();
});

async function probes(count: number, extra: ProbeOptions = {}): Promise<void> {
  const { user, password } = cluster().user.native;
  for (let i = 0; i < count; i++) {
    const r = await probe({ host: cluster().host, port: node(1).port, user, password, ...extra });
    expect(r, r.reason).toMatchObject({ healthy: true, node: { tls: true } });
  }
}

describe('TLS session resumption with MariaDB', () => {
  it.each([
    ['TLSv1.3', false],
    ['TLSv1.2', true],
  ])('%s: every probe after the first resumes the session of the one before', async (protocol, only12) => {
    clearTlsCaches();
    handshakes.length = 0;
    tls12 = only12 ? tls.createSecureContext({ ca: [], minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }) : undefined;
    try {
      await probes(5);
    } finally {
      tls12 = undefined;
    }
    expect(handshakes).toEqual([
      { protocol, resumed: false },
      ...Array.from({ length: 4 }, () => ({ protocol, resumed: true })),
    ]);
  });

  it('VERIFY_CA resumes with the cluster CA and still refuses another CA afterwards', async () => {
    clearTlsCaches();
    handshakes.length = 0;
    await probes(3, { sslMode: 'VERIFY_CA', sslCa: cluster().tls.ca });
    expect(handshakes.map((h) => h.resumed)).toEqual([false, true, true]);
    const { user, password } = cluster().user.native;
    const wrong = await probe({
      host: cluster().host,
      port: node(1).port,
      user,
      password,
      sslMode: 'VERIFY_CA',
      sslCa: `${ROOT}/fixtures/tls/other-ca.pem`,
    });
    expect(wrong).toMatchObject({ outcome: 'protocol-error', phase: 'tls' });
    expect(wrong.reason).toMatch(/^TLS certificate verification failed: /);
  });
});
