// A/B of whole command lines by the CPU time each process reports itself (process.cpuUsage() at
// exit, through a --require preload: microseconds, no fork or shell in the figure) and by wall
// time, interleaved, with the interquartile mean of each (steadier than a median when a shared
// machine adds outliers). The first command is the base of the ratios. Each command must start
// with `node `; it runs with PATH, HOME=/nonexistent and MYSQL_PWD only.
//   node bench/ab-cli.mjs ROUNDS LABEL='node ...' LABEL='node ...' ...
// e.g. MYSQL_PWD=native-pw node bench/ab-cli.mjs 100 'before=node /tmp/before/bin/galera-probe --no-defaults
//      -u gp_native 127.0.0.1:3311' 'after=node bin/galera-probe --no-defaults -u gp_native 127.0.0.1:3311'
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [rounds, ...specs] = process.argv.slice(2);
if (!(Number(rounds) > 0) || specs.length === 0) throw new Error('usage: ab-cli.mjs ROUNDS LABEL=COMMAND...');
const dir = mkdtempSync(join(tmpdir(), 'gp-ab-cli-'));
const preload = join(dir, 'cpu.cjs');
writeFileSync(
  preload,
  "process.on('exit', () => { const u = process.cpuUsage(); require('fs').writeSync(2, `\\nCPU ${(u.user + u.system) / 1000}\\n`); });\n",
);
const cmds = specs.map((s) => {
  const at = s.indexOf('=');
  if (at < 1 || !s.slice(at + 1).startsWith('node ')) throw new Error(`${s}: expected LABEL=node ...`);
  return { label: s.slice(0, at), cmd: s.slice(at + 1), wall: [], cpu: [] };
});
const env = { PATH: process.env.PATH, HOME: '/nonexistent', MYSQL_PWD: process.env.MYSQL_PWD ?? '' };
try {
  for (let r = -3; r < Number(rounds); r++) {
    for (const c of cmds) {
      const started = process.hrtime.bigint();
      const out = spawnSync('bash', ['-c', `exec ${c.cmd.replace(/^node /, `node -r ${preload} `)}`], {
        env,
        encoding: 'utf8',
      });
      const wall = Number(process.hrtime.bigint() - started) / 1e6;
      const cpu = /\nCPU ([\d.]+)\n/.exec(out.stderr);
      if (out.status !== 0 || !cpu) throw new Error(`${c.label} failed (${out.status}): ${out.stderr.slice(0, 500)}`);
      if (r >= 0) {
        c.wall.push(wall);
        c.cpu.push(Number(cpu[1]));
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const iqm = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const q = s.slice(Math.floor(s.length / 4), Math.ceil((s.length * 3) / 4));
  return q.reduce((x, y) => x + y, 0) / q.length;
};
const base = cmds[0];
const round = (n, d) => Number(n.toFixed(d));
console.log(
  JSON.stringify(
    {
      benchmark: 'ab-cli',
      rounds: Number(rounds),
      unit: 'ms, interquartile means: cpu as the process reports it at exit, wall spawn to exit',
      results: Object.fromEntries(
        cmds.map((c) => [
          c.label,
          {
            command: c.cmd,
            cpu: round(iqm(c.cpu), 2),
            wall: round(iqm(c.wall), 1),
            cpuVsFirst: round(iqm(c.cpu) / iqm(base.cpu), 3),
            wallVsFirst: round(iqm(c.wall) / iqm(base.wall), 3),
          },
        ]),
      ),
    },
    null,
    1,
  ),
);
