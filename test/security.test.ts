/**
 * Issue 19: `serve` and the exporter under attack. Each test is named after the attack and
 * does it: against a `serve` process started through the CLI (bin/galera-probe), over HTTP(S)
 * on loopback, with scripted nodes. Floods are bounded in count and in time; timing bounds are
 * generous (a load balancer's check must answer within a second, not within 10 ms).
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Exporter, parseTargetAddress, Slots, TargetPolicy } from '../src/serve/exporter/index.js';
import { HealthCheck } from '../src/serve/health/index.js';
import { BasicAuth, BcryptPool, bcryptHash, parseBcryptHash } from '../src/serve/web/index.js';
import type { ProbeResult } from '../src/probe/types.js';
import { galeraNode, SYNCED_NODE, type Script } from './support/fake-server.js';
import { serverPool } from './support/server-pool.js';
import { BIN, exitWithin, get, median, sample, serveProcesses, type Reply } from './support/serve-process.js';
import { spawn } from 'node:child_process';

const serveNode = serverPool();
const { start, tempDir } = serveProcesses();
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tls');
const TLS = `tls_server_config:\n  cert_file: ${FIXTURES}/server-cert.pem\n  key_file: ${FIXTURES}/server-key.pem\n`;
const salt = (n: number): Buffer => Buffer.alloc(16, n);

/** A web config file in a fresh directory, mode 0600. */
function webConfig(text: string): string {
  const file = join(tempDir(), 'web.yml');
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** A node that is slow to greet: a probe with a budget of a few ms times out, a real scrape does not. */
const slowGreeting =
  (ms: number): Script =>
  async (conn) => {
    await sleep(ms);
    await galeraNode(SYNCED_NODE)(conn);
  };

/** A node that accepts the connection and never says a word. */
const silent: Script = () => undefined;

/** Sends `count` requests, `perSecond` a second (without waiting for answers), then waits for all (each bounded). */
async function flood(count: number, perSecond: number, send: (i: number) => Promise<unknown>): Promise<void> {
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    pending.push(send(i).catch(() => undefined));
    await sleep(1000 / perSecond);
  }
  await Promise.all(pending);
}

describe('1. an IPv4-looking glob lets DNS names through (allow-list bypass)', () => {
  /** A target that is not even a valid target (`10.0.x.1`: a name ending in a number) is refused too. */
  const allows = (pattern: string, target: string): boolean => {
    let parsed;
    try {
      parsed = parseTargetAddress(target);
    } catch {
      return false;
    }
    return new TargetPolicy({ patterns: [pattern] }).allows(parsed);
  };

  it('each pattern kind against names, addresses and mixtures', () => {
    const table: [pattern: string, allowed: string[], refused: string[]][] = [
      // Labels that look like an address: IP literals only.
      [
        '10.0.1.*:3306',
        ['10.0.1.7:3306', '10.0.1.255:3306'],
        ['10.0.1.com:3306', '10.0.1.anything:3306', '10.0.1.7x:3306', '10.0.1.7:3307', '10.0.2.7:3306'],
      ],
      ['10.0.1.?:3306', ['10.0.1.7:3306'], ['10.0.1.a:3306', '10.0.1.77:3306']],
      ['10.0.*.1*:*', ['10.0.9.1:1', '10.0.9.199:3306'], ['10.0.x.1:3306', '10.0.9.1a:3306']],
      ['*.*.*.*:3306', ['1.2.3.4:3306'], ['a.b.c.d:3306', 'db.example.com:3306', '[::1]:3306']],
      // Host-name patterns: names only, never an IP literal.
      [
        '*.db.example.com:3306',
        ['a.db.example.com:3306', '10.db.example.com:3306'],
        ['db.example.com:3306', 'a.b.db.example.com:3306', '1.2.3.4:3306'],
      ],
      ['db-?.example.com:3306-3309', ['db-1.example.com:3309'], ['db-10.example.com:3306', 'db-1.example.com:3310']],
      ['*:3306', ['localhost:3306', 'db1:3306'], ['127.0.0.1:3306', 'db1.example.com:3306', '[::1]:3306']],
      ['local*:*', ['localhost:1'], ['127.0.0.1:1']],
      // CIDRs: addresses only, never names.
      [
        '10.0.0.0/8:3306',
        ['10.1.2.3:3306', '[::ffff:10.1.2.3]:3306'],
        ['10.1.2.com:3306', '11.0.0.1:3306', '[::ffff:11.1.2.3]:3306'],
      ],
      ['[fd00::/8]:*', ['[fd00::1]:3306'], ['fd00.example.com:3306', '10.0.0.1:3306']],
    ];
    for (const [pattern, allowed, refused] of table) {
      for (const t of allowed) expect(allows(pattern, t), `${pattern} should allow ${t}`).toBe(true);
      for (const t of refused) expect(allows(pattern, t), `${pattern} should refuse ${t}`).toBe(false);
    }
  });

  it('a pattern that looks like part of an address is refused at start-up (use four labels or a CIDR)', () => {
    for (const p of ['10.0.*:3306', '10.*:3306', '10.0.1.2.*:3306'])
      expect(() => new TargetPolicy({ patterns: [p] }), p).toThrow(/four labels|CIDR/);
  });

  it('10.0.1.com is refused by /probe before any lookup: no probe runs', async () => {
    const probed: string[] = [];
    const exporter = new Exporter({
      policy: new TargetPolicy({ patterns: ['10.0.1.*:3306'] }),
      base: { user: 'monitor' },
      timeoutMs: 1000,
      timeoutOffsetMs: 0,
      cacheMs: 0,
      maxAgeMs: 0,
      maxConcurrentProbes: 4,
      probe: async (o) => {
        probed.push(String(o.host));
        return {
          target: `${o.host}:${o.port}`,
          healthy: false,
          outcome: 'unreachable',
          reason: 'refused',
          timings: { total: 1 },
        };
      },
    });
    expect((await exporter.probe('target=10.0.1.com:3306', undefined)).status).toBe(403);
    expect((await exporter.probe('target=10.0.1.anything:3306', undefined)).status).toBe(403);
    expect(probed).toEqual([]);
    await exporter.close();
  });
});

