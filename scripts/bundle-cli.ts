/**
 * Bundles the CLI into one CommonJS script with esbuild (the one tsx brings), for two users:
 *
 * - `npm run build` writes dist/galera-probe.cjs, which bin/galera-probe loads: one file to
 *   read and compile instead of some thirty ES modules, which took a third off the CLI's
 *   start-up (BENCHMARKS.md, bench:startup). It holds only main.ts, which picks the command;
 *   each command (the single check, `cluster`, `watch`, `serve`) is a bundle of its own
 *   (dist/cli-check.cjs, ...), required when asked for: a single check, the common case,
 *   compiles none of the others' code (the exporter, the pages, bcrypt...), which had doubled
 *   the bundle, and `cluster` none of the single check's. Each of these bundles gets a V8
 *   code cache beside it (BUNDLE.cache, writeCodeCache), which bin/galera-probe compiles with;
 *   node:tls and node:os are loaded on first use (LAZY_BUILTINS);
 * - scripts/build-sea.ts injects one bundle with everything into the single executable,
 *   which cannot load a second file.
 *
 * Every import must end up inside the bundle except node: built-ins (checked from the
 * metafile), only files under src/ may be in it, and any esbuild warning fails the build.
 *
 *   tsx scripts/bundle-cli.ts [OUTFILE]     (default dist/galera-probe.cjs)
 */
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import { build, type Plugin } from 'esbuild';
import { VERSION } from '../src/version.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export class BundleError extends Error {}

/**
 * The entry: `start()` wires the process to main(). The npm package's bundles export it and
 * bin/galera-probe calls it, so that requiring a bundle starts nothing (one command's bundle
 * may require another's for its command); the single executable calls it at once.
 */
const ENTRY_START = [
  `import { writeSync } from 'node:fs';`,
  `import { main } from './main.ts';`,
  // A reader that went away (\`| head\`, a closed pipe) is not a crash: once the current turn has
  // settled the exit code, end with it (0 if nothing set one, as for a watch that was cut off).
  `const gone = () => setImmediate(() => process.exit(process.exitCode ?? 0));`,
  `const made = new Set();`,
  `function stream(name) {`,
  `  const s = process[name];`,
  `  if (!made.has(name)) {`,
  `    made.add(name);`,
  `    s.on('error', (err) => {`,
  `      if (err.code !== 'EPIPE') throw err;`,
  `      gone();`,
  `    });`,
  `  }`,
  `  return s;`,
  `}`,
  // A command that runs once writes its few lines straight to the descriptor, as Node.js does for
  // a file: making process.stdout for a pipe loads Node's whole stream stack (some 1.5 ms, more
  // than --version's own work). If the descriptor would block (EAGAIN: left non-blocking by
  // whoever gave it to us), the rest goes through the stream. serve and watch keep the streams.
  `const direct = process.argv[2] !== 'serve' && process.argv[2] !== 'watch';`,
  `function write(name, fd, text) {`,
  `  if (direct && !made.has(name)) {`,
  `    let bytes = Buffer.from(text);`,
  `    try {`,
  `      while (bytes.length > 0) bytes = bytes.subarray(writeSync(fd, bytes));`,
  `      return;`,
  `    } catch (err) {`,
  `      if (err.code === 'EPIPE') return gone();`,
  `      if (err.code !== 'EAGAIN') throw err;`,
  `      text = bytes;`,
  `    }`,
  `  }`,
  `  stream(name).write(text);`,
  `}`,
  `export function start() {`,
  `  main(process.argv.slice(2), {`,
  `    env: process.env,`,
  `    stdout: (text) => write('stdout', 1, text),`,
  `    stderr: (text) => write('stderr', 2, text),`,
  `  }).then((code) => {`,
  `    process.exitCode = code;`,
  `  });`,
  `}`,
].join('\n');

