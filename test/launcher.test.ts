/**
 * bin/galera-probe as built by `npm run build` (prepare): its V8 code caches, and what it loads
 * for --help, --version and a plain check. The timings are BENCHMARKS.md's (bench:startup,
 * bench:cli); here only what can fail: a cache V8 accepts, a stale one kept out, nothing loaded
 * that the command line does not need.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Script } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODE_CACHE_WRAPPER, LARGE_OBJECT_SOURCE, SUBCOMMANDS } from '../scripts/bundle-cli.js';
import { CLUSTER_HELP, HELP } from '../src/cli/help.js';
import { VERSION } from '../src/version.js';
import { galeraNode, startFakeServer, SYNCED_NODE } from './support/fake-server.js';

const root = join(import.meta.dirname, '..');
const exec = promisify(execFile);
const BUNDLES = readdirSync(join(root, 'dist')).filter((f) => f.endsWith('.cjs'));
let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gp-launcher-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of bin/ and dist/ to change; returns its launcher. */
function copy(name: string): string {
  const dir = join(work, name);
  // verbatimSymlinks: bin/galera-probe stays a link to the copy's own galera-probe.cjs.
  cpSync(join(root, 'bin'), join(dir, 'bin'), { recursive: true, verbatimSymlinks: true });
  cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
  return join(dir, 'bin', 'galera-probe');
}