describe('2. a bcrypt flood stalls the load balancer', () => {
  it('/health answers within 1 s while a dozen different wrong passwords a second hit a cost-12 hash', async () => {
    const fake = await serveNode(galeraNode(SYNCED_NODE));
    const file = webConfig(`basic_auth_users:\n  prometheus: '${bcryptHash('right', salt(1), 12)}'\n`);
    const s = start(['--listen', '127.0.0.1:0', '--web-config', file, fake.target]);
    const port = await s.port();
    expect((await get(port, '/health')).status).toBe(200);
    const health: Reply[] = [];
    const attack = flood(36, 12, (i) =>
      get(port, '/metrics', {
        auth: `prometheus:guess-${i}`,
        localAddress: `127.0.0.${2 + (i % 6)}`,
        timeoutMs: 20_000,
      }),
    );
    for (let i = 0; i < 8; i++) {
      await sleep(300);
      health.push(await get(port, '/health', { timeoutMs: 10_000 }));
    }
    await attack;
    expect(health.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(Math.max(...health.map((r) => r.ms)), health.map((r) => Math.round(r.ms)).join(' ')).toBeLessThan(1000);
  });
});

describe('3. guessing locks the right password out', () => {
  it('thirty wrong guesses from 127.0.0.2 do not make the right password from 127.0.0.1 wait (429)', async () => {
    const fake = await serveNode(galeraNode(SYNCED_NODE));
    const file = webConfig(`basic_auth_users:\n  prometheus: '${bcryptHash('right', salt(2), 6)}'\n`);
    const s = start(['--listen', '127.0.0.1:0', '--web-config', file, fake.target]);
    const port = await s.port();
    const guesses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        get(port, '/metrics', { auth: `prometheus:wrong-${i}`, localAddress: '127.0.0.2' }),
      ),
    );
    expect(guesses.some((r) => r.status === 429)).toBe(true);
    expect(guesses.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    expect((await get(port, '/metrics', { auth: 'prometheus:right' })).status).toBe(200);
  });
});

