/**
 * `--web-config`: bcrypt against public known-answer vectors, the YAML subset, the web config
 * file's rules, and an HTTPS endpoint with basic auth and each client certificate policy.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecureVersion } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { webFrom } from '../src/cli/web-setup.js';
import { createHealthServer, HealthCheck, shutdownHealthServer } from '../src/serve/health/index.js';
import {
  BasicAuth,
  bcryptHash,
  bcryptVerify,
  parseBcryptHash,
  parseWebConfig,
  parseYaml,
  WebConfigError,
  YamlError,
} from '../src/serve/web/index.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tls');
const fixture = (name: string): string => join(FIXTURES, name);

/** Public bcrypt test vectors (OpenBSD's and jBCrypt's suites, as other implementations repeat them). */
const VECTORS: [string, string][] = [
  ['', '$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.'],
  ['a', '$2a$06$m0CrhHm10qJ3lXRY.5zDGO3rS2KdeeWLuGmsfGlMfOxih58VYVfxe'],
  ['abc', '$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i'],
  ['abcdefghijklmnopqrstuvwxyz', '$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC'],
  ['~!@#$%^&*()      ~!@#$%^&*()PNBFRD', '$2a$06$fPIsBO8qRqkjj273rfaOI.HtSV9jLDpTbZn782DC6/t7qT67P6FfO'],
  ['a', '$2a$08$cfcvVd2aQ8CMvoMpP2EBfeodLEkkFJ9umNEfPD18.hUF62qqlC/V.'],
  ['abc', '$2a$08$Ro0CUfOqk6cXEKf3dyaM7OhSCvnwM9s4wIX9JeLapehKK5YdLxKcm'],
];

describe('bcrypt', () => {
  it('reproduces the public known-answer vectors, and refuses other passwords', () => {
    for (const [password, hash] of VECTORS) {
      const parsed = parseBcryptHash(hash)!;
      expect(parsed, hash).toBeDefined();
      expect(bcryptHash(password, parsed.salt, parsed.cost, '2a')).toBe(hash);
      expect(bcryptVerify(password, parsed)).toBe(true);
      expect(bcryptVerify(`${password}x`, parsed)).toBe(false);
    }
  });

  it('$2b$ and $2y$ are the same function for these passwords', () => {
    for (const variant of ['2b', '2y']) {
      const hash = VECTORS[2]![1].replace('$2a$', `$${variant}$`);
      expect(bcryptVerify('abc', parseBcryptHash(hash)!)).toBe(true);
    }
  });

  it('passwords are cut at 72 bytes, as bcrypt does', () => {
    const salt = Buffer.alloc(16, 7);
    const long = 'p'.repeat(72);
    expect(bcryptHash(`${long}tail`, salt, 4)).toBe(bcryptHash(long, salt, 4));
    expect(bcryptHash('p'.repeat(71), salt, 4)).not.toBe(bcryptHash(long, salt, 4));
  });

  it('refuses what is not a bcrypt hash', () => {
    const good = VECTORS[1]![1];
    for (const bad of [
      '',
      good.slice(0, -1),
      `${good}x`,
      good.replace('$2a$', '$2x$'),
      good.replace('$06$', '$03$'),
      good.replace('$06$', '$31$'),
      good.replace('m0Cr', 'm0C!'),
      '$1$abc$def',
      'plain-password',
    ]) {
      expect(parseBcryptHash(bad), bad).toBeUndefined();
    }
  });
});

