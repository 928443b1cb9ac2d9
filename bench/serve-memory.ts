/**
 * Benchmark 6: memory of a long-running `galera-probe serve` under continuous probing. Several
 * serve processes run side by side for `--seconds` (600), each with `--cache 0` (every request
 * is a new probe, a new connection to the node) and its own client in this process sending
 * one request at a time, at most `--rate` (50) a second. Every `--sample` seconds (10): each
 * process's RSS (VmRSS), its CPU time (utime + stime) and the probes it answered.
 *
 * The variants (all by default): the probe's ssl mode, DISABLED or PREFERRED (TLS), each as
 * serve runs (its young generation kept at its initial size, src/cli/heap.ts) and with V8's
 * default maximum given to node (`--max-semi-space-size=16`, which serve then leaves alone).
 * Run side by side, the machine's drift hits all alike. `--sea` adds `tls-sea`: the single
 * executable (dist/galera-probe-linux-x64, npm run build:sea), which takes no node flags.
 * `--extra LABEL=FLAGS` adds a TLS variant with these node flags (space-separated), to try
 * other V8 settings side by side; `--launcher LABEL=PATH` a TLS variant run by another build's
 * bin/galera-probe (e.g. a copy from before a change); `--extra-env LABEL=K=V[ K=V...]` a TLS
 * variant of this build with these environment variables added (e.g. glibc's MALLOC_ARENA_MAX).
 * Those always run; `--only` picks among the four fixed variants. `--env-for LABEL=K=V[ K=V...]`
 * adds variables to the variant LABEL's environment (any variant, e.g. a `--launcher` one, to run
 * Node's floor with the same glibc setting). `--env K=V` (repeatable) adds
 * a variable to every variant's environment, e.g. NODE_OPTIONS='--require /abs/bench/memory-stats.cjs'
 * with MEMORY_STATS_DIR for V8's figures (RSS-FINDINGS.md); `--keep` leaves the processes running
 * for `--keep` seconds after the load ends (to read their /proc/PID/smaps), printing their pids.
 *
 *   npm run bench:serve-memory -- [--seconds 600] [--rate 50] [--sample 10] [--only LABEL]... [--sea] [--extra LABEL=FLAGS]... [--launcher LABEL=PATH]... [--extra-env LABEL=K=V...]... [--env-for LABEL=K=V...]... [--env K=V]... [--keep 0]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { database, flagArg, intArg, listArg, ratio, report, ROOT, summary } from './lib.js';

const seconds = intArg('seconds', 600, 5, 3600);
const rate = intArg('rate', 50, 1, 1000);
const sampleSeconds = intArg('sample', 10, 1, 600);
const db = database();

interface Variant {
  label: string;
  sslMode: 'DISABLED' | 'PREFERRED';
  nodeFlags: string[];
  /** The single executable instead of node bin/galera-probe. */
  sea?: string;
  /** Another build's bin/galera-probe instead of this one's. */
  launcher?: string;
  /** Environment variables added to the clean environment. */
  env?: Record<string, string>;
}
const pairs = (text: string, what: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split(' ')
      .filter((p) => p !== '')
      .map((p) => {
        const at = p.indexOf('=');
        if (at < 1) throw new Error(`${what} ${text}: expected K=V`);
        return [p.slice(0, at), p.slice(at + 1)];
      }),
  );