describe('3. guessing locks the right password out (the memory of verdicts)', () => {
  it('1,010 wrong guesses from many addresses do not evict the verdict for the right password', async () => {
    const pool = new BcryptPool(1, 2000);
    const auth = new BasicAuth(new Map([['prometheus', parseBcryptHash(bcryptHash('right', salt(7), 4))!]]), {
      pool,
      perClientPerSecond: 1000,
      perClientPending: 1000,
    });
    const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    expect(await auth.check(basic('prometheus', 'right'), '127.0.0.1')).toBe('ok');
    for (let i = 0; i < 1010; i++)
      expect(await auth.check(basic('prometheus', `wrong-${i}`), `10.0.${i >> 8}.${i & 255}`)).toBe('denied');
    // Still remembered: answered at once (not a promise), without a new verification.
    expect(auth.check(basic('prometheus', 'right'), '10.9.9.9')).toBe('ok');
    await pool.close();
  });
});

describe('4. scrape poisoning through the single flight', () => {
  it('a request with a 1 ms scrape timeout once a second does not make real scrapes report probe_success 0', async () => {
    const fake = await serveNode(slowGreeting(60));
    const s = start([
      '--listen',
      '127.0.0.1:0',
      '--allow-target',
      '127.0.0.1:*',
      '-u',
      'monitor',
      '--ssl-mode',
      'DISABLED',
    ]);
    const port = await s.port();
    const path = `/probe?target=${fake.target}`;
    let poisoning = true;
    const poisoner = (async () => {
      while (poisoning) {
        await get(port, path, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '0.001' } }).catch(() => undefined);
        await sleep(100);
      }
    })();
    const successes: (number | undefined)[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        await sleep(150);
        const r = await get(port, path, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '10' } });
        successes.push(sample(r.body, 'probe_success'));
      }
    } finally {
      poisoning = false;
      await poisoner;
    }
    expect(successes).toEqual(Array(10).fill(1));
  });
});

describe('4. scrape poisoning (the check underneath)', () => {
  it("a failure within a 1 ms budget answers only its own request: the 5 s scrape's result and verdict stay", async () => {
    const ok: ProbeResult = {
      target: 'x:1',
      healthy: true,
      outcome: 'healthy',
      reason: 'synced',
      timings: { total: 1 },
    };
    const cut: ProbeResult = {
      target: 'x:1',
      healthy: false,
      outcome: 'timeout',
      reason: 'timeout in greeting',
      timings: { total: 1 },
    };
    const budgets: (number | undefined)[] = [];
    const changes: string[] = [];
    const check = new HealthCheck({
      probe: async (_signal, budgetMs) => (budgets.push(budgetMs), budgetMs !== undefined && budgetMs < 100 ? cut : ok),
      cacheMs: 60_000,
      maxAgeMs: 60_000,
      waitMs: 1000,
      onChange: (c) => changes.push(c.to),
    });
    const first = await check.answer(4500);
    expect(first.kind === 'result' && first.result.healthy).toBe(true);
    // The cached success answers a shorter scrape too: no probe.
    const short = await check.answer(1);
    expect(short.kind === 'result' && short.result.healthy).toBe(true);
    expect(budgets).toEqual([4500]);
    // A failure from a short probe, once the cache is gone, answers the short one only.
    const expired = new HealthCheck({
      probe: async (_s, b) => (b !== undefined && b < 100 ? cut : ok),
      cacheMs: 0,
      maxAgeMs: 60_000,
      waitMs: 1000,
      onChange: (c) => changes.push(`2:${c.to}`),
    });
    expect(((await expired.answer(4500)) as { result: ProbeResult }).result.healthy).toBe(true);
    expect(((await expired.answer(1)) as { result: ProbeResult }).result.healthy).toBe(false);
    expect(expired.latest?.healthy).toBe(true);
    expect(changes).toEqual(['healthy', '2:healthy']);
    await check.close();
    await expired.close();
  });
});