describe('the YAML subset', () => {
  it('nested mappings, quoted and plain scalars, comments, a leading ---', () => {
    const doc = parseYaml(
      [
        '---',
        '# comment',
        'a:',
        '  b: plain value # trailing',
        "  'c d': 'it''s'",
        '  e:',
        '    f: "x\\"y\\u0041"',
        'g:',
        'h: $2y$10$abc#notacomment',
        '',
      ].join('\n'),
      'f.yml',
    );
    const a = doc.entries.get('a')!.value as ReturnType<typeof parseYaml>;
    expect(a.entries.get('b')!.value).toBe('plain value');
    expect(a.entries.get('c d')!.value).toBe("it's");
    expect((a.entries.get('e')!.value as ReturnType<typeof parseYaml>).entries.get('f')).toEqual({
      value: 'x"yA',
      line: 7,
    });
    expect(doc.entries.get('g')!.value).toBeNull();
    expect(doc.entries.get('h')!.value).toBe('$2y$10$abc#notacomment');
  });

  it('refuses what it does not understand, with the file and line', () => {
    const cases: [string, RegExp][] = [
      ['a:\n\tb: 1', /^f:2: tabs/],
      ['a:\n  - x', /^f:2: sequences/],
      ['a: [1, 2]', /^f:1: only plain or quoted/],
      ['a: {b: 1}', /^f:1: only plain or quoted/],
      ['a: &x 1', /^f:1: only plain or quoted/],
      ['a: !!str 1', /^f:1: only plain or quoted/],
      ['a: |\n  text', /^f:1: only plain or quoted/],
      ['a: 1\na: 2', /^f:2: duplicate key/],
      ['a:\n    b: 1\n  c: 2', /^f:3: indentation/],
      ['  a: 1', /^f:1: indentation/],
      ['a: "open', /^f:1: unterminated/],
      ["a: 'x' y", /^f:1: text after/],
      ['a: b: c', /^f:1: a plain value may not/],
      ['a 1', /^f:1: expected "key: value"/],
      ['---\na: 1\n---\nb: 2', /^f:3: only one YAML document/],
    ];
    for (const [text, error] of cases) {
      expect(() => parseYaml(text, 'f'), text).toThrow(YamlError);
      expect(() => parseYaml(text, 'f'), text).toThrow(error);
    }
  });
});

const USER_HASH = bcryptHash('scrape-pw', Buffer.alloc(16, 3), 4, '2y');