/**
 * Built-ins that a run may never use, loaded on first use instead of when the bundle starts:
 * node:tls (a plain check never needs it: some 4 ms of Node's own modules), node:os (option
 * files and the default user only; not with --no-defaults -u), node:v8 (serve, and a check over
 * TLS: src/cli/heap.ts). Each lists the names the code imports; a name missing here fails the
 * build (esbuild: no matching export).
 */
export const LAZY_BUILTINS: Record<string, string> = {
  'node:tls': lazyFunctions('node:tls', ['connect', 'createSecureContext'], 'tlsModulesLoaded'),
  'node:os': lazyFunctions('node:os', ['availableParallelism', 'homedir', 'hostname', 'userInfo']),
  'node:v8': lazyFunctions('node:v8', ['setFlagsFromString']),
};

/**
 * The module that stands for a built-in: each name calls the built-in's, loaded on first use.
 * `then` names a function of src/cli/heap.ts to call once it has loaded (for node:tls: a check
 * may change a V8 flag only once Node.js's TLS modules are compiled).
 */
function lazyFunctions(module: string, names: readonly string[], then?: string): string {
  const loaded = then ? `{ loaded = require(${JSON.stringify(module)}); ${then}(); }` : '';
  return [
    ...(then ? [`import { ${then} } from './heap.ts';`] : []),
    'let loaded;',
    then
      ? `const load = () => { if (loaded === undefined) ${loaded} return loaded; };`
      : `const load = () => (loaded ??= require(${JSON.stringify(module)}));`,
    ...names.map((name) => `export function ${name}(...args) { return load().${name}(...args); }`),
  ].join('\n');
}

const lazyBuiltins: Plugin = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:(tls|os|v8)$/ }, (args) =>
      args.namespace === 'lazy' ? { path: args.path, external: true } : { path: args.path, namespace: 'lazy' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      contents: LAZY_BUILTINS[args.path]!,
      loader: 'js',
      resolveDir: join(ROOT, 'src', 'cli'),
    }));
  },
};

/** Subcommands that main.ts imports dynamically, and the bundle each gets when split. */
export const SUBCOMMANDS = [
  { module: './check-command.js', source: 'check-command.ts', name: 'checkCommand', bundle: 'cli-check.cjs' },
  { module: './cluster-command.js', source: 'cluster-command.ts', name: 'clusterCommand', bundle: 'cli-cluster.cjs' },
  { module: './watch-command.js', source: 'watch-command.ts', name: 'watchCommand', bundle: 'cli-watch.cjs' },
  { module: './serve-command.js', source: 'serve-command.ts', name: 'serveCommand', bundle: 'cli-serve.cjs' },
] as const;

/**
 * Writes the bundle to `outfile`; returns its size in bytes. Without `split`, one script that
 * starts the CLI at once (the single executable's). With `split`, the npm package's: `outfile`
 * holds main.ts with every subcommand apart (what --help, --version and an unknown line load),
 * and each subcommand's bundle beside it is the whole CLI with that subcommand inside and the
 * others apart, so that bin/galera-probe loads one bundle for a command line, not two. Each
 * exports `start` (and its subcommand); each gets its code cache. Throws BundleError on any doubt.
 */
export async function bundleCli(outfile: string, purpose: string, split = false): Promise<number> {
  if (!split) return bundleOne(outfile, purpose, `${ENTRY_START}\nstart();`, false);
  const bytes = await bundleOne(outfile, purpose, ENTRY_START, true);
  writeCodeCache(outfile, 0);
  for (const sub of SUBCOMMANDS) {
    const file = join(dirname(outfile), sub.bundle);
    const entry = `${ENTRY_START}\nexport { ${sub.name} } from './${sub.source}';`;
    await bundleOne(file, `galera-probe ${sub.name.replace('Command', '')}`, entry, true);
    writeCodeCache(file, LARGE_OBJECT_SOURCE);
  }
  return bytes;
}

/**
 * What the npm package's bundles are wrapped in: bin/galera-probe compiles each file as it is,
 * a function it calls as Node.js calls a CommonJS module's. Written into the file, not added
 * at load, so that the launcher makes no copy of the text (two copies of 100 KiB, enough to
 * push a check into a scavenge); the code cache is for exactly this text.
 */