describe('5. idle TLS connections are never closed', () => {
  const idle = (port: number, localAddress = '127.0.0.1'): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(socket));
      socket.on('error', reject);
    });
  const closedWithin = (socket: Socket, ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (socket.destroyed) return resolve(true);
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(false);
      }, ms);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
      socket.resume();
    });

  it('a TCP connection that never sends a ClientHello is closed within 6 s', async () => {
    const fake = await serveNode(galeraNode(SYNCED_NODE));
    const s = start(['--listen', '127.0.0.1:0', '--web-config', webConfig(TLS), fake.target]);
    const port = await s.port();
    const socket = await idle(port);
    expect(await closedWithin(socket, 6000)).toBe(true);
  });

  it('a plain HTTP connection that sends nothing is closed within 6 s (the promised header timeout)', async () => {
    const fake = await serveNode(galeraNode(SYNCED_NODE));
    const s = start(['--listen', '127.0.0.1:0', fake.target]);
    const port = await s.port();
    const socket = await idle(port);
    expect(await closedWithin(socket, 6000)).toBe(true);
  });

  it('300 idle connections from one address are not all kept; another client is still answered within 1 s', async () => {
    const fake = await serveNode(galeraNode(SYNCED_NODE));
    const s = start(['--listen', '127.0.0.1:0', '--web-config', webConfig(TLS), fake.target]);
    const port = await s.port();
    const sockets = await Promise.all(
      Array.from({ length: 300 }, () => idle(port, '127.0.0.2').catch(() => undefined)),
    );
    let closed = 0;
    for (const sk of sockets) {
      if (!sk) closed++;
      else
        sk.once('close', () => closed++)
          .on('error', () => undefined)
          .resume();
    }
    await sleep(1000);
    const health = await get(port, '/health', { tls: true });
    for (const sk of sockets) sk?.destroy();
    expect(closed).toBeGreaterThanOrEqual(300 - 256);
    expect(health.status).toBe(200);
    expect(health.ms).toBeLessThan(1000);
  });
});

describe('6. a bad --web-config leaves serve running, deaf', () => {
  it('a missing web config file: exit 64 before anything starts (no probe of the node)', async () => {
    const fake = await serveNode(galeraNode(SYNCED_NODE));
    const s = start(['--listen', '127.0.0.1:0', '--web-config', join(tempDir(), 'missing.yml'), fake.target]);
    expect(await exitWithin(s, 5000)).toBe(64);
    expect(s.stderr()).toMatch(/--web-config: .*missing\.yml: cannot read/);
    expect(fake.connections.length).toBe(0);
  });
});

describe('7. slots and the target table exhausted through a broad pattern', () => {
  it('20 silent targets and 4 slots: a healthy target is still scraped, probe_success 1 within 2 s', async () => {
    const healthy = await serveNode(galeraNode(SYNCED_NODE));
    const silents = await Promise.all(Array.from({ length: 20 }, () => serveNode(silent)));
    const s = start([
      '--listen',
      '127.0.0.1:0',
      '--allow-target',
      '127.0.0.1:*',
      '--max-concurrent-probes',
      '4',
      '--timeout',
      '3s',
      '-u',
      'monitor',
      '--ssl-mode',
      'DISABLED',
    ]);
    const port = await s.port();
    const scrape = (target: string): Promise<Reply> =>
      get(port, `/probe?target=${target}`, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '5' } });
    expect(sample((await scrape(healthy.target)).body, 'probe_success')).toBe(1);
    let attacking = true;
    const attackers = silents.map(async (t) => {
      while (attacking) await scrape(t.target).catch(() => undefined);
    });
    const answers: Reply[] = [];
    try {
      await sleep(300);
      for (let i = 0; i < 5; i++) {
        answers.push(await scrape(healthy.target));
        await sleep(500);
      }
    } finally {
      attacking = false;
      await Promise.all(attackers);
    }
    expect(answers.map((r) => sample(r.body, 'probe_success'))).toEqual([1, 1, 1, 1, 1]);
    expect(Math.max(...answers.map((r) => r.ms))).toBeLessThan(2000);
  });

  it('suspect probes (failed or new targets) take at most half the slots; a freed slot goes to a healthy target first', async () => {
    const slots = new Slots(4);
    expect(await slots.acquire(0, undefined, true)).toBe(true);
    expect(await slots.acquire(0, undefined, true)).toBe(true);
    // Half the slots are suspect now: a third suspect waits, and gives up by its own deadline.
    expect(await slots.acquire(20, undefined, true)).toBe(false);
    expect(await slots.acquire(0)).toBe(true);
    expect(await slots.acquire(0)).toBe(true);
    // All four taken: a suspect and then a healthy probe wait; the healthy one gets the first slot.
    const order: string[] = [];
    const suspectWaiter = slots.acquire(5000, undefined, true).then((ok) => order.push(`suspect ${ok}`));
    const healthyWaiter = slots.acquire(5000).then((ok) => order.push(`healthy ${ok}`));
    slots.release();
    await healthyWaiter;
    expect(order).toEqual(['healthy true']);
    slots.release(true);
    await suspectWaiter;
    expect(order).toEqual(['healthy true', 'suspect true']);
  });

  it('a full target table forgets failed targets first: a new target is still probed, a healthy one kept', async () => {
    const result = (host: string, port: number, healthy: boolean): ProbeResult =>
      healthy
        ? { target: `${host}:${port}`, healthy: true, outcome: 'healthy', reason: 'synced', timings: { total: 1 } }
        : {
            target: `${host}:${port}`,
            healthy: false,
            outcome: 'unreachable',
            reason: 'refused',
            timings: { total: 1 },
          };
    const probed: string[] = [];
    const exporter = new Exporter({
      policy: new TargetPolicy({ patterns: ['127.0.0.0/8:*'] }),
      base: { user: 'monitor' },
      timeoutMs: 1000,
      timeoutOffsetMs: 0,
      cacheMs: 60_000,
      maxAgeMs: 60_000,
      maxConcurrentProbes: 4,
      maxTargets: 10,
      probe: async (o) => {
        probed.push(`${o.host}:${o.port}`);
        return result(String(o.host), Number(o.port), o.port === 1);
      },
    });
    expect((await exporter.probe('target=127.0.0.1:1', undefined)).body).toMatch(/^probe_success 1$/m);
    for (let i = 2; i <= 30; i++)
      expect((await exporter.probe(`target=127.0.0.1:${i}`, undefined)).status, `target ${i}`).toBe(200);
    expect(exporter.size).toBeLessThanOrEqual(10);
    // The healthy one was kept: its cached result answers without a new probe.
    const before = probed.length;
    expect((await exporter.probe('target=127.0.0.1:1', undefined)).body).toMatch(/^probe_success 1$/m);
    expect(probed.length).toBe(before);
    await exporter.close();
  });
});

