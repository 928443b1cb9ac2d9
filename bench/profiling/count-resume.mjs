// Patches tls.connect to count resumed handshakes, then runs library-worker.mjs.
// Usage: MYSQL_PWD=... node bench/profiling/count-resume.mjs x IMPL HOST PORT USER COUNT CONCURRENCY tls
import tls from 'node:tls';
import { syncBuiltinESMExports, createRequire } from 'node:module';
const orig = tls.connect;
const stats = { connects: 0, reused: 0, offered: 0, sessionEvents: 0, tls13: 0 };
tls.connect = function (...args) {
  const s = orig.apply(this, args);
  stats.connects++;
  if (args[0]?.session) stats.offered++;
  s.on('session', () => stats.sessionEvents++);
  s.once('secureConnect', () => { if (s.isSessionReused()) stats.reused++; if (s.getProtocol() === 'TLSv1.3') stats.tls13++; });
  return s;
};
syncBuiltinESMExports();
createRequire(import.meta.url)('node:tls').connect = tls.connect;
process.on('exit', () => process.stderr.write(JSON.stringify(stats) + '\n'));
process.argv.splice(1, 1);
await import(new URL('../library-worker.mjs', import.meta.url).href);
