/**
 * Would a V8 start-up snapshot (`useSnapshot` in a single executable's config, `--snapshot-blob`
 * for node) start the CLI faster? Two questions, one JSON object:
 *
 * 1. Can the CLI be snapshotted at all? Builds a snapshot of the CLI bundle (its modules loaded,
 *    main() set as the deserialized entry) and reports whether Node.js managed.
 * 2. What does starting from a user snapshot cost? Interleaved start-up of `node -e 0`, the
 *    same with an empty user snapshot, a script loading node:net and node:crypto, and a user
 *    snapshot that already holds them (the most a snapshot of the CLI could hold, see 1).
 *
 *   npm run bench:snapshot -- [--runs 30] [--warmup 3]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { intArg, interleave, ratio, report, ROOT, summary } from './lib.js';

const runs = intArg('runs', 30, 1, 1000);
const warmup = intArg('warmup', 3, 0, 100);
const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent' };
const work = mkdtempSync(join(tmpdir(), 'gp-snapshot-'));

interface Built {
  blob?: string;
  bytes?: number;
  /** When the build failed: how the builder ended, and its warnings and errors. */
  failure?: { exit: number | null; signal: string | null; said: string[] };
}

/** Builds a snapshot blob from the script at `entry` with node --build-snapshot. */
function snapshot(entry: string): Built {
  const blob = entry.replace(/\.c?js$/, '.blob');
  const r = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', entry], {
    encoding: 'utf8',
    env,
    cwd: work,
  });
  if (r.status === 0) return { blob, bytes: statSync(blob).size };
  const said = `${r.stderr}${r.stdout}`
    .split('\n')
    .filter((l) => /Warning|Error|Unknown|unresolved/.test(l))
    .map((l) => l.replace(/^\(node:\d+\) /, ''));
  return { failure: { exit: r.status, signal: r.signal, said } };
}

/** Writes `script` to a file in the work directory and snapshots it. */
function snapshotOf(name: string, script: string): Built {
  const entry = join(work, `${name}.cjs`);
  writeFileSync(entry, script);
  return snapshot(entry);
}

const DESERIALIZE_NOTHING = `require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {});\n`;

try {
  // 1. The CLI as a snapshot: the entry wires main() as the function to run after deserializing.
  const cliEntry = join(work, 'cli-entry.ts');
  writeFileSync(
    cliEntry,
    `import { startupSnapshot } from 'node:v8';
import { main } from ${JSON.stringify(join(ROOT, 'src', 'cli', 'main.ts'))};
startupSnapshot.setDeserializeMainFunction(() => {
  main(process.argv.slice(2), { env: process.env, stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) })
    .then((code) => { process.exitCode = code; });
});
`,
  );
  const bundled = join(work, 'cli-bundle.cjs');
  await build({
    entryPoints: [cliEntry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: bundled,
    logLevel: 'silent',
  });
  const cli = snapshot(bundled);

  // 2. The cost of starting from a user snapshot.
  const empty = snapshotOf('empty', DESERIALIZE_NOTHING);
  const loaded = snapshotOf('net-crypto', `require('node:net');\nrequire('node:crypto');\n${DESERIALIZE_NOTHING}`);
  if (!empty.blob || !loaded.blob)
    throw new Error(`snapshot build failed: ${JSON.stringify(empty.failure ?? loaded.failure)}`);
  const commands = [
    { label: 'node-floor', args: ['-e', '0'] },
    { label: 'empty-user-snapshot', args: ['--snapshot-blob', empty.blob] },
    { label: 'require-net-crypto', args: ['-e', "require('node:net');require('node:crypto')"] },
    { label: 'net-crypto-in-snapshot', args: ['--snapshot-blob', loaded.blob] },
  ];
  const times = new Map<string, number[]>(commands.map((c) => [c.label, []]));
  const once = (c: (typeof commands)[number], record: boolean): void => {
    const started = performance.now();
    const r = spawnSync(process.execPath, c.args, { encoding: 'utf8', env, cwd: work });
    const ms = performance.now() - started;
    if (r.status !== 0) throw new Error(`${c.label} failed (exit ${r.status}): ${r.stderr}`);
    if (record) times.get(c.label)!.push(ms);
  };
  await interleave(commands, warmup, (c) => once(c, false));
  await interleave(commands, runs, (c) => once(c, true));
  const median = (label: string): number => summary(times.get(label)!).median;
  report('snapshot', {
    runs,
    warmup,
    interleaved: true,
    unit: 'ms (wall clock, spawn to exit)',
    cliSnapshot: cli.failure ? { built: false, ...cli.failure } : { built: true, bytes: cli.bytes },
    blobBytes: { empty: empty.bytes, 'net-crypto': loaded.bytes },
    results: Object.fromEntries(
      commands.map((c) => [
        c.label,
        { command: ['node', ...c.args.map((a) => a.replace(work, '$TMP'))].join(' '), ...summary(times.get(c.label)!) },
      ]),
    ),
    ratios: {
      'empty-user-snapshot / node-floor': ratio(median('empty-user-snapshot'), median('node-floor')),
      'net-crypto-in-snapshot / require-net-crypto': ratio(
        median('net-crypto-in-snapshot'),
        median('require-net-crypto'),
      ),
    },
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