describe('8. the allow list backtracks', () => {
  it('a refused request for a 63-letter label against *a*a*a*a*a*a*b.example.com returns within 1 s', async () => {
    const s = start(['--listen', '127.0.0.1:0', '--allow-target', '*a*a*a*a*a*a*b.example.com:3306']);
    const port = await s.port();
    const r = await get(port, `/probe?target=${'a'.repeat(63)}.example.com:3306`, { timeoutMs: 20_000 });
    expect(r.status).toBe(403);
    expect(r.ms).toBeLessThan(1000);
    // And it still matches what it should, without a lookup: a name that is allowed but not answered.
    expect(
      new TargetPolicy({ patterns: ['*a*a*a*a*a*a*b.example.com:3306'] }).allows(
        parseTargetAddress('xaaaaaayb.example.com:3306'),
      ),
    ).toBe(true);
  });
});

describe('9. user names enumerated through bcrypt costs', () => {
  it('an unknown user pays what the costliest known user pays', async () => {
    const fake = await serveNode(galeraNode(SYNCED_NODE));
    const file = webConfig(
      `basic_auth_users:\n  alice: '${bcryptHash('a', salt(3), 4)}'\n  bob: '${bcryptHash('b', salt(4), 12)}'\n`,
    );
    const s = start(['--listen', '127.0.0.1:0', '--web-config', file, fake.target]);
    const port = await s.port();
    const bob: number[] = [];
    const nobody: number[] = [];
    for (let i = 0; i < 3; i++) {
      bob.push((await get(port, '/metrics', { auth: `bob:wrong-${i}`, localAddress: `127.0.0.${10 + i}` })).ms);
      nobody.push((await get(port, '/metrics', { auth: `mallory:wrong-${i}`, localAddress: `127.0.0.${20 + i}` })).ms);
    }
    expect(
      median(nobody),
      `unknown ${nobody.map(Math.round).join(' ')} vs bob ${bob.map(Math.round).join(' ')}`,
    ).toBeGreaterThan(median(bob) / 2);
  });
});

