/**
 * Builds the single executable: dist/galera-probe-<platform>-<arch> (linux-x64 here),
 * a copy of the running Node.js binary with the whole CLI injected into it, so that a
 * host needs no Node.js and no node_modules.
 *
 *   npm run build:sea [-- --no-code-cache] [-- --strip] [-- --out FILE] [-- --keep]
 *
 * 1. scripts/bundle-cli.ts bundles the CLI into one CommonJS script, as Node 20's SEA
 *    wants (esbuild; every import inside the bundle but node: built-ins, no warnings).
 * 2. `node --experimental-sea-config` turns it into a preparation blob, with V8's code
 *    cache (`useCodeCache`) and without the experimental-feature warning.
 * 3. `process.execPath` is copied and postject injects the blob as NODE_SEA_BLOB,
 *    flipping the sentinel fuse.
 * 4. The result must print `galera-probe <version>` for `--version`, with nothing on
 *    stderr, before it is renamed into place (so a reader never sees half a binary).
 *
 * The executable is the Node.js binary that ran this script: same version, same libc
 * (build with a musl Node.js, e.g. in node:20-alpine, for musl hosts). Linux only:
 * macOS and Windows need signing steps this script does not do.
 * `--strip` runs binutils' `strip` on the copy first (no debug symbols: smaller).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BundleError, bundleCli } from './bundle-cli.js';
import { VERSION } from '../src/version.js';

const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const { values } = parseArgs({
  options: {
    'no-code-cache': { type: 'boolean', default: false },
    strip: { type: 'boolean', default: false },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

class BuildError extends Error {}
function fail(message: string): never {
  throw new BuildError(message);
}

function isMusl(): boolean {
  const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
  return report.header?.glibcVersionRuntime === undefined;
}

process.on('uncaughtException', (err) => {
  process.stderr.write(
    `build-sea: ${err instanceof BuildError || err instanceof BundleError ? err.message : (err.stack ?? String(err))}\n`,
  );
  process.exit(1);
});

if (process.platform !== 'linux')
  fail(`only Linux is supported (this is ${process.platform}); macOS and Windows need code-signing steps`);
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 12))
  fail(`Node.js >= 20.12 is needed for useCodeCache and disableExperimentalSEAWarning (this is ${process.version})`);

const target = `${process.platform}-${process.arch}${isMusl() ? '-musl' : ''}`;
const out = resolve(values.out ?? join(root, 'dist', `galera-probe-${target}`));
const work = mkdtempSync(join(tmpdir(), 'galera-probe-sea-'));
const staged = `${out}.partial-${process.pid}`;
const started = performance.now();

try {
  const nodeBinary = readFileSync(process.execPath);
  if (!nodeBinary.includes(FUSE))
    fail(`${process.execPath} has no SEA fuse: this Node.js build cannot make single executables`);

  // 1. One CommonJS script, as Node 20's SEA wants: the same bundle as dist/galera-probe.cjs.
  const bundle = join(work, 'galera-probe.cjs');
  const bundleBytes = await bundleCli(bundle, 'single executable bundle');

  // 2. The preparation blob.
  const blob = join(work, 'galera-probe.blob');
  const config = join(work, 'sea-config.json');
  const useCodeCache = !values['no-code-cache'];
  writeFileSync(
    config,
    `${JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache }, null, 2)}\n`,
  );
  run(process.execPath, ['--experimental-sea-config', config]);

  // 3. A copy of this Node.js, the blob injected.
  mkdirSync(dirname(out), { recursive: true });
  copyFileSync(process.execPath, staged);
  chmodSync(staged, 0o755);
  if (values.strip) run('strip', [staged]);
  run(process.execPath, [
    require.resolve('postject/dist/cli.js'),
    staged,
    'NODE_SEA_BLOB',
    blob,
    '--sentinel-fuse',
    FUSE,
  ]);

  // 4. It runs, quietly, and is ours.
  const check = spawnSync(staged, ['--version'], { encoding: 'utf8', env: { PATH: '' } });
  if (check.status !== 0 || check.stdout !== `galera-probe ${VERSION}\n` || check.stderr !== '') {
    fail(
      `the executable does not answer --version as expected: exit ${check.status}, stdout ${JSON.stringify(check.stdout)}, stderr ${JSON.stringify(check.stderr)}`,
    );
  }
  renameSync(staged, out);

  const size = statSync(out).size;
  console.log(
    `${shown(out)}: ${(size / 2 ** 20).toFixed(1)} MiB (Node.js ${process.version} ${target}, ` +
      `bundle ${(bundleBytes / 1024).toFixed(0)} KiB, code cache ${useCodeCache ? 'on' : 'off'}${values.strip ? ', stripped' : ''}) ` +
      `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
} finally {
  try {
    rmSync(staged, { force: true });
  } catch {
    // Never got that far (e.g. the output's directory is unusable): the first error is the one to show.
  }
  if (values.keep) console.log(`build-sea: intermediate files kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

/** A path relative to the current directory when it is below it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

/** Runs a build step; its chatter is shown only when it fails. */
function run(file: string, args: string[]): void {
  try {
    execFileSync(file, args, { cwd: work, stdio: 'pipe', encoding: 'utf8' });
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string; message: string };
    fail(`${[file, ...args].join(' ')} failed (${e.status ?? e.message}):\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}
