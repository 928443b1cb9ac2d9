import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTarget } from '../src/cli/args.js';
import { parseDuration } from '../src/cli/duration.js';
import { CLUSTER_HELP, HELP, SERVE_HELP, WATCH_HELP } from '../src/cli/help.js';
import { main, preamble } from '../src/cli/main.js';
import { VERSION } from '../src/version.js';
import { type FakeServer, galeraNode, NON_PRIMARY_NODE, startFakeServer, SYNCED_NODE } from './support/fake-server.js';
import { serverPool } from './support/server-pool.js';
import packageJson from '../package.json' with { type: 'json' };

const SECRET = 'pw-that-must-not-leak';
let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'gp-home-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

const startServer = serverPool();

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    env: { HOME: home, ...env },
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  expect(stdout + stderr).not.toContain(SECRET);
  return { code, stdout, stderr };
}

async function node(script: Parameters<typeof galeraNode>[0], password?: string): Promise<FakeServer> {
  const server = await startServer(galeraNode(script, password === undefined ? {} : { password }));
  return server;
}

describe('galera-probe CLI', () => {
  it('prints one human line and exits 0 for a synced node', async () => {
    const server = await node(SYNCED_NODE);
    const { code, stdout } = await run(['-u', 'probe', server.target]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^${server.target} healthy: Synced, Primary, 3 nodes \\(\\d+ ms\\)\\n$`));
  });

  it('exits 1 with the reason for a non-Primary node', async () => {
    const server = await node(NON_PRIMARY_NODE);
    const { code, stdout } = await run([server.target]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/ unhealthy: non-Primary \(\d+ ms\)\n$/);
  });

  it('--json prints exactly one object with the documented fields', async () => {
    const server = await node(SYNCED_NODE, SECRET);
    const { code, stdout } = await run(['--json', server.target], { MYSQL_PWD: SECRET });
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]!);
    expect(result).toMatchObject({
      target: server.target,
      healthy: true,
      outcome: 'healthy',
      reason: 'synced',
      node: { clusterSize: 3 },
    });
    expect(Object.keys(result.timings)).toEqual(
      expect.arrayContaining(['connect', 'greeting', 'auth', 'query', 'total']),
    );
  });

  it('--json for a failure names phase and error', async () => {
    const server = await startServer(() => {});
    const { code, stdout } = await run(['--json', '--greeting-timeout', '200ms', server.target]);
    expect(code).toBe(3);
    expect(JSON.parse(stdout)).toMatchObject({
      healthy: false,
      outcome: 'timeout',
      phase: 'greeting',
      error: { code: 'TIMEOUT', limitMs: 200 },
    });
  });

  it('the timeout line says phase and limit', async () => {
    const server = await startServer(() => {});
    const { code, stdout } = await run(['--timeout', '0.25', server.target]);
    expect(code).toBe(3);
    expect(stdout).toBe(
      `${server.target} timeout in greeting after 250 ms: connected, but the server sent no greeting (overall deadline)\n`,
    );
  });

  it('reads the password from MYSQL_PWD, --password-file and --password (with a warning)', async () => {
    const server = await node(SYNCED_NODE, SECRET);
    expect((await run([server.target], { MYSQL_PWD: SECRET })).code).toBe(0);
    expect((await run([server.target], { MYSQL_PWD: 'wrong' })).code).toBe(4);
    const file = join(home, 'pw');
    writeFileSync(file, `${SECRET}\n`);
    expect((await run(['--password-file', file, server.target], { MYSQL_PWD: 'wrong' })).code).toBe(0);
    const flag = await run(['--password', SECRET, server.target]);
    expect(flag.code).toBe(0);
    expect(flag.stderr).toMatch(/warning: .*can be seen by other users/);
  });

  it('reads credentials from an option file, command line winning', async () => {
    const server = await node(SYNCED_NODE, SECRET);
    const file = join(home, 'probe.cnf');
    writeFileSync(file, `[client]\nuser=probe\npassword="${SECRET}"\nhost=127.0.0.1\nport=${server.port}\n`);
    expect((await run(['--defaults-file', file])).code).toBe(0);
    expect((await run(['--defaults-file', file, '--password', 'nope'])).code).toBe(4);
    const broken = join(home, 'broken.cnf');
    writeFileSync(broken, `[client]\npassword="${SECRET}\n`);
    const bad = await run(['--defaults-file', broken, server.target]);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain(`${broken}:2:`);
  });

  it('--quiet prints nothing and --verbose traces phases on stderr', async () => {
    const server = await node(SYNCED_NODE);
    const quiet = await run(['-q', server.target]);
    expect([quiet.code, quiet.stdout]).toEqual([0, '']);
    const verbose = await run(['--verbose', server.target], { MYSQL_PWD: SECRET });
    expect(verbose.stderr).toMatch(/ms connect start\n/);
    expect(verbose.stderr).toMatch(/ms query end\n/);
  });

  it('exits 2 when nothing listens', async () => {
    const server = await startFakeServer(() => {});
    const target = server.target;
    await server.close();
    const { code, stdout } = await run([target]);
    expect(code).toBe(2);
    expect(stdout).toMatch(/unreachable in connect: connection refused/);
  });

  it.each([
    [[], /missing target/],
    [['a', 'b'], /expected one target/],
    [['--timeout', 'soon', 'h'], /--timeout: expected a duration/],
    [['--timeout', '0', 'h'], /--timeout: expected a duration/],
    [['--check', 'maybe', 'h'], /--check: expected galera or alive/],
    [['--ssl-mode', 'sometimes', 'h'], /--ssl-mode: expected one of/],
    [['--bogus', 'h'], /Unknown option '--bogus'/],
    [['h:99999'], /invalid port/],
    [['--password-file', '/nonexistent/pw', 'h'], /--password-file: cannot read/],
    [['--server-public-key', 'README.md', 'h'], /option serverPublicKey: not a PEM RSA public key/],
  ])('usage error %o exits 64', async (argv, message) => {
    const { code, stderr, stdout } = await run(argv as string[]);
    expect(code).toBe(64);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).toContain("Try 'galera-probe --help'");
  });

  it('--help fits on a screen and --version matches package.json', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    const lines = help.stdout.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(35);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
    const version = await run(['--version']);
    expect(version.stdout).toBe(`galera-probe ${VERSION}\n`);
    expect(VERSION).toBe(packageJson.version);
  });
});

