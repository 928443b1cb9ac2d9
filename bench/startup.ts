/**
 * Start-up time of the CLI, printed as one JSON object:
 *
 *   node-floor   `node -e 0`: what any Node.js program pays before its own code
 *   npm-bin      `node bin/galera-probe --version`: the npm package's launcher (the CommonJS bundle dist/galera-probe.cjs)
 *   npm-bin-help `node bin/galera-probe --help`
 *   sea          `dist/galera-probe-linux-x64 --version`: the single executable
 *   npm-bin-check, npm-bin-check-tls, sea-check, sea-check-tls
 *                a whole check against a scripted Galera node on loopback that costs nothing
 *                (bench/tls-node-server.ts, in a child process): `--ssl-mode DISABLED`, and the
 *                default PREFERRED, which negotiates TLS with it; what the TLS path adds at start
 *
 * Runs are interleaved (each round runs every command once, in a rotating order) so
 * that drift of the machine (frequency, cache, other load) hits all commands alike;
 * the figures are medians of wall-clock time and of CPU time (user + system), both as bash's
 * `time` reports them (bench/lib.ts, spawnTimed): on a loaded machine CPU time is the steadier.
 *
 *   npm run bench:startup -- [--runs 30] [--warmup 3] [--sea PATH] [--extra LABEL=PATH]... [--launcher LABEL=PATH]...
 *
 * `--extra` adds more executables (given `--version`), e.g. SEA builds with other options.
 * `--launcher` adds another build's bin/galera-probe (e.g. a copy of the one before a change),
 * run by node like npm-bin: `--version`, `--help` and the two checks, as LABEL, LABEL-help, ...
 */
import { spawn } from 'node:child_process';
import { once as onceEvent } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnTimed } from './lib.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// A clean environment for every command: variables such as NODE_EXTRA_CA_CERTS (set on some
// machines, this one included) make every Node.js process read a CA bundle at start-up,
// some 45 ms here, which would hide what is being compared.
const CLEAN_ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/' };

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
    sea: { type: 'string', default: join(root, 'dist', `galera-probe-${process.platform}-${process.arch}`) },
    extra: { type: 'string', multiple: true, default: [] },
    launcher: { type: 'string', multiple: true, default: [] },
  },
});
const runs = Number(values.runs);
const warmup = Number(values.warmup);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(warmup) || warmup < 0) {
  throw new Error('--runs must be a positive integer and --warmup a non-negative integer');
}

interface Command {
  label: string;
  file: string;
  args: string[];
  /** What stdout must be, so a broken build cannot post a fast time. */
  expect: RegExp;
  env?: NodeJS.ProcessEnv;
}

/** The scripted node the `-check` commands probe, in its own process (this one blocks in spawnSync). */
const NODE_PASSWORD = 'bench';
const node = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', 'tls-node-server.ts'), NODE_PASSWORD], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const nodeExited = onceEvent(node, 'exit');
let nodeLine = '';
node.stdout!.setEncoding('utf8');
while (!nodeLine.includes('\n')) {
  const [chunk] = (await Promise.race([onceEvent(node.stdout!, 'data'), nodeExited.then(() => [undefined])])) as [
    string | undefined,
  ];
  if (chunk === undefined) throw new Error('bench/tls-node-server.ts exited before it was ready');
  nodeLine += chunk;
}
const nodeTarget = `127.0.0.1:${(JSON.parse(nodeLine) as { port: number }).port}`;
/** A check of the scripted node; with TLS, the JSON result must say it was negotiated. */
function check(label: string, file: string, launcher: string[], tls: boolean): Command {
  return {
    label,
    file,
    args: [...launcher, '--no-defaults', '-u', 'probe', ...(tls ? ['--json'] : ['--ssl-mode', 'DISABLED']), nodeTarget],
    expect: tls ? /"healthy":true.*"tls":true/s : /^127\.0\.0\.1:\d+ healthy: /,
    env: { MYSQL_PWD: NODE_PASSWORD },
  };
}

const VERSION_LINE = /^galera-probe \d+\.\d+\.\d+\S*\n$/;
const commands: Command[] = [
  { label: 'node-floor', file: process.execPath, args: ['-e', '0'], expect: /^$/ },
  {
    label: 'npm-bin',
    file: process.execPath,
    args: [join(root, 'bin', 'galera-probe'), '--version'],
    expect: VERSION_LINE,
  },
];
if (!existsSync(join(root, 'dist', 'galera-probe.cjs')))
  throw new Error('dist/galera-probe.cjs is missing: run `npm run build` first');
