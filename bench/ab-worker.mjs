// One side of bench:ab (bench/ab.ts), in its own process: COUNT probes one at a time against
// one node by the library at DIST (a build's dist/index.js), plain (--ssl-mode DISABLED) unless
// SSL_MODE says otherwise.
// Prints one JSON line: wall time and CPU time (user + system) of the measured loop only.
//   node bench/ab-worker.mjs DIST HOST PORT USER COUNT [SSL_MODE]     (password from MYSQL_PWD)
import { pathToFileURL } from 'node:url';

const [dist, host, port, user, countText, sslMode = 'DISABLED'] = process.argv.slice(2);
const count = Number(countText);
const { probe } = await import(pathToFileURL(dist).href);
const once = async () => {
  const r = await probe({ host, port: Number(port), user, password: process.env.MYSQL_PWD ?? '', sslMode, timeout: 5000 });
  if (!r.healthy) throw new Error(`probe: ${r.outcome}: ${r.reason}`);
};
for (let i = 0; i < Math.min(20, count); i++) await once();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < count; i++) await once();
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000, count })}\n`);