describe('--help and --version: answered in one place, main.ts', () => {
  it.each([
    [['--version'], `galera-probe ${VERSION}\n`],
    [['-V', '-h'], HELP],
    [['cluster', '--version'], `galera-probe ${VERSION}\n`],
    [['watch', '-V'], `galera-probe ${VERSION}\n`],
    [['serve', '-h'], SERVE_HELP],
    [['cluster', '-h'], CLUSTER_HELP],
    [['watch', '--help'], WATCH_HELP],
  ])('%o, alone on the line, before any command loads', async (argv, out) => {
    expect(
      preamble(argv[0] === 'cluster' || argv[0] === 'watch' || argv[0] === 'serve' ? argv.slice(1) : argv),
    ).toBeDefined();
    expect(await run(argv)).toEqual({ code: 0, stdout: out, stderr: '' });
  });

  it.each([
    [['-qh'], HELP],
    [['-q', '--version', 'db1'], `galera-probe ${VERSION}\n`],
    [['cluster', '--json', '--version', 'a', 'b'], `galera-probe ${VERSION}\n`],
    [['watch', '--interval', '1s', '-h'], WATCH_HELP],
  ])('%o: among other options, once the command has checked them all', async (argv, out) => {
    expect(preamble(argv.slice(argv[0] === 'cluster' || argv[0] === 'watch' ? 1 : 0))).toBeUndefined();
    expect(await run(argv)).toEqual({ code: 0, stdout: out, stderr: '' });
  });

  it('an unknown option beside --help is still refused', async () => {
    expect(await run(['--colour', '--version'])).toMatchObject({ code: 64, stdout: '' });
    expect(await run(['cluster', '--bogus', '-h'])).toMatchObject({ code: 64, stdout: '' });
    expect(preamble(['--', '--help'])).toBeUndefined();
    expect(preamble([])).toBeUndefined();
  });
});

describe('targets and durations', () => {
  it.each([
    ['db1:3307', { host: 'db1', port: 3307 }],
    ['db1', { host: 'db1' }],
    ['127.0.0.1:3311', { host: '127.0.0.1', port: 3311 }],
    ['[::1]:3312', { host: '::1', port: 3312 }],
    ['[::1]', { host: '::1' }],
    ['::1', { host: '::1' }],
    ['/run/mysqld/mysqld.sock', { socketPath: '/run/mysqld/mysqld.sock' }],
    ['./mysqld.sock', { socketPath: './mysqld.sock' }],
  ])('%s', (text, expected) => {
    expect(parseTarget(text)).toEqual(expected);
  });

  it.each([
    ['500ms', 500],
    ['2s', 2000],
    ['3', 3000],
    ['1.5', 1500],
    ['0', undefined],
    ['-1', undefined],
    ['2m', undefined],
    ['', undefined],
  ])('duration %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('bin/galera-probe as a process', () => {
  it('runs from the checkout and exits with the documented code', async () => {
    const server = await node(NON_PRIMARY_NODE);
    const exec = promisify(execFile);
    const err = await exec(process.execPath, ['bin/galera-probe', server.target], { env: { HOME: home } }).catch(
      (e) => e,
    );
    expect(err.code).toBe(1);
    expect(err.stdout).toMatch(/unhealthy: non-Primary/);
  });
});

describe('a reader that goes away', () => {
  it('is not a crash: the CLI ends quietly with the exit code of its result', async () => {
    const { spawn } = await import('node:child_process');
    const { createServer } = await import('node:net');
    // A port with nothing behind it: the result is unreachable, exit 2.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    for (const argv of [
      ['--no-defaults', '--json', `127.0.0.1:${port}`],
      ['--help'],
      ['cluster', '--no-defaults', '--json', `127.0.0.1:${port}`],
    ]) {
      const child = spawn(process.execPath, ['bin/galera-probe', ...argv], {
        env: { HOME: home },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // Close our end of its stdout before it writes: its write gets EPIPE.
      child.stdout.destroy();
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      expect([argv.join(' '), code, stderr]).toEqual([argv.join(' '), argv[0] === '--help' ? 0 : 2, '']);
    }
  });
});
