/**
 * The exporter at fleet scale: one `galera-probe serve` process (exporter only, the built CLI)
 * probing `--targets` scripted Galera nodes (bench/fleet-nodes.ts, a child process: one port
 * each on 127.0.0.1) as Prometheus would scrape them every `--interval` seconds: requests
 * spread evenly, `/probe?target=` with `X-Prometheus-Scrape-Timeout-Seconds`, keep-alive
 * connections. One warm-up pass over every target, then `--seconds` measured: the exporter's
 * CPU (from /proc: user + system) per probe and as a share of one core, its RSS (now and
 * peak), and the scrape duration seen by the client (p50, p99), without TLS to the nodes and
 * with it (VERIFY_CA). Also the probes' own time (probe_duration_seconds) and the machine's
 * load average, since the scrape time on a shared machine is mostly time waiting for a core.
 *
 *   npm run bench:exporter -- [--targets 1000] [--interval 15] [--seconds 60] [--modes plain,tls] [--priority N]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { loadavg, setPriority } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { intArg, listArg, report, ROOT, summary } from './lib.js';

const targets = intArg('targets', 1000, 1, 5000);
const intervalS = intArg('interval', 15, 1, 300);
const seconds = intArg('seconds', 60, 1, 600);
const modes = (listArg('modes')[0] ?? 'plain,tls').split(',').filter((m) => m === 'plain' || m === 'tls');
// On a shared machine: a lower nice value for the exporter, the fleet and this load generator,
// so that the exporter gets the one core the target speaks of, and scrapes leave on time
// instead of in bursts after a stall (setpriority; below 0 needs root).
const priority = intArg('priority', 0, -20, 19);
if (priority !== 0) setPriority(priority);
const PASSWORD = 'bench-pw';
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of a process, in ms; RSS and its peak, in MiB. */
function procStats(pid: number): { cpuMs: number; rssMiB: number; peakRssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { cpuMs, rssMiB: Math.round(kib('VmRSS') / 102.4) / 10, peakRssMiB: Math.round(kib('VmHWM') / 102.4) / 10 };
}

async function startFleet(tls: boolean): Promise<{ child: ChildProcess; ports: number[] }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench', 'fleet-nodes.ts'), String(targets), PASSWORD, ...(tls ? ['tls'] : [])],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [line] = (await once(lines, 'line')) as [string];
  clearTimeout(timer);
  return { child, ports: (JSON.parse(line) as { ports: number[] }).ports };
}

async function startExporter(tls: boolean): Promise<{ child: ChildProcess; port: number }> {
  const args = [
    join(ROOT, 'bin', 'galera-probe'),
    'serve',
    '--no-defaults',
    '--listen',
    '127.0.0.1:0',
    '--log',
    'off',
    '-u',
    'bench',
    '--timeout',
    '5s',
    '--allow-target',
    '127.0.0.1:*',
  ];
  args.push(
    ...(tls
      ? ['--ssl-mode', 'VERIFY_CA', '--ssl-ca', join(ROOT, 'fixtures', 'tls', 'ca.pem')]
      : ['--ssl-mode', 'DISABLED']),
  );
  // --log off hides the listening line: find the port through /metrics on a port chosen here.
  const probePort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
  args[args.indexOf('127.0.0.1:0')] = `127.0.0.1:${probePort}`;
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env['PATH'], HOME: '/nonexistent', MYSQL_PWD: PASSWORD },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    const ok = await get(probePort, '/metrics', undefined).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return { child, port: probePort };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error('the exporter did not start');
}

// Idle sockets are dropped after 4 s, before the exporter's 5 s keep-alive ends them: a request
// sent on a socket the server is closing fails, which would count here as a failed scrape.
const agent = new Agent({ keepAlive: true, maxSockets: 512, timeout: 4000 });

