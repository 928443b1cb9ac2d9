/**
 * The main job on a fresh machine, without a database: starts simulated nodes
 * on loopback (synced, non-Primary, donor, one that never speaks) and runs the
 * real CLI against each, showing its line and exit code; then `galera-probe cluster` over
 * three simulated nodes in a split brain; then `serve` answers HTTP health checks for the donor.
 *   npm run demo
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  galeraNode,
  NON_PRIMARY_NODE,
  startFakeServer,
  SYNCED_NODE,
  withState,
  type FakeServer,
  type GaleraNodeState,
} from '../test/support/fake-server.js';
import { syncedState } from '../test/support/cluster-fixtures.js';

const bin = fileURLToPath(new URL('../bin/galera-probe', import.meta.url));
const built = fileURLToPath(new URL('../dist/galera-probe.cjs', import.meta.url));
if (!existsSync(built)) {
  console.error('demo: dist/ is missing; run `npm ci` (or `npm run build`) first.');
  process.exit(1);
}

const donor = withState(
  SYNCED_NODE,
  { wsrep_local_state: '2', wsrep_local_state_comment: 'Donor/Desynced' },
  { wsrep_desync: 'ON' },
);
const nodes: [string, FakeServer, string[]][] = [
  ['a synced node', await startFakeServer(galeraNode(SYNCED_NODE)), []],
  ['a node cut off from its cluster', await startFakeServer(galeraNode(NON_PRIMARY_NODE)), []],
  ['a desynced donor', await startFakeServer(galeraNode(donor)), []],
  ['the same donor, donors allowed', await startFakeServer(galeraNode(donor)), ['--available-when-donor']],
  ['a node that accepts and never speaks', await startFakeServer(() => {}), ['--greeting-timeout', '1s']],
];

const run = promisify(execFile);
for (const [what, server, extra] of nodes) {
  const args = [...extra, '--no-defaults', '-u', 'demo', server.target];
  const { stdout, code } = await run(process.execPath, [bin, ...args]).then(
    (r) => ({ stdout: r.stdout, code: 0 }),
    (e: { stdout: string; code: number }) => ({ stdout: e.stdout, code: e.code }),
  );
  console.log(`# ${what}\n$ galera-probe ${args.join(' ')}\n${stdout.trimEnd()}\n(exit ${code})\n`);
}

const json = await run(process.execPath, [bin, '--json', '--no-defaults', '-u', 'demo', nodes[0]![1].target]);
console.log(`# the same synced node, as JSON\n$ galera-probe --json ${nodes[0]![1].target}\n${json.stdout}`);

// cluster: three nodes in a split brain. Nodes 1 and 2 hold one Primary component, node 3 was
// bootstrapped alone: each looks healthy by itself.
const states: GaleraNodeState[] = [];
const split = [];
for (let i = 0; i < 3; i++) split.push(await startFakeServer((conn) => galeraNode(states[i]!)(conn)));
const [a, b, c] = split.map((x) => x.target) as [string, string, string];
states.push(
  syncedState('node1', [
    ['node1', a],
    ['node2', b],
  ]),
  syncedState('node2', [
    ['node1', a],
    ['node2', b],
  ]),
  syncedState('node3', [['node3', c]]),
);
const clusterArgs = ['cluster', '--no-defaults', '-u', 'demo', a, b, c];
const judged = await run(process.execPath, [bin, ...clusterArgs]).then(
  (r) => ({ stdout: r.stdout, code: 0 }),
  (e: { stdout: string; code: number }) => ({ stdout: e.stdout, code: e.code }),
);
console.log(
  `# three nodes in a split brain, judged together\n$ galera-probe ${clusterArgs.join(' ')}\n${judged.stdout.trimEnd()}\n(exit ${judged.code})\n`,
);
await Promise.all(split.map((x) => x.close()));

// serve: the HTTP endpoint a load balancer asks, here for the donor.
const donorNode = nodes[2]![1];
const serveArgs = ['serve', '--listen', '127.0.0.1:0', '--no-defaults', '-u', 'demo', donorNode.target];
const serve = spawn(process.execPath, [bin, ...serveArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
let log = '';
serve.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
let port = 0;
for (let i = 0; i < 100 && port === 0; i++) {
  port = Number(/on http:\/\/127\.0\.0\.1:(\d+) /.exec(log)?.[1] ?? 0);
  if (port === 0) await new Promise((resolve) => setTimeout(resolve, 50));
}
console.log(`# serve: what a load balancer sees for the donor\n$ galera-probe ${serveArgs.join(' ')} &`);
for (const path of ['/health', '/live']) {
  const reply = await new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve(`HTTP ${res.statusCode}: ${body.trimEnd()}`));
    });
    req.on('error', reject);
    req.end();
  });
  console.log(`$ curl http://127.0.0.1:${port}${path}\n${reply}`);
}
serve.kill('SIGTERM');
await new Promise((resolve) => serve.once('close', resolve));
console.log(`(serve's log on stderr)\n${log.trimEnd()}\n`);

await Promise.all(nodes.map(([, server]) => server.close()));
