/**
 * Makes the pictures of `watch` (docs/galera.md) and `/status` (docs/serve.md) from the real test cluster (started by
 * scripts/galera-cluster.sh; its GP_* variables say which): serve --cluster for node 1 and
 * `watch --no-tty` over the three nodes, node 3 isolated for a while and rejoined. Writes
 * docs/status-page.png (taken while node 3 is isolated) and prints watch's lines.
 *   npm run build && npx tsx scripts/readme-status-shots.ts
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Chromium } from '../test/galera/support/chromium.js';
import { cluster, isolate, node, rejoin, ROOT, sleep, waitAllSynced } from '../test/galera/support/cluster.js';
import { newLab, startServe, stopAll } from '../test/galera/support/haproxy.js';

await waitAllSynced();
const lab = newLab();
const targets = cluster().nodes.map(({ n }) => node(n).target);
const port = await startServe(lab, 1, ['--cluster', targets.join(','), '--timeout', '1s']);
const { user, password } = cluster().user.native;
const watch = spawn(
  process.execPath,
  [join(ROOT, 'bin', 'galera-probe'), 'watch', '--no-defaults', '--no-tty', '-u', user, '--timeout', '1s', ...targets],
  {
    env: { PATH: process.env['PATH'], HOME: '/nonexistent', MYSQL_PWD: password },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
let lines = '';
watch.stdout.setEncoding('utf8').on('data', (d: string) => (lines += d));
const browser = Chromium.launch();
try {
  const page = await browser.newPage();
  await page.open(`http://127.0.0.1:${port}/status`);
  await sleep(40_000);
  await isolate(3);
  await sleep(25_000);
  writeFileSync(join(ROOT, 'docs', 'status-page.png'), await page.screenshot(900));
  await rejoin([3]);
  await sleep(5_000);
} finally {
  watch.kill('SIGINT');
  await new Promise((resolve) => watch.once('close', resolve));
  await browser.close();
  await stopAll(lab);
}
process.stdout.write(lines);