describe('the web config file', () => {
  it('reads tls_server_config and basic_auth_users, paths relative to the file', () => {
    const c = parseWebConfig(
      [
        'tls_server_config:',
        '  cert_file: server-cert.pem',
        '  key_file: "server-key.pem"',
        '  client_ca_file: ca.pem',
        '  client_auth_type: RequireAndVerifyClientCert',
        '  min_version: TLS13',
        'basic_auth_users:',
        `  prometheus: ${USER_HASH}`,
        `  "ops@example": '${USER_HASH}'`,
      ].join('\n'),
      join(FIXTURES, 'web.yml'),
    );
    expect(c.tls).toEqual({
      certFile: fixture('server-cert.pem'),
      keyFile: fixture('server-key.pem'),
      clientCaFile: fixture('ca.pem'),
      clientAuthType: 'RequireAndVerifyClientCert',
      minVersion: 'TLSv1.3',
      lines: { cert: 2, key: 3, ca: 4 },
    });
    expect([...c.users.keys()]).toEqual(['prometheus', 'ops@example']);
  });

  it('refuses unknown keys, missing files and inconsistent settings with the line, never the hash', () => {
    const cases: [string, RegExp][] = [
      ['http_server_config:\n  http2: false', /^w:1: http_server_config is not supported/],
      [
        'tls_server_config:\n  cert_file: a\n  cipher_suites: x',
        /^w:3: tls_server_config: cipher_suites is not supported/,
      ],
      ['tls_server_config:\n  cert_file: a', /^w:1: .*cert_file and key_file are both required/],
      [
        'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert',
        /^w:4: client_auth_type RequireAndVerifyClientCert needs client_ca_file/,
      ],
      [
        'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Sometimes',
        /^w:4: client_auth_type: expected one of/,
      ],
      ['tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: SSL3', /^w:4: min_version: expected TLS10/],
      [
        'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c',
        /client_ca_file is set but client_auth_type asks for no client certificate/,
      ],
      ['basic_auth_users:\n  u: not-a-hash-s3cret', /^w:2: basic_auth_users: the hash of a user is not a bcrypt hash/],
      ['basic_auth_users: x', /^w:1: basic_auth_users: expected a mapping/],
    ];
    for (const [text, error] of cases) {
      expect(() => parseWebConfig(text, 'w'), text).toThrow(WebConfigError);
      expect(() => parseWebConfig(text, 'w'), text).toThrow(error);
    }
    try {
      parseWebConfig('basic_auth_users:\n  u: not-a-hash-s3cret', 'w');
    } catch (err) {
      expect((err as Error).message).not.toContain('s3cret');
    }
  });

  it('serve with a bad web config is a usage error naming the file and line (exit 64)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-web-'));
    try {
      const file = join(dir, 'web.yml');
      writeFileSync(file, 'basic_auth_users:\n  u: [1]\n');
      let stderr = '';
      const code = await main(
        ['serve', '--no-defaults', '--listen', '127.0.0.1:0', '--web-config', file, '127.0.0.1:3306'],
        { env: {}, stdout: () => {}, stderr: (t) => (stderr += t) },
      );
      expect(code).toBe(64);
      expect(stderr).toContain(`${file}:2: only plain or quoted scalars`);
      writeFileSync(file, 'tls_server_config:\n  cert_file: missing.pem\n  key_file: missing-key.pem\n');
      stderr = '';
      expect(
        await main(['serve', '--no-defaults', '--web-config', file, '127.0.0.1:3306'], {
          env: {},
          stdout: () => {},
          stderr: (t) => (stderr += t),
        }),
      ).toBe(64);
      expect(stderr).toContain(`cert_file ${join(dir, 'missing.pem')}: cannot read (ENOENT)`);
      expect(
        await main(['serve', '--no-defaults', '--web-config-all', '127.0.0.1:3306'], {
          env: {},
          stdout: () => {},
          stderr: () => {},
        }),
      ).toBe(64);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('BasicAuth: right, wrong and unknown users; a verdict is remembered; fresh guesses are throttled per client', async () => {
    const auth = new BasicAuth(new Map([['prometheus', parseBcryptHash(USER_HASH)!]]), { perClientPerSecond: 3 });
    const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    expect(await auth.check(basic('prometheus', 'scrape-pw'), '192.0.2.1')).toBe('ok');
    expect(await auth.check(basic('prometheus', 'wrong'), '192.0.2.1')).toBe('denied');
    expect(await auth.check(basic('nobody', 'scrape-pw'), '192.0.2.1')).toBe('denied');
    // Three fresh verifications this second from 192.0.2.1: its fourth guess waits; another client's does not.
    expect(await auth.check(basic('prometheus', 'guess'), '192.0.2.1')).toBe('busy');
    expect(await auth.check(basic('prometheus', 'guess'), '192.0.2.2')).toBe('denied');
    // Remembered verdicts answer at once, without a promise.
    expect(auth.check(basic('prometheus', 'scrape-pw'), '192.0.2.1')).toBe('ok');
    expect(auth.check(basic('prometheus', 'wrong'), '192.0.2.1')).toBe('denied');
    for (const bad of [
      undefined,
      '',
      'Bearer x',
      'Basic',
      'Basic !!!',
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
    ])
      expect(auth.check(bad, '192.0.2.3'), String(bad)).toBe('denied');
    await auth.close();
  });
});

interface HttpsReply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

function getTls(
  port: number,
  path: string,
  o: { auth?: string; cert?: string; key?: string; maxVersion?: SecureVersion } = {},
): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        agent: false,
        ca: [readFixture('ca.pem')],
        ...(o.cert ? { cert: readFixture(o.cert), key: readFixture(o.key!) } : {}),
        ...(o.maxVersion ? { maxVersion: o.maxVersion } : {}),
        headers: o.auth ? { Authorization: `Basic ${Buffer.from(o.auth).toString('base64')}` } : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const readFixture = (name: string): Buffer => readFileSync(fixture(name));