function get(port: number, path: string, scrapeTimeout: string | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        agent,
        headers: scrapeTimeout ? { 'X-Prometheus-Scrape-Timeout-Seconds': scrapeTimeout } : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

interface Pass {
  durationsMs: number[];
  /** probe_duration_seconds of each answer, in ms: the probe's own time, inside the scrape. */
  probeMs: number[];
  /** The same per phase (galera_probe_phase_duration_seconds). */
  phaseMs: Record<string, number[]>;
  failures: number;
  /** Failed scrapes by outcome (`http-500`, `error` for no answer). */
  failedBy: Record<string, number>;
  requests: number;
}

/** `count` scrapes at `rate` per second, round-robin over the ports from `first`. */
async function scrape(port: number, ports: number[], count: number, first: number, rate: number): Promise<Pass> {
  const pass: Pass = { durationsMs: [], probeMs: [], phaseMs: {}, failures: 0, failedBy: {}, requests: 0 };
  const fail = (why: string): void => {
    pass.failures++;
    pass.failedBy[why] = (pass.failedBy[why] ?? 0) + 1;
  };
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const target = `127.0.0.1:${ports[(first + i) % ports.length]}`;
    const t0 = performance.now();
    pass.requests++;
    pending.push(
      get(port, `/probe?target=${target}`, '10').then(
        (r) => {
          pass.durationsMs.push(performance.now() - t0);
          const probe = /^probe_duration_seconds (\S+)$/m.exec(r.body);
          if (probe) pass.probeMs.push(Number(probe[1]) * 1000);
          for (const m of r.body.matchAll(/^galera_probe_phase_duration_seconds\{phase="(\w+)"\} (\S+)$/gm))
            (pass.phaseMs[m[1]!] ??= []).push(Number(m[2]) * 1000);
          if (r.status !== 200) fail(`http-${r.status}`);
          else if (!/^probe_success 1$/m.test(r.body))
            fail(/^galera_probe_outcome\{outcome="([\w-]+)"\} 1$/m.exec(r.body)?.[1] ?? 'no result in time');
        },
        () => fail('error'),
      ),
    );
  }
  await Promise.all(pending);
  return pass;
}

async function stop(child: ChildProcess, viaStdin = false): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  if (viaStdin) child.stdin?.end();
  else child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const rate = targets / intervalS;
const results: Record<string, unknown> = {};
for (const mode of modes) {
  const tls = mode === 'tls';
  const fleet = await startFleet(tls);
  const exporter = await startExporter(tls);
  if (priority !== 0) for (const pid of [fleet.child.pid!, exporter.child.pid!]) setPriority(pid, priority);
  try {
    // Warm-up: every target once (the exporter learns them all), at the same rate.
    const warm = await scrape(exporter.port, fleet.ports, targets, 0, rate);
    const before = procStats(exporter.child.pid!);
    const fleetBefore = procStats(fleet.child.pid!);
    const loadBefore = loadavg()[0]!;
    const t0 = performance.now();
    const measured = await scrape(exporter.port, fleet.ports, Math.round(rate * seconds), 0, rate);
    const wallMs = performance.now() - t0;
    const after = procStats(exporter.child.pid!);
    const fleetAfter = procStats(fleet.child.pid!);
    const cpuMs = after.cpuMs - before.cpuMs;
    const d = summary(measured.durationsMs);
    const p = summary(measured.probeMs);
    results[mode] = {
      probes: measured.requests,
      probesPerSecond: Math.round((measured.requests / wallMs) * 10000) / 10,
      failures: measured.failures + warm.failures,
      failedBy: Object.fromEntries(
        [...new Set([...Object.keys(warm.failedBy), ...Object.keys(measured.failedBy)])].map((k) => [
          k,
          (warm.failedBy[k] ?? 0) + (measured.failedBy[k] ?? 0),
        ]),
      ),
      exporterCpuMsPerProbe: Math.round((cpuMs / measured.requests) * 1000) / 1000,
      exporterCoreShare: Math.round((cpuMs / wallMs) * 1000) / 1000,
      exporterRssMiB: after.rssMiB,
      exporterPeakRssMiB: after.peakRssMiB,
      fleetCpuMsPerProbe: Math.round(((fleetAfter.cpuMs - fleetBefore.cpuMs) / measured.requests) * 1000) / 1000,
      fleetRssMiB: fleetAfter.rssMiB,
      scrapeMs: { p50: d.median, p90: d.p90, p99: d.p99, max: d.max },
      probeMs: { p50: p.median, p90: p.p90, p99: p.p99, max: p.max },
      phaseMs: Object.fromEntries(
        Object.entries(measured.phaseMs).map(([phase, v]) => [phase, { p50: summary(v).median, p99: summary(v).p99 }]),
      ),
      loadAverage1m: [Math.round(loadBefore * 100) / 100, Math.round(loadavg()[0]! * 100) / 100],
    };
  } finally {
    await stop(exporter.child);
    await stop(fleet.child, true);
  }
}
agent.destroy();
report('exporter', {
  targets,
  intervalSeconds: intervalS,
  measuredSeconds: seconds,
  priority,
  scrapesPerSecond: Math.round(rate * 10) / 10,
  results,
});