describe('10. the unguarded JSON forms leak what the guarded paths hide', () => {
  it('/health?format=json and /live with Accept: application/json need credentials; their lines do not', async () => {
    const fake = await serveNode(galeraNode(SYNCED_NODE, { version: '10.11.6-MariaDB' }));
    const file = webConfig(`basic_auth_users:\n  prometheus: '${bcryptHash('right', salt(5), 4)}'\n`);
    const s = start(['--listen', '127.0.0.1:0', '--web-config', file, fake.target]);
    const port = await s.port();
    expect(await get(port, '/health')).toMatchObject({ status: 200, body: 'synced\n' });
    expect((await get(port, '/live')).status).toBe(200);
    for (const [path, headers] of [
      ['/health?format=json', {}],
      ['/?format=json', {}],
      ['/ready', { Accept: 'application/json' }],
      ['/live?format=json', {}],
    ] as const) {
      const r = await get(port, path, { headers });
      expect(r.status, path).toBe(401);
      expect(r.body).not.toContain('10.11.6');
    }
    const full = await get(port, '/health?format=json', { auth: 'prometheus:right' });
    expect(full.status).toBe(200);
    expect(full.body).toContain('10.11.6-MariaDB');
  });
});

describe('11. secrets on disk and on the command line', () => {
  const run = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        env: { PATH: process.env['PATH'], HOME: '/nonexistent', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.once('close', (code) => resolve({ code, stderr }));
    });

  it('--log off does not silence the --password warning', async () => {
    const fake = await serveNode(galeraNode(SYNCED_NODE, { password: 'pw' }));
    const s = start(['--listen', '127.0.0.1:0', '--log', 'off', '-u', 'monitor', '--password', 'pw', fake.target]);
    await s.stderrMatch(/warning: a password given with --password/);
    await sleep(300); // what else it writes in the meantime: not the password
    expect(s.stderr()).not.toContain('pw\n');
  });

  it('a password file readable by others is warned about; a world-writable one is refused (exit 64)', async () => {
    const fake = await serveNode(galeraNode(SYNCED_NODE, { password: 'pw' }));
    const file = join(tempDir(), 'pw');
    writeFileSync(file, 'pw\n');
    chmodSync(file, 0o644);
    const readable = await run([
      '--no-defaults',
      '-u',
      'monitor',
      '--password-file',
      file,
      '--ssl-mode',
      'DISABLED',
      fake.target,
    ]);
    expect(readable.code).toBe(0);
    expect(readable.stderr).toMatch(/warning: .*pw.* (can be read|is readable) by/);
    chmodSync(file, 0o666);
    const writable = await run([
      '--no-defaults',
      '-u',
      'monitor',
      '--password-file',
      file,
      '--ssl-mode',
      'DISABLED',
      fake.target,
    ]);
    expect(writable.code).toBe(64);
    expect(writable.stderr).toMatch(/world-writable/);
  });

  it('an option file with a password readable by others is warned about; a world-writable one is refused (exit 64)', async () => {
    const fake = await serveNode(galeraNode(SYNCED_NODE, { password: 'pw' }));
    const file = join(tempDir(), 'my.cnf');
    writeFileSync(file, '[client]\nuser = monitor\npassword = pw\nssl-mode = DISABLED\n');
    chmodSync(file, 0o640);
    const readable = await run(['--defaults-file', file, fake.target]);
    expect(readable.code).toBe(0);
    expect(readable.stderr).toMatch(/warning: .*my\.cnf.* (can be read|is readable) by/);
    chmodSync(file, 0o646);
    const writable = await run(['--defaults-file', file, fake.target]);
    expect(writable.code).toBe(64);
    expect(writable.stderr).toMatch(/world-writable/);
  });

  it('a web config readable by others is warned about; a world-writable one is refused (exit 64)', async () => {
    const file = webConfig(`basic_auth_users:\n  prometheus: '${bcryptHash('right', salt(6), 4)}'\n`);
    chmodSync(file, 0o644);
    const readable = start(['--listen', '127.0.0.1:0', '--web-config', file, '--allow-target', '127.0.0.1:1']);
    await readable.port();
    // Written after the `serving` line, which port() waits for: wait for it too.
    await readable.stderrMatch(/warning: .*web\.yml.* (can be read|is readable) by/);
    chmodSync(file, 0o666);
    const writable = start(['--listen', '127.0.0.1:0', '--web-config', file, '--allow-target', '127.0.0.1:1']);
    expect(await exitWithin(writable, 5000)).toBe(64);
    expect(writable.stderr()).toMatch(/world-writable/);
  });
});

