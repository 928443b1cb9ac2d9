// Runs library-worker.mjs, then prints CPU ms per thread (from /proc/self/task/*/stat) at exit.
// Usage (from the repository root): MYSQL_PWD=... node bench/profiling/threads.mjs x IMPL HOST PORT USER COUNT CONCURRENCY tls [MYSQL2_DIR]
// ("x" stands in for the worker's own path). "main" is the main thread; "node" sums V8's platform workers and libuv's pool.
import { readdirSync, readFileSync } from 'node:fs';
const snap = () => Object.fromEntries(readdirSync('/proc/self/task').map((t) => {
  const s = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
  const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return [t, { comm, u: Number(f[11]) * 10, s: Number(f[12]) * 10 }];
}));
process.on('exit', () => {
  const agg = {};
  for (const [t, v] of Object.entries(snap())) { const k = t === String(process.pid) ? 'main' : v.comm; agg[k] ??= { u: 0, s: 0 }; agg[k].u += v.u; agg[k].s += v.s; }
  process.stderr.write(JSON.stringify(agg) + '\n');
});
process.argv.splice(1, 1);
await import(new URL('../library-worker.mjs', import.meta.url).href);
