// One side of benchmark 2 (bench/library.ts), in its own process: N health checks against
// one node, C at a time, by galera-probe's library (dist/, as shipped) or by mysql2 doing
// connect + the same two SHOW statements + end, or by bench/floor.cjs (raw sockets, the probe's
// three statements, nothing else). Prints one JSON line: wall time and the
// process's CPU time (user + system) spent in the measured loop only.
//   node bench/library-worker.mjs galera-probe|mysql2|floor HOST PORT USER COUNT CONCURRENCY plain|tls [MYSQL2_DIR]
// The password comes from MYSQL_PWD. `tls`: galera-probe with --ssl-mode PREFERRED, mysql2 with
// ssl: { rejectUnauthorized: false }; either fails if TLS was not negotiated. GP_PROBE_DIST: load
// galera-probe from that dist/ instead (bench:library's baseline, GP_BENCH_BASELINE). GP_BENCH_TIMEOUT: galera-probe's
// deadline in ms (5000), longer under valgrind. GP_BENCH_WARMUP: see the warm-up below.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [impl, host, port, user, countText, concurrencyText, transport, mysql2Dir] = process.argv.slice(2);
if (transport !== 'plain' && transport !== 'tls') throw new Error(`transport: expected plain or tls, got ${transport}`);
const tls = transport === 'tls';
const count = Number(countText);
const concurrency = Number(concurrencyText);
const password = process.env.MYSQL_PWD ?? '';
// GP_BENCH_TIMEOUT: the probe's deadline in ms (5000); longer under valgrind, where 32 probes in flight take seconds each.
const timeout = Number(process.env.GP_BENCH_TIMEOUT ?? 5000);

let once;
if (impl === 'galera-probe') {
  const dist = process.env.GP_PROBE_DIST;
  const { probe } = await import(dist ? pathToFileURL(join(dist, 'index.js')).href : '../dist/index.js');
  once = async () => {
    const r = await probe({ host, port: Number(port), user, password, sslMode: tls ? 'PREFERRED' : 'DISABLED', timeout });
    if (!r.healthy) throw new Error(`probe: ${r.outcome}: ${r.reason}`);
    if (r.node?.tls !== tls) throw new Error(`probe: TLS ${r.node?.tls ? 'on' : 'off'}, expected ${transport}`);
  };
} else if (impl === 'mysql2') {
  const mysql = createRequire(import.meta.url)(mysql2Dir);
  const { STATUS_SQL, VARIABLES_SQL } = await import('../dist/probe/verdict.js');
  once = async () => {
    const c = await mysql.createConnection({ host, port: Number(port), user, password, connectTimeout: 5000, ...(tls ? { ssl: { rejectUnauthorized: false } } : {}) });
    if (Boolean(c.connection.stream.encrypted) !== tls) throw new Error(`mysql2: TLS ${tls ? 'off' : 'on'}, expected ${transport}`);
    const [status] = await c.query(STATUS_SQL);
    await c.query(VARIABLES_SQL);
    const s = Object.fromEntries(status.map((r) => [r.Variable_name, r.Value]));
    if (s.wsrep_cluster_status !== 'Primary' || s.wsrep_local_state !== '4') throw new Error('mysql2: not synced');
    await c.end();
  };
  // mysql2's promise API lives in mysql2/promise.
  const promiseApi = createRequire(import.meta.url)(`${mysql2Dir}/promise`);
  mysql.createConnection = promiseApi.createConnection;
} else if (impl === 'floor') {
  // bench/floor.cjs: only what a probe must do, the probe's three statements, no deadlines.
  const { check } = createRequire(import.meta.url)('./floor.cjs');
  const { STATUS_SQL, VARIABLES_SQL, MEMBERS_SQL } = await import('../dist/probe/verdict.js');
  once = async () => {
    const r = await check({ host, port: Number(port), user, password, tls, sqls: [STATUS_SQL, VARIABLES_SQL, MEMBERS_SQL] });
    if (!r.healthy || r.tls !== tls) throw new Error(`floor: healthy ${r.healthy}, TLS ${r.tls ? 'on' : 'off'}, expected ${transport}`);
  };
} else {
  throw new Error(`unknown implementation ${impl}`);
}

// A short warm-up outside the measurement (JIT, first connections). GP_BENCH_WARMUP=N: N probes instead of 20,
// CONCURRENCY at a time, to measure past V8's tier-up (which compiles once-per-probe functions after hundreds of probes).
const warmup = Number(process.env.GP_BENCH_WARMUP ?? 0);
if (warmup > 0) {
  let started = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < warmup) {
        started++;
        await once();
      }
    }),
  );
} else for (let i = 0; i < Math.min(20, count); i++) await once();

let next = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next++;
      await once();
    }
  }),
);
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ impl, transport, count, concurrency, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, userMs: cpu.user / 1000, systemMs: cpu.system / 1000 })}\n`);
