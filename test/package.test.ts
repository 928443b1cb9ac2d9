/**
 * The npm package as users get it: `npm pack` holds the built JS, its declarations, the
 * launcher, README, LICENSE and package.json, nothing else; installed from the tarball
 * into a fresh project, a strict TypeScript program type-checks against the shipped
 * declarations and probes a scripted server, and `npx galera-probe` runs.
 *
 * The repository's own typescript and @types/node serve the consumer (no registry
 * access: the tarball has no dependencies). `npm run test:dist` runs this.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../src/version.js';
import { galeraNode, SYNCED_NODE } from './support/fake-server.js';
import { serverPool } from './support/server-pool.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command asynchronously (fake servers in this process keep answering), without the
 * npm_* variables of an enclosing `npm run`, which would otherwise configure the inner npm.
 */
function run(file: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1', ...extraEnv };
  for (const [k, v] of Object.entries(process.env))
    if (!/^npm_/i.test(k) && k !== 'NODE_OPTIONS' && !(k in env)) env[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function ok(file: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  const r = await run(file, args, cwd, extraEnv);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.code}\n${r.stdout}${r.stderr}`);
  return r;
}

/** What tsconfig.json leaves out of the build (the status page's browser script, bundled into serve instead). */
const NOT_BUILT: readonly string[] =
  (
    JSON.parse(
      readFileSync(new URL('../tsconfig.json', import.meta.url), 'utf8')
        .split('\n')
        .filter((l) => !l.trim().startsWith('//'))
        .join('\n'),
    ) as { exclude?: string[] }
  ).exclude ?? [];

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))
    .map((p) => p.split('\\').join('/'))
    .filter((p) => !NOT_BUILT.includes(`src/${p}`));
}

let work: string;
let tarball: string;
let entries: string[];
let consumer: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gp-pack-'));
  // dist as the sources say it should be, then the tarball exactly as `npm publish` would make it
  // (its `prepare` is this same build, skipped here so that npm's stdout is only the JSON).
  await ok('npm', ['run', '--silent', 'build'], root);
  const packed = await ok('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], root);
  const info = JSON.parse(packed.stdout) as { filename: string }[];
  tarball = join(work, info[0]!.filename);
  entries = (await ok('tar', ['-tzf', tarball], work)).stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^package\//, ''))
    .sort();

  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(
    join(consumer, 'package.json'),
    `${JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  await ok('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--loglevel=error', tarball], consumer);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const startServer = serverPool();
/** The CLI's bundles: the launcher's (it picks the command), and one per command, required when asked for; each with its V8 code cache. */
const BUNDLES = [
  'dist/galera-probe.cjs',
  'dist/cli-check.cjs',
  'dist/cli-cluster.cjs',
  'dist/cli-watch.cjs',
  'dist/cli-serve.cjs',
].flatMap((b) => [b, `${b}.cache`]);

describe('npm pack', () => {
  it('ships the built JS, its declarations, the launcher, README, LICENSE and package.json only', () => {
    const unexpected = entries.filter(
      (p) =>
        !['package.json', 'README.md', 'LICENSE', 'bin/galera-probe.cjs', ...BUNDLES].includes(p) &&
        !/^dist\/.+\.(js|d\.ts)$/.test(p),
    );
    expect(unexpected).toEqual([]);
    for (const dir of ['src/', 'test/', 'fixtures/', 'scripts/', 'bench/', '.ci/', 'node_modules/']) {
      expect(entries.filter((p) => p.startsWith(dir))).toEqual([]);
    }
    expect(entries.filter((p) => /\.(tsbuildinfo|map)$|galera-probe-linux/.test(p))).toEqual([]);
    expect(entries).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'bin/galera-probe.cjs',
        ...BUNDLES,
        'dist/index.js',
        'dist/index.d.ts',
        'dist/cli/main.js',
      ]),
    );
  });

  it('holds a .js and a .d.ts for every source file, and nothing compiled from a file that is gone', () => {
    const sources = sourcesUnder(join(root, 'src')).map((p) => p.replace(/\.ts$/, ''));
    const missing = sources.flatMap((s) => [`dist/${s}.js`, `dist/${s}.d.ts`]).filter((p) => !entries.includes(p));
    expect(missing).toEqual([]);
    const stale = entries
      .filter((p) => p.startsWith('dist/') && !BUNDLES.includes(p))
      .map((p) => p.replace(/^dist\//, '').replace(/(\.d)?\.ts$|\.js$/, ''))
      .filter((p) => !sources.includes(p));
    // A stale file means dist/ holds output of a deleted source: `rm -rf dist && npm run build`.
    expect([...new Set(stale)]).toEqual([]);
  });
});

describe('installed from the tarball into a fresh project', () => {
  it('a strict TypeScript program type-checks against the shipped types and probes a node', async () => {
    const server = await startServer(galeraNode(SYNCED_NODE, { password: 'pkg-secret' }));
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          verbatimModuleSyntax: true,
          skipLibCheck: false, // our declarations are checked too
          typeRoots: [join(root, 'node_modules', '@types')],
          types: ['node'],
          outDir: 'out',
        },
        files: ['check.ts'],
      }),
    );
    writeFileSync(
      join(consumer, 'check.ts'),
      `import { EXIT_CODES, probe, VERSION, type NodeInfo, type Outcome, type Phase, type ProbeOptions, type ProbeResult } from 'galera-probe';

const [host = '', port = ''] = process.argv.slice(2);
const options: ProbeOptions = { host, port: Number(port), user: 'monitor', password: process.env['PKG_PW'] ?? '', timeout: 2000, greetingTimeout: 1000 };
// @ts-expect-error: the types are real, not any (port is a number)
const wrong: ProbeOptions = { port: '3306' };
void wrong;
const result: ProbeResult = await probe(options);
const outcome: Outcome = result.outcome;
const phase: Phase | undefined = result.phase;
const node: NodeInfo | undefined = result.node;
const exit: number = EXIT_CODES[outcome];
console.log(JSON.stringify({ version: VERSION, healthy: result.healthy, outcome, phase: phase ?? null, exit, clusterSize: node?.clusterSize }));
`,
    );
    const tsc = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], consumer);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);

    const r = await ok(process.execPath, ['out/check.js', server.host, String(server.port)], consumer, {
      PKG_PW: 'pkg-secret',
    });
    expect(JSON.parse(r.stdout)).toEqual({
      version: VERSION,
      healthy: true,
      outcome: 'healthy',
      phase: null,
      exit: 0,
      clusterSize: 3,
    });
    await server.allClosed();
  });

  it('the type errors a consumer makes are reported against the shipped declarations', async () => {
    writeFileSync(
      join(consumer, 'bad.ts'),
      `import { probe } from 'galera-probe';\nawait probe({ host: 'db1', sslMode: 'SOMETIMES' });\n`,
    );
    const r = await run(
      process.execPath,
      [
        TSC,
        '--noEmit',
        '--strict',
        '--module',
        'NodeNext',
        '--moduleResolution',
        'NodeNext',
        '--target',
        'ES2022',
        '--types',
        'node',
        '--typeRoots',
        join(root, 'node_modules', '@types'),
        'bad.ts',
      ],
      consumer,
    );
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/bad\.ts\(2,\d+\): error TS2322: Type '"SOMETIMES"' is not assignable to type 'SslMode/);
  });

  it('npx galera-probe runs the installed launcher: --version, and a probe', async () => {
    // Local, and --offline: npx must never fetch some other "galera-probe" from the registry.
    expect(existsSync(join(consumer, 'node_modules', '.bin', 'galera-probe'))).toBe(true);
    const version = await ok('npx', ['--offline', 'galera-probe', '--version'], consumer);
    expect(version.stdout).toBe(`galera-probe ${VERSION}\n`);

    const server = await startServer(galeraNode(SYNCED_NODE));
    const r = await run(
      'npx',
      ['--offline', 'galera-probe', '--no-defaults', '-u', 'monitor', server.target],
      consumer,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ healthy: Synced, Primary, 3 nodes \(\d+ ms\)\n$/);
    // Each subcommand comes from its own bundle in the installed package.
    for (const [sub, usage] of [
      ['cluster', /^Usage: galera-probe cluster /],
      ['watch', /^Usage: galera-probe watch /],
      ['serve', /^Usage: galera-probe serve /],
    ] as const) {
      expect((await ok('npx', ['--offline', 'galera-probe', sub, '--help'], consumer)).stdout).toMatch(usage);
    }
    const cluster = await run(
      'npx',
      ['--offline', 'galera-probe', 'cluster', '--no-defaults', '-u', 'monitor', server.target],
      consumer,
    );
    expect([cluster.code, cluster.stdout]).toEqual([
      0,
      expect.stringMatching(/^cluster healthy: 1 of 1 nodes healthy /m),
    ]);
  });

  it('the installed package is only what was packed (no dependencies pulled in)', () => {
    const installed = readdirSync(join(consumer, 'node_modules')).filter((n) => !n.startsWith('.'));
    expect(installed).toEqual(['galera-probe']);
    const pkg = join(consumer, 'node_modules', 'galera-probe');
    expect(readdirSync(pkg).sort()).toEqual(['LICENSE', 'README.md', 'bin', 'dist', 'package.json']);
  });
});
