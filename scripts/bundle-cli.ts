/**
 * Bundles the CLI into one CommonJS script with esbuild (the one tsx brings), for two users:
 *
 * - `npm run build` writes dist/galera-probe.cjs, which bin/galera-probe loads: one file to
 *   read and compile instead of some thirty ES modules, which took a third off the CLI's
 *   start-up (BENCHMARKS.md, bench:startup). It holds only main.ts, which picks the command;
 *   each command (the single check, `cluster`, `watch`, `serve`) is a bundle of its own
 *   (dist/cli-check.cjs, ...), required when asked for: a single check, the common case,
 *   compiles none of the others' code (the exporter, the pages, bcrypt...), which had doubled
 *   the bundle, and `cluster` none of the single check's;
 * - scripts/build-sea.ts injects one bundle with everything into the single executable,
 *   which cannot load a second file.
 *
 * Every import must end up inside the bundle except node: built-ins (checked from the
 * metafile), only files under src/ may be in it, and any esbuild warning fails the build.
 *
 *   tsx scripts/bundle-cli.ts [OUTFILE]     (default dist/galera-probe.cjs)
 */
import { chmodSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { VERSION } from '../src/version.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export class BundleError extends Error {}

/** The entry: what bin/galera-probe did before, wiring the process to main(). */
const ENTRY = [
  `import { main } from './main.ts';`,
  // A reader that went away (\`| head\`, a closed pipe) is not a crash: once the current turn has
  // settled the exit code, end with it (0 if nothing set one, as for a watch that was cut off).
  `for (const stream of [process.stdout, process.stderr]) {`,
  `  stream.on('error', (err) => {`,
  `    if (err.code !== 'EPIPE') throw err;`,
  `    setImmediate(() => process.exit(process.exitCode ?? 0));`,
  `  });`,
  `}`,
  `main(process.argv.slice(2), {`,
  `  env: process.env,`,
  `  stdout: (text) => process.stdout.write(text),`,
  `  stderr: (text) => process.stderr.write(text),`,
  `}).then((code) => {`,
  `  process.exitCode = code;`,
  `});`,
].join('\n');

/** Subcommands that main.ts imports dynamically, and the bundle each gets when split. */
export const SUBCOMMANDS = [
  { module: './check-command.js', source: 'check-command.ts', name: 'checkCommand', bundle: 'cli-check.cjs' },
  { module: './cluster-command.js', source: 'cluster-command.ts', name: 'clusterCommand', bundle: 'cli-cluster.cjs' },
  { module: './watch-command.js', source: 'watch-command.ts', name: 'watchCommand', bundle: 'cli-watch.cjs' },
  { module: './serve-command.js', source: 'serve-command.ts', name: 'serveCommand', bundle: 'cli-serve.cjs' },
] as const;

/**
 * Writes the bundle to `outfile`; returns its size in bytes. With `split`, each subcommand goes
 * to its own bundle beside it and the main one requires it when asked for. Throws BundleError
 * on any doubt.
 */
export async function bundleCli(outfile: string, purpose: string, split = false): Promise<number> {
  const bytes = await bundleOne(outfile, purpose, ENTRY, split);
  if (split) {
    for (const sub of SUBCOMMANDS) {
      await bundleOne(join(dirname(outfile), sub.bundle), `galera-probe ${sub.name.replace('Command', '')}`, `export { ${sub.name} } from './${sub.source}';`, false);
    }
  }
  return bytes;
}

async function bundleOne(outfile: string, purpose: string, entry: string, split: boolean): Promise<number> {
  const result = await build({
    stdin: { contents: entry, resolveDir: join(ROOT, 'src', 'cli'), sourcefile: 'cli-entry.ts', loader: 'ts' },
    plugins: split
      ? [
          {
            name: 'subcommands-apart',
            setup(b) {
              // main.ts's dynamic imports of the subcommands become requires of their bundles:
              // a plain require, since import() from CommonJS starts Node's ESM loader (~90 ms).
              b.onResolve({ filter: /^\.\/(check|cluster|watch|serve)-command\.js$/ }, (args) => {
                const sub = SUBCOMMANDS.find((x) => x.module === args.path);
                if (!sub || args.kind !== 'dynamic-import' || !args.importer.endsWith(join('src', 'cli', 'main.ts'))) return undefined;
                return { path: sub.bundle, namespace: 'apart' };
              });
              b.onLoad({ filter: /.*/, namespace: 'apart' }, (args) => ({ contents: `module.exports = require('./${args.path}');`, loader: 'js' }));
              b.onResolve({ filter: /^\.\/cli-(check|cluster|watch|serve)\.cjs$/ }, (args) => ({ path: args.path, external: true }));
            },
          },
        ]
      : [],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    metafile: true,
    logLevel: 'silent',
    banner: { js: `#!/usr/bin/env node\n// galera-probe ${VERSION}: ${purpose} (scripts/bundle-cli.ts)` },
  });
  if (result.warnings.length > 0) {
    throw new BundleError(`esbuild warnings:\n${result.warnings.map((w) => `  ${w.location?.file ?? ''}:${w.location?.line ?? ''} ${w.text}`).join('\n')}`);
  }
  const output = Object.values(result.metafile.outputs)[0];
  if (!output) throw new BundleError('esbuild produced no output');
  const apart = new Set<string>(SUBCOMMANDS.map((x) => `./${x.bundle}`));
  const outside = output.imports.filter((i) => i.external && !isBuiltin(i.path) && !(split && apart.has(i.path))).map((i) => `${i.kind} ${i.path}`);
  if (outside.length > 0) throw new BundleError(`imports left outside the bundle: ${outside.join(', ')}`);
  const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('src/') && !(split && p.startsWith('apart:')));
  if (inputs.length > 0) throw new BundleError(`the bundle holds files outside src/: ${inputs.join(', ')}`);
  // esbuild bundles `import('./x.js')` but leaves a computed `import(name)` or `require(name)`
  // alone, silently; those could only fail at run time.
  const code = readFileSync(outfile, 'utf8');
  const own = split ? /^(import|require)\("\.\/cli-(check|cluster|watch|serve)\.cjs"\)/ : /^$/;
  const loose = [...code.matchAll(/\bimport\(|\brequire\((?!"node:[\w/]+"\))/g)]
    .map((m) => code.slice(m.index, m.index + 40).split('\n')[0]!)
    .filter((text) => !own.test(text));
  if (loose.length > 0) throw new BundleError(`dynamic imports or requires the bundle cannot resolve: ${loose.join('; ')}`);
  chmodSync(outfile, 0o755);
  return Buffer.byteLength(code);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outfile = resolve(process.argv[2] ?? join(ROOT, 'dist', 'galera-probe.cjs'));
  try {
    await bundleCli(outfile, 'the CLI (its subcommands in cli-*.cjs beside it)', true);
  } catch (err) {
    process.stderr.write(`bundle-cli: ${err instanceof BundleError ? err.message : ((err as Error).stack ?? String(err))}\n`);
    process.exitCode = 1;
  }
}