export const CODE_CACHE_WRAPPER = ['(function (exports, require, module, __filename, __dirname) {', '\n})'] as const;

/**
 * The length past which a command's bundle is padded. V8 puts a string longer than 128 KiB
 * (kMaxRegularHeapObjectSize) in its large-object space, which does not count toward the fill
 * level (80 % of the young generation) at which it schedules a scavenge; a shorter bundle's text
 * sits in the young generation for the whole run, and it was what pushed a plain check into one
 * scavenge the floor script does not have: 1.9 million instructions, 1.3 % of a check
 * (BENCHMARKS.md, section 13). The padding is a comment at the end, which the code cache never
 * reads; a few KiB on disk, no other cost. `--version` and `--help` (the picker) need no padding:
 * they stay far below the fill level.
 */
export const LARGE_OBJECT_SOURCE = 132 * 1024;

/**
 * Marks the bundle with a build id (a hash of its code, on a line `// build ID` after the
 * wrapper's first line), wraps it (CODE_CACHE_WRAPPER), pads it to `padTo` characters (see
 * LARGE_OBJECT_SOURCE) and writes BUNDLE.cache beside it: the id, then V8's code cache of the
 * file. Compiled eagerly (--no-lazy) so that the cache holds every function, not only the top
 * level a load runs; the flag is restored before the cache is made, since V8 rejects a cache made
 * under other flags (and the launcher sets none: any flag set at run time also makes V8 reject
 * Node's own built-in caches compiled after it, measured at +7 ms a check; the one flag a check
 * sets waits until node:tls has loaded, src/cli/heap.ts). The id is what keeps a cache from
 * another build out: V8 itself compares only the source's length. The file must be ASCII: the
 * launcher reads it as UTF-8 (Node.js's fast path for a whole file; latin1 took 2 million
 * instructions more), and ASCII makes it a one-byte string, half the memory of a two-byte one.
 */
export function writeCodeCache(bundle: string, padTo: number): number {
  const code = readFileSync(bundle, 'utf8');
  if (/[^\x00-\x7f]/.test(code)) throw new BundleError(`${bundle} is not ASCII: the launcher needs a one-byte string`);
  const id = createHash('sha256').update(code).digest('hex').slice(0, 16);
  let marked = `${CODE_CACHE_WRAPPER[0]}\n// build ${id}\n${code}${CODE_CACHE_WRAPPER[1]}`;
  if (marked.length < padTo) {
    const note =
      '\n// Padding past 128 KiB: V8 keeps a longer text out of the young generation (scripts/bundle-cli.ts).\n//';
    marked = `${marked.slice(0, -CODE_CACHE_WRAPPER[1].length)}${note}${' '.repeat(Math.max(0, padTo - marked.length - note.length))}${CODE_CACHE_WRAPPER[1]}`;
  }
  writeFileSync(bundle, marked);
  setFlagsFromString('--no-lazy');
  let script: Script;
  try {
    script = new Script(marked, { filename: bundle });
  } finally {
    setFlagsFromString('--lazy');
  }
  const data = Buffer.concat([Buffer.from(id, 'latin1'), script.createCachedData()]);
  writeFileSync(`${bundle}.cache`, data);
  return data.length;
}

/**
 * main.ts's dynamic import of each subcommand becomes a require of that subcommand's bundle,
 * its own included: a command's bundle holds its command through the entry's static export, and
 * the launcher answers a require of the bundle it is running with that bundle's exports. So no
 * module is the target of a dynamic import inside a bundle, and esbuild wraps none of them in a
 * lazy initialiser (`__esm`): each module's top level runs once, in order, as the bundle loads.
 * The wrappers had cost a check 0.6-0.7 million instructions and 13 KiB of its code cache
 * (BENCHMARKS.md, section 14).
 */
