import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { probe, type ProbeOptions, type ProbeResult } from '../src/index.js';
import { Capability } from '../src/protocol/constants.js';
import { type FakeServer, galeraNode, SERVER_CAPS, SYNCED_NODE } from './support/fake-server.js';
import { serverPool } from './support/server-pool.js';
import { handleCounts, settle } from './support/resources.js';

const pem = (name: string): Buffer => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));
const SERVER_TLS = { key: pem('server-key.pem'), cert: pem('server-cert.pem') };
const WRONG_HOST_TLS = { key: pem('wronghost-key.pem'), cert: pem('wronghost-cert.pem') };
const CA_PATH = new URL('../fixtures/tls/ca.pem', import.meta.url).pathname;

const serve = serverPool();

async function probeClean(server: FakeServer, extra: ProbeOptions): Promise<ProbeResult> {
  const before = handleCounts();
  const result = await probe({
    host: server.host,
    port: server.port,
    user: 'probe',
    password: 'tls-secret',
    timeout: 5000,
    ...extra,
  });
  await server.allClosed();
  await settle();
  expect(handleCounts()['TCPSocketWrap'] ?? 0).toBeLessThanOrEqual(before['TCPSocketWrap'] ?? 0);
  expect(JSON.stringify(result)).not.toContain('tls-secret');
  return result;
}

describe('TLS', () => {
  it('PREFERRED upgrades when the server offers TLS, in its own phase', async () => {
    let secure: boolean | undefined;
    const server = await serve(
      galeraNode(SYNCED_NODE, { tls: SERVER_TLS, password: 'tls-secret', onHandshake: (_r, s) => (secure = s) }),
    );
    const result = await probeClean(server, {});
    expect(result).toMatchObject({ healthy: true, node: { tls: true } });
    expect(result.timings.tls).toBeTypeOf('number');
    expect(secure).toBe(true);
  });

  it('PREFERRED stays in plain text when the server offers no TLS', async () => {
    const server = await serve(galeraNode(SYNCED_NODE));
    const result = await probeClean(server, {});
    expect(result).toMatchObject({ healthy: true, node: { tls: false } });
    expect(result.timings.tls).toBeUndefined();
  });

  it('DISABLED never upgrades', async () => {
    const server = await serve(galeraNode(SYNCED_NODE, { tls: SERVER_TLS }));
    expect(await probeClean(server, { sslMode: 'DISABLED' })).toMatchObject({ healthy: true, node: { tls: false } });
  });

  it('REQUIRED against a server without TLS fails in phase tls and never falls back to plain text', async () => {
    let sawHandshake = false;
    const server = await serve(galeraNode(SYNCED_NODE, { onHandshake: () => (sawHandshake = true) }));
    const result = await probeClean(server, { sslMode: 'REQUIRED' });
    expect(result).toMatchObject({ outcome: 'protocol-error', phase: 'tls', error: { code: 'TLS_UNAVAILABLE' } });
    expect(result.reason).toContain('does not offer TLS');
    expect(sawHandshake).toBe(false);
  });

  it('REQUIRED does not verify the certificate', async () => {
    const server = await serve(galeraNode(SYNCED_NODE, { tls: WRONG_HOST_TLS }));
    expect(await probeClean(server, { sslMode: 'REQUIRED' })).toMatchObject({ healthy: true, node: { tls: true } });
  });

  it('VERIFY_CA accepts the right CA (as a path) and refuses another, naming the failure', async () => {
    const server = await serve(galeraNode(SYNCED_NODE, { tls: SERVER_TLS }));
    expect(await probeClean(server, { sslMode: 'VERIFY_CA', sslCa: CA_PATH })).toMatchObject({ healthy: true });
    const wrong = await probeClean(server, { sslMode: 'VERIFY_CA', sslCa: pem('other-ca.pem') });
    expect(wrong).toMatchObject({ outcome: 'protocol-error', phase: 'tls' });
    expect(wrong.reason).toMatch(/^TLS certificate verification failed: .*(unable to verify|self.signed|issuer)/i);
  });

  it('VERIFY_CA does not check the host name, VERIFY_IDENTITY does', async () => {
    const server = await serve(galeraNode(SYNCED_NODE, { tls: WRONG_HOST_TLS }));
    expect(await probeClean(server, { sslMode: 'VERIFY_CA', sslCa: CA_PATH })).toMatchObject({ healthy: true });
    const result = await probeClean(server, { sslMode: 'VERIFY_IDENTITY', sslCa: CA_PATH });
    expect(result).toMatchObject({
      outcome: 'protocol-error',
      phase: 'tls',
      error: { code: 'ERR_TLS_CERT_ALTNAME_INVALID' },
    });
    expect(result.reason).toContain("IP: 127.0.0.1 is not in the cert's list");
  });

  it('VERIFY_IDENTITY passes for a matching name and sends SNI with a host name', async () => {
    let servername: string | false | undefined;
    const server = await serve(
      galeraNode(SYNCED_NODE, {
        tls: { ...SERVER_TLS, SNICallback: (name, cb) => ((servername = name), cb(null, undefined)) },
      }),
    );
    expect(await probeClean(server, { sslMode: 'VERIFY_IDENTITY', sslCa: CA_PATH })).toMatchObject({ healthy: true });
    expect(await probeClean(server, { host: 'localhost', sslMode: 'VERIFY_IDENTITY', sslCa: CA_PATH })).toMatchObject({
      healthy: true,
    });
    expect(servername).toBe('localhost');
  });

  it('a client certificate is presented when the server asks for one', async () => {
    const server = await serve(
      galeraNode(SYNCED_NODE, {
        tls: { ...SERVER_TLS, requestCert: true, rejectUnauthorized: true, ca: pem('ca.pem') },
      }),
    );
    const result = await probeClean(server, {
      sslMode: 'VERIFY_CA',
      sslCa: CA_PATH,
      sslCert: pem('client-cert.pem'),
      sslKey: pem('client-key.pem'),
    });
    expect(result).toMatchObject({ healthy: true });
  });

  it('a server that stalls inside the TLS handshake times out in phase tls', async () => {
    const server = await serve(async (conn) => {
      conn.greeting({ capabilities: SERVER_CAPS | Capability.SSL });
      await conn.startTls(SERVER_TLS, false);
    });
    const result = await probeClean(server, { sslMode: 'REQUIRED', tlsTimeout: 300 });
    expect(result).toMatchObject({ outcome: 'timeout', phase: 'tls', error: { limitMs: 300 } });
    expect(result.timings.total).toBeGreaterThanOrEqual(300);
    expect(result.timings.total).toBeLessThan(550);
  });

  it('a server that speaks garbage instead of TLS is a protocol error in phase tls', async () => {
    const server = await serve(async (conn) => {
      conn.greeting({ capabilities: SERVER_CAPS | Capability.SSL });
      await conn.readHandshakeResponse();
      conn.write(Buffer.from('this is not a TLS server hello\r\n'.repeat(4)));
    });
    const result = await probeClean(server, { sslMode: 'REQUIRED' });
    expect(result).toMatchObject({ outcome: 'protocol-error', phase: 'tls' });
  });
});
