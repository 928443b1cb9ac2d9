/**
 * Bundles the CLI into one CommonJS script with esbuild (the one tsx brings), for two users:
 *
 * - `npm run build` writes dist/galera-probe.cjs, which bin/galera-probe loads: one file to
 *   read and compile instead of some thirty ES modules, which took a third off the CLI's
 *   start-up (BENCHMARKS.md, bench:startup);
 * - scripts/build-sea.ts injects the same kind of bundle into the single executable.
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

/** Writes the bundle to `outfile`; returns its size in bytes. Throws BundleError on any doubt. */
export async function bundleCli(outfile: string, purpose: string): Promise<number> {
  const result = await build({
    stdin: { contents: ENTRY, resolveDir: join(ROOT, 'src', 'cli'), sourcefile: 'cli-entry.ts', loader: 'ts' },
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
  const outside = output.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => `${i.kind} ${i.path}`);
  if (outside.length > 0) throw new BundleError(`imports left outside the bundle: ${outside.join(', ')}`);
  const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('src/'));
  if (inputs.length > 0) throw new BundleError(`the bundle holds files outside src/: ${inputs.join(', ')}`);
  // esbuild bundles `import('./x.js')` but leaves a computed `import(name)` or `require(name)`
  // alone, silently; those could only fail at run time.
  const code = readFileSync(outfile, 'utf8');
  const loose = [...code.matchAll(/\bimport\(|\brequire\((?!"node:[\w/]+"\))/g)].map((m) => code.slice(m.index, m.index + 40).split('\n')[0]);
  if (loose.length > 0) throw new BundleError(`dynamic imports or requires the bundle cannot resolve: ${loose.join('; ')}`);
  chmodSync(outfile, 0o755);
  return Buffer.byteLength(code);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outfile = resolve(process.argv[2] ?? join(ROOT, 'dist', 'galera-probe.cjs'));
  try {
    await bundleCli(outfile, 'the CLI in one script');
  } catch (err) {
    process.stderr.write(`bundle-cli: ${err instanceof BundleError ? err.message : ((err as Error).stack ?? String(err))}\n`);
    process.exitCode = 1;
  }
}