const subcommandsApart: Plugin = {
  name: 'subcommands-apart',
  setup(b) {
    // A plain require, since import() from CommonJS starts Node's ESM loader (~90 ms).
    b.onResolve({ filter: /^\.\/(check|cluster|watch|serve)-command\.js$/ }, (args) => {
      const sub = SUBCOMMANDS.find((x) => x.module === args.path);
      if (!sub || args.kind !== 'dynamic-import' || !args.importer.endsWith(join('src', 'cli', 'main.ts')))
        return undefined;
      return { path: sub.bundle, namespace: 'apart' };
    });
    b.onLoad({ filter: /.*/, namespace: 'apart' }, (args) => ({
      contents: `module.exports = require('./${args.path}');`,
      loader: 'js',
    }));
    b.onResolve({ filter: /^\.\/cli-(check|cluster|watch|serve)\.cjs$/ }, (args) => ({
      path: args.path,
      external: true,
    }));
  },
};

/** One bundle: with `split`, each subcommand main.ts loads is required from its own bundle. */
async function bundleOne(outfile: string, purpose: string, entry: string, split: boolean): Promise<number> {
  const result = await build({
    stdin: { contents: entry, resolveDir: join(ROOT, 'src', 'cli'), sourcefile: 'cli-entry.ts', loader: 'ts' },
    plugins: split ? [lazyBuiltins, subcommandsApart] : [lazyBuiltins],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    metafile: true,
    logLevel: 'silent',
    // The npm package's bundles are wrapped for the launcher (writeCodeCache), never run alone.
    banner: {
      js: `${split ? '' : '#!/usr/bin/env node\n'}// galera-probe ${VERSION}: ${purpose} (scripts/bundle-cli.ts)`,
    },
  });
  if (result.warnings.length > 0) {
    throw new BundleError(
      `esbuild warnings:\n${result.warnings.map((w) => `  ${w.location?.file ?? ''}:${w.location?.line ?? ''} ${w.text}`).join('\n')}`,
    );
  }
  const output = Object.values(result.metafile.outputs)[0];
  if (!output) throw new BundleError('esbuild produced no output');
  const apart = new Set<string>(SUBCOMMANDS.map((x) => `./${x.bundle}`));
  const outside = output.imports
    .filter((i) => i.external && !isBuiltin(i.path) && !(split && apart.has(i.path)))
    .map((i) => `${i.kind} ${i.path}`);
  if (outside.length > 0) throw new BundleError(`imports left outside the bundle: ${outside.join(', ')}`);
  const inputs = Object.keys(result.metafile.inputs).filter(
    (p) => !p.startsWith('src/') && !p.startsWith('lazy:') && !(split && p.startsWith('apart:')),
  );
  if (inputs.length > 0) throw new BundleError(`the bundle holds files outside src/: ${inputs.join(', ')}`);
  // esbuild bundles `import('./x.js')` but leaves a computed `import(name)` or `require(name)`
  // alone, silently; those could only fail at run time.
  const code = readFileSync(outfile, 'utf8');
  const own = split ? /^(import|require)\("\.\/cli-(check|cluster|watch|serve)\.cjs"\)/ : /^$/;
  const loose = [...code.matchAll(/\bimport\(|\brequire\((?!"node:[\w/]+"\))/g)]
    .map((m) => code.slice(m.index, m.index + 40).split('\n')[0]!)
    .filter((text) => !own.test(text));
  if (loose.length > 0)
    throw new BundleError(`dynamic imports or requires the bundle cannot resolve: ${loose.join('; ')}`);
  chmodSync(outfile, split ? 0o644 : 0o755);
  return Buffer.byteLength(code);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outfile = resolve(process.argv[2] ?? join(ROOT, 'dist', 'galera-probe.cjs'));
  try {
    await bundleCli(outfile, 'the CLI (its subcommands in cli-*.cjs beside it)', true);
  } catch (err) {
    process.stderr.write(
      `bundle-cli: ${err instanceof BundleError ? err.message : ((err as Error).stack ?? String(err))}\n`,
    );
    process.exitCode = 1;
  }
}
