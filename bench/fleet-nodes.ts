/**
 * Child process of bench:exporter: a fleet of scripted Galera nodes on loopback, one listening
 * port each, all answering as a synced node to the password given (and offering TLS with the
 * test fixtures' certificate when asked). Prints the ports as one JSON line; stops when its
 * stdin closes. Kept out of the exporter's process, so that the exporter's CPU is its own.
 *
 *   node --import tsx bench/fleet-nodes.ts COUNT PASSWORD [tls]
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { galeraNode, startFakeServer, SYNCED_NODE, type FakeServer } from '../test/support/fake-server.js';

const count = Number(process.argv[2]);
const password = process.argv[3];
const tls = process.argv[4] === 'tls';
if (!Number.isInteger(count) || count < 1 || count > 5000 || !password)
  throw new Error('usage: fleet-nodes.ts COUNT PASSWORD [tls]');
const pem = (name: string): Buffer => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));
const secureContext = tls
  ? createSecureContext({ cert: pem('server-cert.pem'), key: pem('server-key.pem') })
  : undefined;
const script = galeraNode(SYNCED_NODE, { password, ...(secureContext ? { tls: { secureContext } } : {}) });
const servers: FakeServer[] = [];
for (let i = 0; i < count; i++) {
  servers.push(await startFakeServer(script));
}
process.stdout.write(`${JSON.stringify({ ports: servers.map((s) => s.port) })}\n`);
// Forget finished connections now and then: the fake server keeps them all for tests'
// assertions, which over thousands of probes grows this process's heap and its GC pauses.
const closed = new WeakSet<object>();
const watched = new WeakSet<object>();
const sweep = setInterval(() => {
  for (const s of servers) {
    for (const c of s.connections) {
      if (watched.has(c)) continue;
      watched.add(c);
      void c.closed.then(() => closed.add(c));
    }
    const open = s.connections.filter((c) => !closed.has(c));
    s.connections.splice(0, s.connections.length, ...open);
  }
}, 1000);
process.stdin.resume();
process.stdin.on('end', () => {
  clearInterval(sweep);
  void Promise.all(servers.map((s) => s.close())).then(() => process.exit(0));
});