const HELP_START = /^Usage: galera-probe \[options\] <target>\n/;
commands.push({
  label: 'npm-bin-help',
  file: process.execPath,
  args: [join(root, 'bin', 'galera-probe'), '--help'],
  expect: HELP_START,
});
commands.push(check('npm-bin-check', process.execPath, [join(root, 'bin', 'galera-probe')], false));
commands.push(check('npm-bin-check-tls', process.execPath, [join(root, 'bin', 'galera-probe')], true));
for (const spec of values.launcher) {
  const at = spec.indexOf('=');
  const file = resolve(spec.slice(at + 1));
  if (at < 1 || !existsSync(file))
    throw new Error(`--launcher wants LABEL=PATH to an existing bin/galera-probe, got ${spec}`);
  const label = spec.slice(0, at);
  commands.push({ label, file: process.execPath, args: [file, '--version'], expect: VERSION_LINE });
  commands.push({ label: `${label}-help`, file: process.execPath, args: [file, '--help'], expect: HELP_START });
  commands.push(check(`${label}-check`, process.execPath, [file], false));
  commands.push(check(`${label}-check-tls`, process.execPath, [file], true));
}
if (existsSync(values.sea)) {
  commands.push({ label: 'sea', file: values.sea, args: ['--version'], expect: VERSION_LINE });
  commands.push(check('sea-check', values.sea, [], false));
  commands.push(check('sea-check-tls', values.sea, [], true));
} else process.stderr.write(`bench: ${values.sea} not found (run \`npm run build:sea\`); measuring without it\n`);
for (const spec of values.extra) {
  const at = spec.indexOf('=');
  if (at < 1) throw new Error(`--extra wants LABEL=PATH, got ${spec}`);
  const file = resolve(spec.slice(at + 1));
  if (!existsSync(file)) throw new Error(`--extra ${spec}: no such file`);
  commands.push({ label: spec.slice(0, at), file, args: ['--version'], expect: VERSION_LINE });
}

/** A path relative to the repository when it is inside it. */
function shown(path: string): string {
  const rel = relative(root, path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

function once(c: Command): { wallMs: number; cpuMs: number } {
  const r = spawnTimed(c.file, c.args, { ...CLEAN_ENV, ...c.env });
  if (r.status !== 0 || !c.expect.test(r.stdout) || r.stderr !== '') {
    throw new Error(
      `${c.label}: exit ${r.status}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`,
    );
  }
  return r;
}

const samples = new Map<string, number[]>(commands.map((c) => [c.label, []]));
const cpuSamples = new Map<string, number[]>(commands.map((c) => [c.label, []]));
for (let round = 0; round < warmup + runs; round++) {
  for (let i = 0; i < commands.length; i++) {
    const c = commands[(round + i) % commands.length]!;
    const { wallMs, cpuMs } = once(c);
    if (round >= warmup) {
      samples.get(c.label)!.push(wallMs);
      cpuSamples.get(c.label)!.push(cpuMs);
    }
  }
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
const round1 = (n: number): number => Math.round(n * 10) / 10;

const results: Record<string, unknown> = {};
for (const c of commands) {
  const sorted = [...samples.get(c.label)!].sort((a, b) => a - b);
  results[c.label] = {
    command: [
      c.file === process.execPath ? 'node' : shown(c.file),
      ...c.args.map((a) => (a.startsWith(root) ? relative(root, a) : a)),
    ].join(' '),
    medianMs: round1(quantile(sorted, 0.5)),
    p10Ms: round1(quantile(sorted, 0.1)),
    p90Ms: round1(quantile(sorted, 0.9)),
    minMs: round1(sorted[0]!),
    cpuMedianMs: round1(
      quantile(
        [...cpuSamples.get(c.label)!].sort((a, b) => a - b),
        0.5,
      ),
    ),
    ...(c.file === process.execPath ? {} : { sizeBytes: statSync(c.file).size }),
  };
}

node.stdin!.end();
const killer = setTimeout(() => node.kill('SIGKILL'), 5000);
await nodeExited;
clearTimeout(killer);

const median = (label: string): number =>
  quantile(
    [...samples.get(label)!].sort((a, b) => a - b),
    0.5,
  );
const cpuMedian = (label: string): number =>
  quantile(
    [...cpuSamples.get(label)!].sort((a, b) => a - b),
    0.5,
  );
const cpuRatios: Record<string, number> = {};
for (const c of commands)
  if (c.label !== 'node-floor')
    cpuRatios[`${c.label} / node-floor`] = Math.round((cpuMedian(c.label) / cpuMedian('node-floor')) * 100) / 100;
const ratios: Record<string, number> = {};
for (const c of commands)
  if (c.label !== 'node-floor')
    ratios[`${c.label} / node-floor`] = Math.round((median(c.label) / median('node-floor')) * 100) / 100;
for (const base of [
  'npm-bin-check',
  'sea-check',
  ...values.launcher.map((spec) => `${spec.slice(0, spec.indexOf('='))}-check`),
]) {
  if (samples.has(base))
    ratios[`${base}-tls / ${base}`] = Math.round((median(`${base}-tls`) / median(base)) * 100) / 100;
}

const cpu = cpus();
console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: {
        cpu: cpu[0]?.model ?? 'unknown',
        cpus: cpu.length,
        memoryGiB: round1(totalmem() / 2 ** 30),
        os: `${process.platform} ${release()}`,
      },
      node: process.version,
      runs,
      warmup,
      interleaved: true,
      environment: 'PATH and HOME only',
      results,
      ratios,
      cpuRatios,
    },
    null,
    2,
  ),
);
