import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probe, type ProbeOptions, type ProbeResult } from '../src/index.js';
import type { SslMode } from '../src/probe/options.js';
import {
  clearTlsCaches,
  MAX_CONTEXTS,
  MAX_SESSIONS,
  saveSession,
  savedSession,
  secureContextFor,
  sessionKey,
  tlsCacheSizes,
} from '../src/probe/tls-context.js';
import { type FakeServer, galeraNode, type Script, SYNCED_NODE } from './support/fake-server.js';
import { serverPool } from './support/server-pool.js';

const pem = (name: string): Buffer => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));
const CA = pem('ca.pem');
const OTHER_CA = pem('other-ca.pem');

/**
 * Built once, before any spy is installed: the fake servers' own contexts must not count as
 * the probe's, and one context per server (its ticket keys) is what lets it resume sessions.
 */
const serverContext = (cert: string, key: string, maxVersion?: 'TLSv1.2'): SecureContext =>
  createSecureContext({ cert: pem(cert), key: pem(key), ...(maxVersion ? { maxVersion } : {}) });
const SERVER = serverContext('server-cert.pem', 'server-key.pem');
const SERVER_TLS12 = serverContext('server-cert.pem', 'server-key.pem', 'TLSv1.2');
const WRONG_HOST = serverContext('wronghost-cert.pem', 'wronghost-key.pem');

/** Calls of the native SecureContext methods that build contexts and fill their CA stores. */
type Counted = 'init' | 'addRootCerts' | 'addCACert';
const native = Object.getPrototypeOf(SERVER.context) as Record<Counted, (...args: unknown[]) => unknown>;
const calls: Record<Counted, number> = { init: 0, addRootCerts: 0, addCACert: 0 };
const originals = { init: native.init, addRootCerts: native.addRootCerts, addCACert: native.addCACert };

beforeEach(() => {
  clearTlsCaches();
  for (const name of Object.keys(originals) as Counted[]) {
    calls[name] = 0;
    const original = originals[name];
    native[name] = function (this: unknown, ...args: unknown[]) {
      calls[name]++;
      return original.apply(this, args);
    };
  }
});
afterEach(() => {
  Object.assign(native, originals);
  clearTlsCaches();
});

const serve = serverPool();

/** A TLS node that records, for each conversation that ended with COM_QUIT, whether its TLS session was resumed. */
async function tlsNode(secureContext: SecureContext): Promise<FakeServer & { resumed: boolean[] }> {
  const resumed: boolean[] = [];
  const node = galeraNode(SYNCED_NODE, { tls: { secureContext }, password: 'tls-secret' });
  const script: Script = async (conn) => {
    await node(conn);
    // Right after the node answered COM_QUIT: the TLS socket is still open.
    if (conn.quitReceived) resumed.push((conn.socket as TLSSocket).isSessionReused());
  };
  return Object.assign(await serve(script), { resumed });
}

function check(server: FakeServer, sslMode: SslMode, extra: ProbeOptions = {}): Promise<ProbeResult> {
  return probe({
    host: server.host,
    port: server.port,
    user: 'probe',
    password: 'tls-secret',
    timeout: 5000,
    sslMode,
    ...extra,
  });
}