describe('12. web-config mistakes give a stack trace or silence', () => {
  const cases: [name: string, text: () => string, line: number][] = [
    [
      'a cert_file that is not PEM',
      () => {
        const bad = join(tempDir(), 'not.pem');
        writeFileSync(bad, 'hello\n');
        return `tls_server_config:\n  cert_file: ${bad}\n  key_file: ${FIXTURES}/server-key.pem\n`;
      },
      2,
    ],
    [
      'a key that does not match the certificate',
      () => `tls_server_config:\n  cert_file: ${FIXTURES}/server-cert.pem\n  key_file: ${FIXTURES}/client-key.pem\n`,
      3,
    ],
    ['min_version above max_version', () => `${TLS}  min_version: TLS13\n  max_version: TLS12\n`, 5],
    [
      'a client_ca_file that is not PEM',
      () => `${TLS}  client_ca_file: ${FIXTURES}/README.md\n  client_auth_type: RequireAndVerifyClientCert\n`,
      4,
    ],
    ['an empty file', () => '', 1],
    ['comments only', () => '# nothing here\n', 1],
  ];
  for (const [name, text, line] of cases) {
    it(`${name}: a usage error with file:line, exit 64`, async () => {
      const file = webConfig(text());
      const s = start(['--listen', '127.0.0.1:0', '--web-config', file, '--allow-target', '127.0.0.1:1']);
      expect(await exitWithin(s, 5000)).toBe(64);
      expect(s.stderr()).toContain(`${file}:${line}:`);
      expect(s.stderr()).not.toMatch(/\n\s+at /);
    });
  }
});

describe('13. what the allow list means at its edges', () => {
  it('[::/0] does not allow an IPv4-mapped target: it is the IPv4 address, matched by IPv4 patterns', () => {
    const v6 = new TargetPolicy({ patterns: ['[::/0]:*'] });
    expect(v6.allows(parseTargetAddress('[::ffff:127.0.0.1]:3306'))).toBe(false);
    expect(v6.allows(parseTargetAddress('[::1]:3306'))).toBe(true);
    const v4 = new TargetPolicy({ patterns: ['127.0.0.0/8:*'] });
    expect(v4.allows(parseTargetAddress('[::ffff:127.0.0.1]:3306'))).toBe(true);
    expect(parseTargetAddress('[::ffff:127.0.0.1]:3306').key).toBe('127.0.0.1:3306');
  });

  it('DNS rebinding: /probe refuses a Host name that is not ours; an IP literal, localhost and --allow-host names pass', async () => {
    const fake = await serveNode(galeraNode(SYNCED_NODE));
    const s = start([
      '--listen',
      '127.0.0.1:0',
      '--allow-target',
      '127.0.0.1:*',
      '--allow-host',
      '*.monitoring.example',
      '-u',
      'monitor',
      '--ssl-mode',
      'DISABLED',
      fake.target,
    ]);
    const port = await s.port();
    const probe = (host: string): Promise<Reply> =>
      get(port, `/probe?target=${fake.target}`, { headers: { Host: host } });
    const rebound = await probe(`attacker.example:${port}`);
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toContain('probe_success');
    expect((await get(port, '/targets', { headers: { Host: 'attacker.example' } })).status).toBe(403);
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      'prometheus.monitoring.example:9200',
      `[::1]:${port}`,
    ])
      expect((await probe(host)).status, host).toBe(200);
    // The load balancers' line is not the exporter's: it answers whatever the Host.
    expect((await get(port, '/health', { headers: { Host: 'attacker.example' } })).status).toBe(200);
    expect(fake.connections.length).toBeGreaterThan(0);
  });

  it('patterns that allow every address or name are warned about at start-up', async () => {
    for (const p of ['*:*', '0.0.0.0/0:*', '[::/0]:3306', '*.*.*.*:*']) {
      const s = start(['--listen', '127.0.0.1:0', '--allow-target', p]);
      await s.port();
      await s.stderrMatch(/warning: --allow-target .* allows every/);
      s.child.kill('SIGKILL');
    }
  });
});
