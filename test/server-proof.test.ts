/**
 * MariaDB 11.4+'s zero-configuration verification, attacked: a relay that terminates TLS with a
 * certificate of its own sits between the probe and a server that sends its proof after the
 * login. Through the relay the proof cannot match the certificate the probe saw; directly it
 * does.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { probe, type ProbeOptions, type SslMode } from '../src/index.js';
import { createSecureContext, type TLSSocket } from 'node:tls';
import { EXIT_CODES } from '../src/probe/exit-codes.js';
import { clearTlsCaches, tlsCacheSizes } from '../src/probe/tls-context.js';
import { type FakeServer, galeraNode, type NodeScriptOptions, SYNCED_NODE } from './support/fake-server.js';
import { type Relay, startRelay } from './support/relay.js';
import { probeLeavingNothing } from './support/resources.js';
import { runMain } from './support/run-main.js';
import { serverPool } from './support/server-pool.js';

const PASSWORD = 'proof-secret';
const pem = (name: string): Buffer => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));
const SERVER_TLS = { key: pem('server-key.pem'), cert: pem('server-cert.pem') };
/** The relay's own certificate: self-signed, from no CA the probe knows. */
const RELAY_TLS = { key: pem('other-ca-key.pem'), cert: pem('other-ca.pem') };
const CA = pem('ca.pem');
const sha1 = (b: Buffer): Buffer => createHash('sha1').update(b).digest();
const NATIVE_HASH = sha1(sha1(Buffer.from(PASSWORD)));

const serve = serverPool();
let relays: Relay[] = [];
afterEach(async () => {
  await Promise.all(relays.map((r) => r.close()));
  relays = [];
});

async function relayTo(server: FakeServer): Promise<Relay> {
  const relay = await startRelay(server, RELAY_TLS);
  relays.push(relay);
  return relay;
}

function node(o: NodeScriptOptions = {}): Promise<FakeServer> {
  return serve(galeraNode(SYNCED_NODE, { tls: SERVER_TLS, password: PASSWORD, proofHash: NATIVE_HASH, ...o }));
}

const opts = (to: { host: string; port: number }, sslMode: SslMode, extra: ProbeOptions = {}): ProbeOptions => ({
  host: to.host,
  port: to.port,
  user: 'probe',
  password: PASSWORD,
  timeout: 5000,
  sslMode,
  ...extra,
});