const V8_DEFAULT = '--max-semi-space-size=16';
const all: Variant[] = [
  { label: 'plain', sslMode: 'DISABLED', nodeFlags: [] },
  { label: 'tls', sslMode: 'PREFERRED', nodeFlags: [] },
  { label: 'plain-v8-default', sslMode: 'DISABLED', nodeFlags: [V8_DEFAULT] },
  { label: 'tls-v8-default', sslMode: 'PREFERRED', nodeFlags: [V8_DEFAULT] },
];
if (flagArg('sea')) {
  const sea = join(ROOT, 'dist', `galera-probe-${process.platform}-${process.arch}`);
  if (!existsSync(sea)) throw new Error(`--sea: ${sea} not found (npm run build:sea)`);
  all.push({ label: 'tls-sea', sslMode: 'PREFERRED', nodeFlags: [], sea });
}
for (const extra of listArg('extra')) {
  const at = extra.indexOf('=');
  if (at < 1) throw new Error(`--extra ${extra}: expected LABEL=FLAGS`);
  all.push({
    label: extra.slice(0, at),
    sslMode: 'PREFERRED',
    nodeFlags: extra
      .slice(at + 1)
      .split(' ')
      .filter((f) => f !== ''),
  });
}
for (const spec of listArg('launcher')) {
  const at = spec.indexOf('=');
  if (at < 1 || !existsSync(spec.slice(at + 1)))
    throw new Error(`--launcher ${spec}: expected LABEL=PATH to an existing bin/galera-probe`);
  all.push({ label: spec.slice(0, at), sslMode: 'PREFERRED', nodeFlags: [], launcher: spec.slice(at + 1) });
}
for (const spec of listArg('extra-env')) {
  const at = spec.indexOf('=');
  if (at < 1) throw new Error(`--extra-env ${spec}: expected LABEL=K=V[ K=V...]`);
  all.push({
    label: spec.slice(0, at),
    sslMode: 'PREFERRED',
    nodeFlags: [],
    env: pairs(spec.slice(at + 1), '--extra-env'),
  });
}
// Not split on spaces: a value such as NODE_OPTIONS='--require FILE' holds one.
const everyEnv = Object.fromEntries(
  listArg('env').map((kv) => {
    const at = kv.indexOf('=');
    if (at < 1) throw new Error(`--env ${kv}: expected K=V`);
    return [kv.slice(0, at), kv.slice(at + 1)];
  }),
);
for (const spec of listArg('env-for')) {
  const at = spec.indexOf('=');
  const variant = all.find((v) => v.label === spec.slice(0, at));
  if (at < 1 || !variant) throw new Error(`--env-for ${spec}: expected LABEL=K=V[ K=V...] for a variant's LABEL`);
  variant.env = { ...variant.env, ...pairs(spec.slice(at + 1), '--env-for') };
}
const keepSeconds = intArg('keep', 0, 0, 3600);
const only = listArg('only');
// --only picks among the four fixed variants; --sea, --extra and --launcher always run.
const variants = only.length > 0 ? all.filter((v, i) => i >= 4 || only.includes(v.label)) : all;
if (variants.length === 0) throw new Error(`--only: expected some of ${all.map((v) => v.label).join(', ')}`);

/** Clock ticks per second of /proc/PID/stat's utime and stime (100 on Linux). */
const TICKS = 100;

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : NaN;
}

function cpuMs(pid: number): number {
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15, that is 11 and 12 after the state (field 3).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}

interface Running {
  variant: Variant;
  child: ChildProcess;
  port: number;
  ok: number;
  failed: number;
  samples: { atS: number; rssMiB: number; cpuMs: number; probes: number }[];
}

async function start(variant: Variant): Promise<Running> {
  const [file, ...launcher] = variant.sea
    ? [variant.sea]
    : [process.execPath, ...variant.nodeFlags, variant.launcher ?? join(ROOT, 'bin', 'galera-probe')];
  const child = spawn(
    file!,
    [
      ...launcher,
      'serve',
      '--no-defaults',
      '--listen',
      '127.0.0.1:0',
      '--log',
      'json',
      '--cache',
      '0',
      '--ssl-mode',
      variant.sslMode,
      '-u',
      db.user,
      db.target,
    ],
    // A clean environment: no NODE_EXTRA_CA_CERTS or NODE_OPTIONS from this shell.
    {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: '/nonexistent',
        MYSQL_PWD: db.password,
        ...everyEnv,
        ...variant.env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let text = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (text.length < 100_000) text += d;
  });
  for (let i = 0; i < 200; i++) {
    const m = /"address":"127\.0\.0\.1:(\d+)"/.exec(text);
    if (m) return { variant, child, port: Number(m[1]), ok: 0, failed: 0, samples: [] };
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`serve (${variant.label}) did not start: ${text}`);
}

const agent = new Agent({ keepAlive: true, maxSockets: variants.length });

