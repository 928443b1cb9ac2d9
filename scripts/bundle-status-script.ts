/**
 * Bundles the status page's browser script (src/serve/status/browser/status.ts, TypeScript
 * checked with the DOM library by tsconfig.browser.json) with esbuild into
 * src/serve/status/script.ts, the string serve answers at /status.js. `npm run build` runs it
 * first; the result is committed so that the sources run without a build, and
 * test/status-page.test.ts fails when it is stale.
 *
 *   tsx scripts/bundle-status-script.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const STATUS_SCRIPT_SOURCE = join(ROOT, 'src/serve/status/browser/status.ts');
export const STATUS_SCRIPT_MODULE = join(ROOT, 'src/serve/status/script.ts');

/** The text of src/serve/status/script.ts for the current browser source. */
export async function statusScriptModule(): Promise<string> {
  const out = await build({
    entryPoints: [STATUS_SCRIPT_SOURCE],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
  });
  if (out.warnings.length > 0) throw new Error(`esbuild: ${out.warnings.map((w) => w.text).join('; ')}`);
  const lines = out.outputFiles[0]!.text.trimEnd().split('\n');
  return [
    '// Written by scripts/bundle-status-script.ts from browser/status.ts (`npm run build`); do not edit.',
    "/** The status page's script, served at /status.js. */",
    'export const STATUS_JS = [',
    ...lines.map((l) => `  ${JSON.stringify(l)},`),
    "  '',",
    "].join('\\n');",
    '',
  ].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = await statusScriptModule();
  let old = '';
  try {
    old = readFileSync(STATUS_SCRIPT_MODULE, 'utf8');
  } catch {
    // first run
  }
  if (old !== text) writeFileSync(STATUS_SCRIPT_MODULE, text);
}