describe('an HTTPS endpoint from a web config', () => {
  let open: { server: Server; check: HealthCheck }[] = [];
  let dirs: string[] = [];
  afterEach(async () => {
    for (const { server, check } of open) await shutdownHealthServer(server, check, 2000);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    open = [];
    dirs = [];
  });

  async function start(yaml: string, all = false): Promise<number> {
    const dir = mkdtempSync(join(tmpdir(), 'gp-web-'));
    dirs.push(dir);
    const file = join(dir, 'web.yml');
    writeFileSync(file, yaml.replaceAll('FIXTURES', FIXTURES));
    const web = webFrom({ 'web-config': file, 'web-config-all': all })!;
    const check = new HealthCheck({
      probe: async () => ({
        target: 'x:1',
        healthy: true,
        outcome: 'healthy',
        reason: 'synced',
        timings: { total: 1 },
      }),
      cacheMs: 1000,
      maxAgeMs: 2000,
      waitMs: 1000,
    });
    const server = createHealthServer(check, {
      ...web.server,
      routes: { '/probe': () => ({ status: 200, contentType: 'text/plain', body: 'probe_success 1\n' }) },
    });
    web.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    open.push({ server, check });
    return (server.address() as { port: number }).port;
  }

  const TLS = 'tls_server_config:\n  cert_file: FIXTURES/server-cert.pem\n  key_file: FIXTURES/server-key.pem\n';
  const USERS = `basic_auth_users:\n  prometheus: '${USER_HASH}'\n`;

  it('basic auth guards /probe and /metrics; /health stays open; good, wrong and no credentials', async () => {
    const port = await start(TLS + USERS);
    const none = await getTls(port, '/probe?target=x:1');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic realm="galera-probe"/);
    expect((await getTls(port, '/metrics')).status).toBe(401);
    expect((await getTls(port, '/probe?target=x:1', { auth: 'prometheus:wrong' })).status).toBe(401);
    expect((await getTls(port, '/probe?target=x:1', { auth: 'nobody:scrape-pw' })).status).toBe(401);
    expect(await getTls(port, '/probe?target=x:1', { auth: 'prometheus:scrape-pw' })).toMatchObject({
      status: 200,
      body: 'probe_success 1\n',
    });
    expect((await getTls(port, '/metrics', { auth: 'prometheus:scrape-pw' })).status).toBe(200);
    expect(await getTls(port, '/health')).toMatchObject({ status: 200, body: 'synced\n' });
    expect((await getTls(port, '/nothing')).status).toBe(404);
  });

  it('--web-config-all guards the load-balancer paths too', async () => {
    const port = await start(TLS + USERS, true);
    expect((await getTls(port, '/health')).status).toBe(401);
    expect((await getTls(port, '/live', { auth: 'prometheus:scrape-pw' })).status).toBe(200);
  });

  it('RequireAndVerifyClientCert: no certificate or one from another CA fails the handshake; ours passes', async () => {
    const port = await start(
      `${TLS}  client_ca_file: FIXTURES/ca.pem\n  client_auth_type: RequireAndVerifyClientCert\n`,
    );
    await expect(getTls(port, '/health')).rejects.toThrow();
    expect((await getTls(port, '/health', { cert: 'client-cert.pem', key: 'client-key.pem' })).status).toBe(200);
    const other = await start(
      `${TLS}  client_ca_file: FIXTURES/other-ca.pem\n  client_auth_type: RequireAndVerifyClientCert\n`,
    );
    await expect(getTls(other, '/health', { cert: 'client-cert.pem', key: 'client-key.pem' })).rejects.toThrow();
  });

  it('RequireAnyClientCert needs some certificate; VerifyClientCertIfGiven refuses one that does not verify', async () => {
    const any = await start(`${TLS}  client_auth_type: RequireAnyClientCert\n`);
    await expect(getTls(any, '/health')).rejects.toThrow();
    expect((await getTls(any, '/health', { cert: 'client-cert.pem', key: 'client-key.pem' })).status).toBe(200);
    const ifGiven = await start(
      `${TLS}  client_ca_file: FIXTURES/other-ca.pem\n  client_auth_type: VerifyClientCertIfGiven\n`,
    );
    expect((await getTls(ifGiven, '/health')).status).toBe(200);
    await expect(getTls(ifGiven, '/health', { cert: 'client-cert.pem', key: 'client-key.pem' })).rejects.toThrow();
  });

  it('min_version TLS13 refuses a TLS 1.2 client', async () => {
    const port = await start(`${TLS}  min_version: TLS13\n`);
    await expect(getTls(port, '/health', { maxVersion: 'TLSv1.2' })).rejects.toThrow();
    expect((await getTls(port, '/health')).status).toBe(200);
  });
});
