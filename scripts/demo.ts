/**
 * The main job on a fresh machine, without a database: starts simulated nodes
 * on loopback (synced, non-Primary, donor, one that never speaks) and runs the
 * real CLI against each, showing its line and exit code.
 *   npm run demo
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  galeraNode,
  NON_PRIMARY_NODE,
  startFakeServer,
  SYNCED_NODE,
  withState,
  type FakeServer,
} from '../test/support/fake-server.js';

const bin = fileURLToPath(new URL('../bin/galera-probe', import.meta.url));
const built = fileURLToPath(new URL('../dist/galera-probe.cjs', import.meta.url));
if (!existsSync(built)) {
  console.error('demo: dist/ is missing; run `npm ci` (or `npm run build`) first.');
  process.exit(1);
}

const donor = withState(SYNCED_NODE, { wsrep_local_state: '2', wsrep_local_state_comment: 'Donor/Desynced' }, { wsrep_desync: 'ON' });
const nodes: [string, FakeServer, string[]][] = [
  ['a synced node', await startFakeServer(galeraNode(SYNCED_NODE)), []],
  ['a node cut off from its cluster', await startFakeServer(galeraNode(NON_PRIMARY_NODE)), []],
  ['a desynced donor', await startFakeServer(galeraNode(donor)), []],
  ['the same donor, donors allowed', (await startFakeServer(galeraNode(donor))), ['--available-when-donor']],
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

await Promise.all(nodes.map(([, server]) => server.close()));