describe('a server that proves itself (MariaDB 11.4+)', () => {
  it.each(['PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const)(
    'directly, %s without --ssl-ca: healthy, verified by fingerprint',
    async (mode) => {
      const server = await node();
      const result = await probeLeavingNothing(server, opts(server, mode), PASSWORD);
      expect(result).toMatchObject({ outcome: 'healthy', node: { tls: true, serverVerification: 'fingerprint' } });
    },
  );

  it('directly, VERIFY_CA with --ssl-ca: verified by the CA (the proof is not needed)', async () => {
    const server = await node();
    expect(await probe(opts(server, 'VERIFY_CA', { sslCa: CA }))).toMatchObject({
      outcome: 'healthy',
      node: { serverVerification: 'ca' },
    });
  });

  it.each(['PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const)(
    'through a TLS-terminating relay, %s: certificate-mismatch in auth, never healthy',
    async (mode) => {
      const server = await node();
      const relay = await relayTo(server);
      const result = await probeLeavingNothing(server, opts(relay, mode), PASSWORD);
      expect(relay.tlsSessions).toBe(1);
      expect(result).toMatchObject({
        healthy: false,
        outcome: 'certificate-mismatch',
        phase: 'auth',
        error: { code: 'TLS_PROOF_MISMATCH' },
      });
      expect(result.reason).toMatch(/does not match the TLS certificate seen: something in between terminated TLS/);
      // The relay read the login in clear: a scramble, never the password.
      expect(Buffer.concat(relay.fromClients).includes(Buffer.from(PASSWORD))).toBe(false);
    },
  );

  it('through the relay, VERIFY_CA with --ssl-ca: refused in the TLS handshake, as before', async () => {
    const server = await node();
    const relay = await relayTo(server);
    expect(await probe(opts(relay, 'VERIFY_CA', { sslCa: CA }))).toMatchObject({
      outcome: 'protocol-error',
      phase: 'tls',
    });
  });

  it('the CLI exits 10 through the relay, 0 directly; --json and -v say how the server was verified', async () => {
    const server = await node();
    const relay = await relayTo(server);
    const env = { MYSQL_PWD: PASSWORD };
    const through = await runMain(['--no-defaults', '-u', 'probe', '--json', `127.0.0.1:${relay.port}`], env);
    expect(through.code).toBe(EXIT_CODES['certificate-mismatch']);
    expect(through.code).toBe(10);
    expect(JSON.parse(through.stdout)).toMatchObject({ outcome: 'certificate-mismatch' });
    const direct = await runMain(['--no-defaults', '-u', 'probe', '-v', '--json', server.target], env);
    expect(direct.code).toBe(0);
    expect(JSON.parse(direct.stdout)).toMatchObject({ node: { serverVerification: 'fingerprint' } });
    expect(direct.stderr).toMatch(/auth end: server verified: fingerprint/);
    const human = await runMain(['--no-defaults', '-u', 'probe', `127.0.0.1:${relay.port}`], env);
    expect(human.stdout).toMatch(/certificate-mismatch in auth: /);
  });

  it('resumed TLS sessions (which show no certificate) are checked against the certificate saved with the session', async () => {
    const secureContext = createSecureContext(SERVER_TLS);
    const resumed: boolean[] = [];
    const script = galeraNode(SYNCED_NODE, {
      tls: { secureContext, cert: SERVER_TLS.cert },
      password: PASSWORD,
      proofHash: NATIVE_HASH,
    });
    const server = await serve(async (conn) => {
      await script(conn);
      if (conn.quitReceived) resumed.push((conn.socket as TLSSocket).isSessionReused());
    });
    clearTlsCaches();
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await probe(opts(server, 'VERIFY_CA')));
    expect(results.map((r) => [r.outcome, r.node?.serverVerification])).toEqual(
      Array(4).fill(['healthy', 'fingerprint']),
    );
    expect(resumed.slice(1)).toEqual([true, true, true]);
  });

  it('a session made through the relay, offered to the relay again, is still refused; a mismatch drops it', async () => {
    const server = await node();
    const relay = await relayTo(server);
    clearTlsCaches();
    for (let i = 0; i < 3; i++) expect((await probe(opts(relay, 'PREFERRED'))).outcome).toBe('certificate-mismatch');
    expect(tlsCacheSizes().sessions).toBe(0);
  });

  it('over plain TCP (DISABLED) a proof means nothing: none', async () => {
    const server = await node();
    expect(await probe(opts(server, 'DISABLED'))).toMatchObject({
      outcome: 'healthy',
      node: { tls: false, serverVerification: 'none' },
    });
  });
});

describe('a server that sends no proof (MariaDB 10.x, MySQL, plugins without one)', () => {
  it.each(['PREFERRED', 'REQUIRED'] as const)(
    '%s: as before, healthy and verified by none, directly and through the relay',
    async (mode) => {
      const server = await node({ proofHash: undefined });
      expect(await probe(opts(server, mode))).toMatchObject({
        outcome: 'healthy',
        node: { serverVerification: 'none' },
      });
      const relay = await relayTo(server);
      expect(await probe(opts(relay, mode))).toMatchObject({
        outcome: 'healthy',
        node: { serverVerification: 'none' },
      });
    },
  );

  it.each(['VERIFY_CA', 'VERIFY_IDENTITY'] as const)(
    '%s without --ssl-ca: refused after the login, before any query',
    async (mode) => {
      const server = await serve(galeraNode(SYNCED_NODE, { tls: SERVER_TLS, password: PASSWORD }));
      const result = await probeLeavingNothing(server, opts(server, mode), PASSWORD);
      expect(result).toMatchObject({
        healthy: false,
        outcome: 'protocol-error',
        phase: 'auth',
        error: { code: 'TLS_UNVERIFIED' },
      });
      expect(result.reason).toMatch(
        /^--ssl-mode VERIFY_(CA|IDENTITY): no CA verified the certificate \(.+\) and the server sent no proof of it after the login; give the CA with --ssl-ca$/,
      );
      expect(result.timings.query).toBeUndefined();
      expect(server.connections[0]!.quitReceived).toBe(false);
    },
  );

  it('an empty password proves nothing (anyone can compute its hash): VERIFY_CA without --ssl-ca is refused', async () => {
    const server = await serve(galeraNode(SYNCED_NODE, { tls: SERVER_TLS, proofHash: sha1(sha1(Buffer.alloc(0))) }));
    expect(await probe(opts(server, 'VERIFY_CA', { password: '' }))).toMatchObject({
      outcome: 'protocol-error',
      error: { code: 'TLS_UNVERIFIED' },
    });
  });
});

describe('the outcome list', () => {
  it('OUTCOMES holds every outcome that has an exit code, certificate-mismatch (10) included', async () => {
    const { OUTCOMES } = await import('../src/index.js');
    expect([...OUTCOMES].sort()).toEqual(
      Object.keys(EXIT_CODES)
        .filter((k) => k !== 'usage')
        .sort(),
    );
    expect(EXIT_CODES['certificate-mismatch']).toBe(10);
  });
});