function get(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** One request at a time, at most `rate` a second, until `until` (performance.now()). */
async function load(r: Running, until: number): Promise<void> {
  const gap = 1000 / rate;
  let next = performance.now();
  while (performance.now() < until) {
    const status = await get(r.port);
    if (status === 200) r.ok++;
    else r.failed++;
    next += gap;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    else next = performance.now();
  }
}

const running: Running[] = [];
try {
  for (const v of variants) running.push(await start(v));
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  const sample = (): void => {
    const atS = Math.round((performance.now() - t0) / 1000);
    for (const r of running)
      r.samples.push({ atS, rssMiB: rssMiB(r.child.pid!), cpuMs: cpuMs(r.child.pid!), probes: r.ok + r.failed });
  };
  sample();
  const sampler = setInterval(sample, sampleSeconds * 1000);
  await Promise.all(running.map((r) => load(r, until)));
  clearInterval(sampler);
  sample();
  if (keepSeconds > 0) {
    for (const r of running) process.stderr.write(`${r.variant.label}: pid ${r.child.pid}\n`);
    await sleep(keepSeconds * 1000);
  }
} finally {
  agent.destroy();
  await Promise.all(
    running.map(async (r) => {
      if (r.child.exitCode !== null) return;
      const exited = once(r.child, 'exit');
      r.child.kill('SIGTERM');
      const timer = setTimeout(() => r.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

const results: Record<string, unknown> = {};
for (const r of running) {
  const s = r.samples;
  const last = s.at(-1)!;
  // Steady state: the second half of the run.
  const half = s.filter((x) => x.atS >= last.atS / 2);
  const first = half[0]!;
  const rss = half.map((x) => x.rssMiB);
  results[r.variant.label] = {
    command: `${Object.entries({ ...everyEnv, ...r.variant.env })
      .map(([k, v]) => `${k}=${v} `)
      .join(
        '',
      )}${r.variant.sea ? 'dist/galera-probe-linux-x64' : ['node', ...r.variant.nodeFlags, r.variant.launcher ?? 'bin/galera-probe'].join(' ')} serve --cache 0 --ssl-mode ${r.variant.sslMode}`,
    probes: last.probes,
    failed: r.failed,
    probesPerSecond: Math.round((last.probes / last.atS) * 10) / 10,
    rssMiB: {
      start: s[0]!.rssMiB,
      max: Math.max(...s.map((x) => x.rssMiB)),
      end: last.rssMiB,
      secondHalf: summary(rss),
    },
    secondHalfRangeMiB: Math.round((Math.max(...rss) - Math.min(...rss)) * 10) / 10,
    // The serve process's CPU per probe in the second half, its HTTP side included.
    cpuMsPerProbe: Math.round(((last.cpuMs - first.cpuMs) / Math.max(1, last.probes - first.probes)) * 1000) / 1000,
    rssEveryMinute: s.filter((x) => x.atS % 60 < sampleSeconds).map((x) => x.rssMiB),
  };
}
const figure = (label: string, f: (x: Record<string, number>) => number): number | undefined => {
  const x = results[label] as Record<string, number> | undefined;
  return x ? f(x) : undefined;
};
const ratios: Record<string, number> = {};
for (const base of ['plain', 'tls']) {
  for (const f of ['cpuMsPerProbe', 'probesPerSecond']) {
    const a = figure(base, (x) => x[f]!);
    const b = figure(`${base}-v8-default`, (x) => x[f]!);
    if (a !== undefined && b !== undefined) ratios[`${f}, ${base} / ${base}-v8-default`] = ratio(a, b);
  }
}
report('serve-memory', {
  database: db.target,
  seconds,
  ratePerSecond: rate,
  sampleSeconds,
  sideBySide: true,
  results,
  ratios,
  targets: Object.fromEntries(
    running.map((r) => {
      const x = results[r.variant.label] as { rssMiB: { max: number }; secondHalfRangeMiB: number };
      return [
        `${r.variant.label}: RSS <= 64 MiB and flat (second half within 5 MiB)`,
        x.rssMiB.max <= 64 && x.secondHalfRangeMiB <= 5,
      ];
    }),
  ),
});