async function run(
  launcher: string,
  argv: string[],
  preload?: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = [...(preload ? ['--require', preload] : []), launcher, ...argv];
  try {
    const { stdout, stderr } = await exec(process.execPath, args, {
      env: { PATH: process.env['PATH'], HOME: work, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** As bin/galera-probe compiles a bundle: the file as it is. */
function compile(bundle: string, cachedData: Buffer): Script {
  return new Script(readFileSync(bundle, 'utf8'), { filename: bundle, cachedData });
}

describe("the launcher's code caches", () => {
  it.each(BUNDLES)('%s: the build wrapped it as the function the launcher calls, in ASCII', (name) => {
    const text = readFileSync(join(root, 'dist', name), 'utf8');
    expect(text.startsWith(`${CODE_CACHE_WRAPPER[0]}\n// build `)).toBe(true);
    expect(text.endsWith(CODE_CACHE_WRAPPER[1])).toBe(true);
    expect(/^[\x00-\x7f]*$/.test(text)).toBe(true);
    // Required as the launcher does, a bundle starts nothing: it exports start().
    const module = { exports: {} as Record<string, unknown> };
    compile(join(root, 'dist', name), Buffer.alloc(0)).runInThisContext()(
      module.exports,
      createRequire(import.meta.url),
      module,
    );
    expect(typeof module.exports['start']).toBe('function');
  });

  it.each(SUBCOMMANDS.map((s) => s.bundle))(
    '%s: past 128 KiB, so that V8 keeps its text out of the young generation',
    (name) => {
      const text = readFileSync(join(root, 'dist', name), 'utf8');
      expect(text.length).toBeGreaterThanOrEqual(LARGE_OBJECT_SOURCE);
      expect(LARGE_OBJECT_SOURCE).toBeGreaterThan(128 * 1024);
    },
  );

  it.each(BUNDLES)('%s: its cache carries its build id and V8 accepts it', (name) => {
    const bundle = join(root, 'dist', name);
    const id = /^\/\/ build ([0-9a-f]{16})$/m.exec(readFileSync(bundle, 'utf8'))?.[1];
    const cache = readFileSync(`${bundle}.cache`);
    expect(cache.toString('latin1', 0, 16)).toBe(id);
    expect(compile(bundle, cache.subarray(16)).cachedDataRejected).toBe(false);
  });

  it('a cache from another build is not used, though V8 would take it (it compares only lengths)', async () => {
    const launcher = copy('rebuilt');
    const bundle = join(launcher, '..', '..', 'dist', 'galera-probe.cjs');
    // "Another build": the same length, another text, another id; the old cache left beside it.
    const text = readFileSync(bundle, 'utf8');
    const rebuilt = text
      .replace('Usage: galera-probe [options]', 'USAGE: galera-probe [options]')
      .replace(/^\/\/ build [0-9a-f]{16}$/m, '// build 0123456789abcdef');
    expect(rebuilt.length).toBe(text.length);
    writeFileSync(bundle, rebuilt);
    expect(compile(bundle, readFileSync(`${bundle}.cache`).subarray(16)).cachedDataRejected).toBe(false);
    const r = await run(launcher, ['--help']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.startsWith('USAGE: galera-probe [options]')).toBe(true);
  });

  it('a cache V8 rejects (another Node.js, or damaged) costs nothing but the compile: the CLI still works', async () => {
    const launcher = copy('rejected');
    for (const name of BUNDLES) {
      const file = join(launcher, '..', '..', 'dist', `${name}.cache`);
      const cache = readFileSync(file);
      cache.fill(0xa5, 16, 48); // V8's header: magic number, version and flags hashes
      writeFileSync(file, cache);
    }
    expect(
      compile(
        join(launcher, '..', '..', 'dist', 'cli-check.cjs'),
        readFileSync(join(launcher, '..', '..', 'dist', 'cli-check.cjs.cache')).subarray(16),
      ).cachedDataRejected,
    ).toBe(true);
    expect(await run(launcher, ['--version'])).toEqual({ code: 0, stdout: `galera-probe ${VERSION}\n`, stderr: '' });
    const r = await run(launcher, ['--no-defaults', '--bogus']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/Unknown option '--bogus'/);
  });

  it('without caches the CLI works too', async () => {
    const launcher = copy('none');
    for (const name of BUNDLES) rmSync(join(launcher, '..', '..', 'dist', `${name}.cache`));
    expect(await run(launcher, ['-V'])).toEqual({ code: 0, stdout: `galera-probe ${VERSION}\n`, stderr: '' });
  });
});

describe('what a command line loads', () => {
  it('Node.js reads no package.json to run the launcher: it is a .cjs file, and bin/galera-probe links to it', async () => {
    const launcher = copy('no-package-json');
    // Read, this would fail the run (ERR_INVALID_PACKAGE_CONFIG): Node.js looks for the module type
    // of any main script not named .cjs or .mjs in the nearest package.json, bin/'s first.
    writeFileSync(join(launcher, '..', 'package.json'), '{ not json');
    expect(readlinkSync(launcher)).toBe('galera-probe.cjs');
    expect(await run(launcher, ['--version'])).toEqual({ code: 0, stdout: `galera-probe ${VERSION}\n`, stderr: '' });
    const r = await run(launcher, ['--no-defaults', '--bogus']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/Unknown option '--bogus'/);
  });

  it("--help and --version, for every command, load no command's bundle", async () => {
    const launcher = copy('no-commands');
    for (const name of BUNDLES.filter((b) => b.startsWith('cli-'))) rmSync(join(launcher, '..', '..', 'dist', name));
    expect(await run(launcher, ['--version'])).toEqual({ code: 0, stdout: `galera-probe ${VERSION}\n`, stderr: '' });
    expect(await run(launcher, ['-h'])).toEqual({ code: 0, stdout: HELP, stderr: '' });
    expect(await run(launcher, ['cluster', '--help'])).toEqual({ code: 0, stdout: CLUSTER_HELP, stderr: '' });
    expect(await run(launcher, ['serve', '--version'])).toEqual({
      code: 0,
      stdout: `galera-probe ${VERSION}\n`,
      stderr: '',
    });
    // Anything more on the line is the command's to check first: its bundle is needed (and gone here).
    expect((await run(launcher, ['--json', '--help'])).code).not.toBe(0);
  });

  it('a command line reads and compiles its bundle once, and no module waits in a lazy wrapper', async () => {
    const preload = join(work, 'reads.cjs');
    writeFileSync(
      preload,
      [
        "const fs = require('node:fs');",
        'const read = fs.readFileSync;',
        'const seen = [];',
        'fs.readFileSync = function (file, ...rest) { seen.push(String(file)); return read.call(this, file, ...rest); };',
        "process.on('exit', () => process.stderr.write(JSON.stringify(seen)));",
      ].join('\n'),
    );
    // Unreachable or refused at once: no server needed, the command ran through main() to its end.
    const r = await run(join(root, 'bin', 'galera-probe'), ['--no-defaults', '-u', 'probe', '127.0.0.1:1'], preload);
    expect(r.code).toBe(2);
    const bundles = (JSON.parse(r.stderr.slice(r.stderr.indexOf('['))) as string[]).filter((f) => f.includes('dist'));
    expect(bundles.map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual(['cli-check.cjs', 'cli-check.cjs.cache']);
    // esbuild's lazy initialiser for modules a bundle imports dynamically (none since the build
    // requires each command from its own bundle): it cost a check 0.6 million instructions.
    for (const name of BUNDLES) expect(readFileSync(join(root, 'dist', name), 'utf8')).not.toMatch(/= __esm\(/);
  });

  it("a plain check loads none of Node's TLS modules; one over TLS would", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const preload = join(work, 'modules.cjs');
    writeFileSync(preload, "process.on('exit', () => process.stderr.write(JSON.stringify(process.moduleLoadList)));\n");
    const r = await run(
      join(root, 'bin', 'galera-probe'),
      ['--no-defaults', '-u', 'probe', '--ssl-mode', 'DISABLED', `127.0.0.1:${port}`],
      preload,
    );
    expect(r.code).toBe(2); // unreachable
    const loaded = JSON.parse(r.stderr) as string[];
    expect(loaded).toContain('NativeModule net');
    expect(loaded.filter((m) => /^NativeModule (tls|_tls_wrap|_tls_common)$/.test(m))).toEqual([]);
  });

  describe("V8's scavenge task, which a check turns off once Node's TLS modules are compiled (src/cli/heap.ts)", () => {
    const pem = (name: string): Buffer => readFileSync(join(root, 'fixtures', 'tls', name));
    /** Records every V8 flag the run sets, and whether node:tls had loaded by then. */
    const flagsPreload = (): string => {
      const file = join(work, 'flags.cjs');
      writeFileSync(
        file,
        [
          "const v8 = require('node:v8');",
          'const set = v8.setFlagsFromString;',
          'const seen = [];',
          "v8.setFlagsFromString = (flags) => { seen.push([flags, process.moduleLoadList.includes('NativeModule tls')]); set(flags); };",
          "process.on('exit', () => process.stderr.write(`\\nFLAGS ${JSON.stringify(seen)}\\n`));",
        ].join('\n'),
      );
      return file;
    };
    const flagsOf = (stderr: string): [string, boolean][] =>
      JSON.parse(/\nFLAGS (.*)\n/.exec(stderr)?.[1] ?? 'null') as [string, boolean][];

    it("over TLS: set once, after node:tls loaded, and V8 rejects none of Node.js's code caches for it", async () => {
      const server = await startFakeServer(
        galeraNode(SYNCED_NODE, { tls: { key: pem('server-key.pem'), cert: pem('server-cert.pem') } }),
      );
      try {
        const r = await run(
          join(root, 'bin', 'galera-probe'),
          ['--no-defaults', '--json', '-u', 'probe', server.target],
          flagsPreload(),
          { NODE_DEBUG_NATIVE: 'CODE_CACHE' },
        );
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/"healthy":true.*"tls":true/s);
        expect(flagsOf(r.stderr)).toEqual([['--no-minor-gc-task', true]]);
        // Node.js compiled its TLS modules with its code cache, and nothing after the flag without it.
        expect(r.stderr).toMatch(/Code cache of tls \S+ is accepted/);
        expect(r.stderr).not.toMatch(/ is rejected/);
        // The flag is one this V8 knows (it would say "unrecognized flag" on stderr otherwise).
        expect(r.stderr).not.toMatch(/unrecognized|Error/);
      } finally {
        await server.close();
      }
    });

    it('a plain check sets no flag; nor does a check started with its own choice of the task', async () => {
      const tls = { key: pem('server-key.pem'), cert: pem('server-cert.pem') };
      const server = await startFakeServer(galeraNode(SYNCED_NODE, { tls }));
      try {
        const plain = await run(
          join(root, 'bin', 'galera-probe'),
          ['--no-defaults', '--ssl-mode', 'DISABLED', '-u', 'probe', server.target],
          flagsPreload(),
        );
        expect(plain.code, plain.stderr).toBe(0);
        expect(flagsOf(plain.stderr)).toEqual([]);
        const args = ['--minor-gc-task', '--require', flagsPreload(), join(root, 'bin', 'galera-probe')];
        const argv = [...args, '--no-defaults', '--json', '-u', 'probe', server.target];
        const { stdout, stderr } = await exec(process.execPath, argv, {
          env: { PATH: process.env['PATH'], HOME: work },
        });
        expect(stdout).toMatch(/"healthy":true.*"tls":true/s);
        expect(flagsOf(stderr)).toEqual([]);
      } finally {
        await server.close();
      }
    });
  });
});
