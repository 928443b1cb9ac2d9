/**
 * The single executable stands alone: copied into an empty directory and run with a PATH
 * that holds no `node` (an empty directory), no NODE_OPTIONS and no node_modules in reach,
 * it answers --version and --help, probes scripted servers (plain, password, TLS), and
 * keeps its deadlines, and serves HTTP. Build it first with `npm run build:sea` (`npm run test:dist` runs this).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELP } from '../src/cli/help.js';
import { VERSION } from '../src/version.js';
import { galeraNode, SYNCED_NODE } from './support/fake-server.js';
import { serverPool } from './support/server-pool.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'dist', `galera-probe-${process.platform}-${process.arch}`);

/** The newest file among the executable's inputs, to tell a stale build. */
function newestInput(): { path: string; mtimeMs: number } {
  let newest = { path: '', mtimeMs: 0 };
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.ts')) {
        const { mtimeMs } = statSync(path);
        if (mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
      }
    }
  };
  visit(join(root, 'src'));
  for (const name of ['build-sea.ts', 'bundle-cli.ts']) {
    const script = join(root, 'scripts', name);
    if (statSync(script).mtimeMs > newest.mtimeMs) newest = { path: script, mtimeMs: statSync(script).mtimeMs };
  }
  return newest;
}

let dir: string;
let exe: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  if (!existsSync(built)) {
    throw new Error(
      `${relative(root, built)} is missing: run \`npm run build:sea\` first (npm run test:dist tests the built artefacts)`,
    );
  }
  const newest = newestInput();
  if (statSync(built).mtimeMs < newest.mtimeMs) {
    throw new Error(
      `${relative(root, built)} is older than ${relative(root, newest.path)}: run \`npm run build:sea\` again`,
    );
  }
  dir = mkdtempSync(join(tmpdir(), 'gp-sea-'));
  const emptyPath = join(dir, 'empty-path');
  const home = join(dir, 'home');
  mkdirSync(emptyPath);
  mkdirSync(home);
  exe = join(dir, 'galera-probe');
  copyFileSync(built, exe);
  copyFileSync(join(root, 'fixtures', 'tls', 'ca.pem'), join(dir, 'ca.pem'));
  // Nothing else: no node on PATH (the directory is empty), no NODE_OPTIONS, a HOME without ~/.my.cnf.
  env = { PATH: emptyPath, HOME: home, USER: 'sea-test' };
  expect(readdirSync(env['PATH']!)).toEqual([]);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const serve = serverPool();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the copied executable from its directory; asynchronous, so fake servers here keep answering. */
function run(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(exe, args, { cwd: dir, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

describe('the single executable, alone in an empty directory without node on PATH', () => {
  it('--version prints the version and nothing on stderr (no SEA warning)', async () => {
    expect(await run(['--version'])).toMatchObject({ code: 0, stdout: `galera-probe ${VERSION}\n`, stderr: '' });
  });

  it('--help prints the same help as the npm package', async () => {
    expect(await run(['--help'])).toMatchObject({ code: 0, stdout: HELP, stderr: '' });
  });

  it('a bad option is a usage error (64)', async () => {
    const r = await run(['--no-such-option', '127.0.0.1:1']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("Try 'galera-probe --help'.");
  });

  it('probes a healthy node: exit 0 and the human line', async () => {
    const server = await serve(galeraNode(SYNCED_NODE));
    const r = await run(['-u', 'probe', server.target]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(new RegExp(`^${server.target} healthy: Synced, Primary, 3 nodes \\(\\d+ ms\\)\\n$`));
    await server.allClosed();
  });

  it('authenticates with MYSQL_PWD and answers --json', async () => {
    const server = await serve(galeraNode(SYNCED_NODE, { password: 'sea-secret' }));
    const r = await run(['-u', 'probe', '--json', server.target], { MYSQL_PWD: 'sea-secret' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      target: server.target,
      healthy: true,
      outcome: 'healthy',
      node: { clusterSize: 3, tls: false },
    });
    expect(r.stdout + r.stderr).not.toContain('sea-secret');
  });

  it('verifies a TLS server against a CA file (node:tls inside the executable)', async () => {
    const pem = (name: string): Buffer => readFileSync(join(root, 'fixtures', 'tls', name));
    const server = await serve(
      galeraNode(SYNCED_NODE, { tls: { key: pem('server-key.pem'), cert: pem('server-cert.pem') } }),
    );
    const r = await run(['-u', 'probe', '--json', '--ssl-mode', 'VERIFY_CA', '--ssl-ca', 'ca.pem', server.target]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ healthy: true, node: { tls: true } });
  });

  it('a server that never writes: --timeout 300ms ends with exit 3 and a timeout line, on time', async () => {
    const server = await serve(() => {});
    const r = await run(['--timeout', '300ms', server.target]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(
      new RegExp(
        `^${server.target} timeout in greeting after 300 ms: connected, but the server sent no greeting.*\\n$`,
      ),
    );
    expect(r.ms).toBeGreaterThanOrEqual(300);
    expect(r.ms).toBeLessThan(300 + 1500); // the deadline plus generous process start-up and exit
    await server.allClosed();
  });

  it('serve answers an HTTP health request, then stops on SIGTERM with exit 0', async () => {
    const server = await serve(galeraNode(SYNCED_NODE));
    const child = spawn(exe, ['serve', '--listen', '127.0.0.1:0', '-u', 'probe', server.target], {
      cwd: dir,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const exit = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      let port = 0;
      for (let i = 0; i < 100 && port === 0; i++) {
        const m = /on http:\/\/127\.0\.0\.1:(\d+) /.exec(stderr);
        if (m) port = Number(m[1]);
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(port, stderr).toBeGreaterThan(0);
      const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/health', agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(reply).toEqual({ status: 200, body: 'synced\n' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exit).toBe(0);
    expect(stderr).toMatch(/start -> healthy: synced/);
  });
});
