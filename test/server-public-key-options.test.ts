/**
 * --get-server-public-key and --server-public-key as the operator sets them: on the command
 * line, in [client]/[galera-probe] of an option file, and in an exporter auth module
 * ([client.NAME]), each against a server that asks caching_sha2_password for full
 * authentication over plain TCP.
 */
import { constants, createPrivateKey, privateDecrypt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { exporterFrom } from '../src/cli/exporter-setup.js';
import { parseFileBoolean } from '../src/cli/option-file.js';
import { cachingSha2Scramble } from '../src/protocol/auth/caching-sha2.js';
import { galeraNode, SYNCED_NODE } from './support/fake-server.js';
import { runMain } from './support/run-main.js';
import { serverPool } from './support/server-pool.js';

const PASSWORD = 'full-auth-pw';
const fixture = (name: string): string => new URL(`../fixtures/tls/${name}`, import.meta.url).pathname;
const RSA_PRIVATE = createPrivateKey(readFileSync(fixture('rsa-private.pem')));
const serve = serverPool();
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** caching_sha2 full auth over plain TCP; records whether the client asked for the key. */
function fullAuthServer(asked: boolean[]) {
  return galeraNode(SYNCED_NODE, {
    plugin: 'caching_sha2_password',
    authenticate: async (conn, response, nonce) => {
      if (!response.authResponse.equals(cachingSha2Scramble(Buffer.from(PASSWORD), nonce))) return undefined;
      conn.send(Buffer.from([0x01, 0x04]), response.sequenceId + 1);
      let reply = await conn.readPacket();
      if (!reply) return undefined;
      const ask = reply.payload.equals(Buffer.from([0x02]));
      asked.push(ask);
      if (ask) {
        conn.send(Buffer.concat([Buffer.from([0x01]), readFileSync(fixture('rsa-public.pem'))]), reply.sequenceId + 1);
        reply = await conn.readPacket();
        if (!reply) return undefined;
      }
      const clear = privateDecrypt(
        { key: RSA_PRIVATE, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
        reply.payload,
      );
      for (let i = 0; i < clear.length; i++) clear[i]! ^= nonce[i % nonce.length]!;
      return clear.equals(Buffer.from(`${PASSWORD}\0`)) ? reply.sequenceId + 1 : undefined;
    },
  });
}

function cnf(text: string): string {
  dir = mkdtempSync(join(tmpdir(), 'gp-pubkey-'));
  const file = join(dir, 'my.cnf');
  writeFileSync(file, text);
  return file;
}

describe('the CLI', () => {
  it('by default fails in auth (exit 4), naming both options', async () => {
    cnf('');
    const asked: boolean[] = [];
    const server = await serve(fullAuthServer(asked));
    const r = await runMain(['--no-defaults', '-u', 'm', '--ssl-mode', 'DISABLED', server.target], {
      MYSQL_PWD: PASSWORD,
    });
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('--server-public-key FILE');
    expect(r.stdout).toContain('--get-server-public-key');
    expect(asked).toEqual([]);
  });

  it('--get-server-public-key asks the server for its key', async () => {
    cnf('');
    const asked: boolean[] = [];
    const server = await serve(fullAuthServer(asked));
    const r = await runMain(
      ['--no-defaults', '-u', 'm', '--ssl-mode', 'DISABLED', '--get-server-public-key', server.target],
      { MYSQL_PWD: PASSWORD },
    );
    expect([r.code, asked]).toEqual([0, [true]]);
  });

  it.each([
    ['[client]\nget-server-public-key\n', [true]],
    ['[client]\nget_server_public_key = ON\n', [true]],
    ['[galera-probe]\nloose-get-server-public-key=1\n', [true]],
    ['[client]\nget-server-public-key\n[galera-probe]\nget-server-public-key = 0\n', []],
    [`[client]\nserver-public-key = ${fixture('rsa-public.pem')}\n`, [false]],
  ])('an option file: %j', async (text, expected) => {
    const file = cnf(`${text}[client]\nuser = m\npassword = ${PASSWORD}\nssl-mode = DISABLED\n`);
    const asked: boolean[] = [];
    const server = await serve(fullAuthServer(asked));
    const r = await runMain(['--defaults-file', file, server.target]);
    expect([r.code, asked]).toEqual([expected.length === 0 ? 4 : 0, expected]);
  });

  it('a value that is not a boolean, or a key file that cannot be read, is a usage error (64) naming the key, not its value', async () => {
    const bad = cnf('[client]\nget-server-public-key = maybe\n');
    const r = await runMain(['--defaults-file', bad, '127.0.0.1:9']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('get-server-public-key');
    const missing = join(dir, 'missing.pem');
    writeFileSync(bad, `[client]\nserver-public-key = ${missing}\n`);
    expect((await runMain(['--defaults-file', bad, '127.0.0.1:9'])).code).toBe(64);
  });

  it.each([
    ['', true],
    ['1', true],
    ['TRUE', true],
    ['on', true],
    ['0', false],
    ['Off', false],
    ['false', false],
    ['yes', undefined],
    ['2', undefined],
  ])('parseFileBoolean(%j) is %s', (text, value) => {
    expect(parseFileBoolean(text)).toBe(value);
  });
});

describe('the exporter: [client.NAME] auth modules', () => {
  it('get-server-public-key and server-public-key in a module reach its probes', async () => {
    const file = cnf(
      [
        '[client]',
        'user = m',
        `password = ${PASSWORD}`,
        'ssl-mode = DISABLED',
        '[client.ask]',
        'get-server-public-key',
        '[client.pinned]',
        `server-public-key = ${fixture('rsa-public.pem')}`,
      ].join('\n'),
    );
    const asked: boolean[] = [];
    const server = await serve(fullAuthServer(asked));
    const setup = exporterFrom({
      values: { 'defaults-file': file, 'allow-target': [server.target] as unknown as string },
      base: { user: 'm', password: PASSWORD, sslMode: 'DISABLED' },
      env: {},
      timeoutMs: 3000,
      cacheMs: 0,
      maxAgeMs: 0,
    });
    const req = { headers: {} } as IncomingMessage;
    const success = async (query: string): Promise<string | undefined> =>
      /^probe_success(?:\{[^}]*\})? (\d)/m.exec((await setup.routes['/probe']!(req, query)).body)?.[1];
    expect(await success(`target=${server.target}`)).toBe('0');
    expect(await success(`target=${server.target}&auth_module=ask`)).toBe('1');
    expect(await success(`target=${server.target}&auth_module=pinned`)).toBe('1');
    expect(asked).toEqual([true, false]);
    setup.exporter.close?.();
  });
});