describe('TLS: what repeated probes reuse', () => {
  it('PREFERRED and REQUIRED never load a root store (VERIFY_CA without --ssl-ca does, which shows the count works)', async () => {
    const server = await tlsNode(WRONG_HOST);
    expect(await check(server, 'PREFERRED')).toMatchObject({ healthy: true, node: { tls: true } });
    expect(await check(server, 'REQUIRED')).toMatchObject({ healthy: true, node: { tls: true } });
    // --ssl-ca is not read into the context of a mode that verifies nothing.
    expect(await check(server, 'REQUIRED', { sslCa: CA })).toMatchObject({ healthy: true });
    expect(calls).toMatchObject({ addRootCerts: 0, addCACert: 0 });
    expect(calls.init).toBeGreaterThan(0);

    // No CA in the default store vouches for it, and the server sends no proof after the login.
    const verified = await check(server, 'VERIFY_CA');
    expect(verified).toMatchObject({ outcome: 'protocol-error', phase: 'auth', error: { code: 'TLS_UNVERIFIED' } });
    expect(calls.addRootCerts).toBe(1);
  });

  it('VERIFY_CA with --ssl-ca trusts only that CA, not the default store', async () => {
    const server = await tlsNode(SERVER);
    expect(await check(server, 'VERIFY_CA', { sslCa: CA })).toMatchObject({ healthy: true });
    expect(calls).toMatchObject({ addRootCerts: 0, addCACert: 1 });
  });

  it('one secure context per set of TLS options, reused by every probe that has the same', async () => {
    const server = await tlsNode(SERVER);
    for (let i = 0; i < 3; i++) expect(await check(server, 'PREFERRED')).toMatchObject({ healthy: true });
    expect(calls.init).toBe(1);
    // The same options given again (a new Buffer with the same bytes), in another mode that verifies nothing.
    expect(
      await check(server, 'REQUIRED', { sslCert: pem('client-cert.pem'), sslKey: pem('client-key.pem') }),
    ).toMatchObject({ healthy: true });
    expect(
      await check(server, 'REQUIRED', { sslCert: pem('client-cert.pem'), sslKey: pem('client-key.pem') }),
    ).toMatchObject({ healthy: true });
    expect(calls.init).toBe(2);
    for (let i = 0; i < 2; i++)
      expect(await check(server, 'VERIFY_CA', { sslCa: CA })).toMatchObject({ healthy: true });
    for (let i = 0; i < 2; i++)
      expect(await check(server, 'VERIFY_IDENTITY', { sslCa: CA })).toMatchObject({ healthy: true });
    expect(calls.init).toBe(3);
    expect(tlsCacheSizes().contexts).toBe(3);
  });

  it.each([
    ['TLS 1.3', SERVER],
    ['TLS 1.2', SERVER_TLS12],
  ])('%s: the next probe of the same target resumes the session the server offered', async (_name, context) => {
    const server = await tlsNode(context);
    for (let i = 0; i < 4; i++)
      expect(await check(server, 'PREFERRED')).toMatchObject({ healthy: true, node: { tls: true } });
    expect(server.resumed).toEqual([false, true, true, true]);
  });

  it('a server that resumes nothing gets a full handshake every time, and healthy probes', async () => {
    // A new server context per connection: new ticket keys, so no session can be resumed.
    const resumed: boolean[] = [];
    const server = await serve(async (conn) => {
      await galeraNode(SYNCED_NODE, {
        tls: { secureContext: serverContext('server-cert.pem', 'server-key.pem') },
        password: 'tls-secret',
      })(conn);
      resumed.push((conn.socket as TLSSocket).isSessionReused());
    });
    for (let i = 0; i < 3; i++)
      expect(await check(server, 'REQUIRED')).toMatchObject({ healthy: true, node: { tls: true } });
    expect(resumed).toEqual([false, false, false]);
  });

  it('VERIFY_CA still refuses a wrong CA after sessions resumed with the right one', async () => {
    const server = await tlsNode(SERVER);
    expect(await check(server, 'VERIFY_CA', { sslCa: CA })).toMatchObject({ healthy: true });
    expect(await check(server, 'VERIFY_CA', { sslCa: CA })).toMatchObject({ healthy: true });
    const wrong = await check(server, 'VERIFY_CA', { sslCa: OTHER_CA });
    expect(wrong).toMatchObject({ outcome: 'protocol-error', phase: 'tls' });
    expect(wrong.reason).toMatch(/^TLS certificate verification failed: /);
    expect(server.resumed).toEqual([false, true]);
  });

  it('VERIFY_IDENTITY still checks the name after VERIFY_CA resumed sessions with the same CA', async () => {
    // Node.js does not repeat the name check on a resumed session: one must never be offered across modes.
    const server = await tlsNode(WRONG_HOST);
    expect(await check(server, 'VERIFY_CA', { sslCa: CA })).toMatchObject({ healthy: true });
    expect(await check(server, 'VERIFY_CA', { sslCa: CA })).toMatchObject({ healthy: true });
    const strict = await check(server, 'VERIFY_IDENTITY', { sslCa: CA });
    expect(strict).toMatchObject({
      outcome: 'protocol-error',
      phase: 'tls',
      error: { code: 'ERR_TLS_CERT_ALTNAME_INVALID' },
    });
    expect(server.resumed).toEqual([false, true]);
  });

  it('a session from a mode that verifies nothing is never offered to one that verifies', async () => {
    const server = await tlsNode(SERVER);
    expect(await check(server, 'REQUIRED')).toMatchObject({ healthy: true });
    expect(await check(server, 'VERIFY_CA', { sslCa: OTHER_CA })).toMatchObject({
      outcome: 'protocol-error',
      phase: 'tls',
    });
    expect(await check(server, 'VERIFY_CA', { sslCa: CA })).toMatchObject({ healthy: true });
    expect(server.resumed).toEqual([false, false]);
  });

  it('a failed verification keeps no session, so the next probe with the same options verifies in full', async () => {
    const server = await tlsNode(SERVER);
    for (let i = 0; i < 2; i++)
      expect(await check(server, 'VERIFY_CA', { sslCa: OTHER_CA })).toMatchObject({
        outcome: 'protocol-error',
        phase: 'tls',
      });
    expect(tlsCacheSizes().sessions).toBe(0);
  });

  it('a client key the context refuses fails the probe in phase tls, cached as nothing', async () => {
    const server = await tlsNode(SERVER);
    const result = await check(server, 'REQUIRED', {
      sslCert: pem('client-cert.pem'),
      sslKey: Buffer.from('not a PEM key'),
    });
    expect(result).toMatchObject({ healthy: false, outcome: 'protocol-error', phase: 'tls' });
    expect(result.timings.tls).toBeTypeOf('number');
    expect(tlsCacheSizes()).toEqual({ contexts: 0, sessions: 0 });
  });

  it('both caches are bounded, dropping the least recently used', () => {
    for (let i = 0; i < MAX_SESSIONS + 10; i++) saveSession(`slot ${i}`, Buffer.from([i & 0xff]));
    expect(tlsCacheSizes().sessions).toBe(MAX_SESSIONS);
    expect(savedSession('slot 0')).toBeUndefined();
    expect(savedSession(`slot ${MAX_SESSIONS + 9}`)).toBeDefined();

    const first = secureContextFor('VERIFY_CA', { ca: CA }).context;
    // Different bytes, the same CA: a trailing comment is outside the PEM block.
    for (let i = 0; i < MAX_CONTEXTS; i++)
      secureContextFor('VERIFY_CA', { ca: Buffer.concat([CA, Buffer.from(`# ${i}\n`)]) });
    expect(tlsCacheSizes().contexts).toBe(MAX_CONTEXTS);
    expect(secureContextFor('VERIFY_CA', { ca: CA }).context).not.toBe(first);
  });

  it('session slots differ by mode, context, endpoint and server name', () => {
    const base = sessionKey('VERIFY_CA', 'ctx', '127.0.0.1:3306', undefined);
    expect(
      new Set([
        base,
        sessionKey('VERIFY_IDENTITY', 'ctx', '127.0.0.1:3306', undefined),
        sessionKey('VERIFY_CA', 'other', '127.0.0.1:3306', undefined),
        sessionKey('VERIFY_CA', 'ctx', '127.0.0.1:3307', undefined),
        sessionKey('VERIFY_CA', 'ctx', '127.0.0.1:3306', 'db1'),
      ]).size,
    ).toBe(5);
  });
});
