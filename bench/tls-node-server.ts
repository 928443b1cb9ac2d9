/**
 * Child process of bench:startup: one scripted Galera node on loopback that offers TLS (the
 * test fixtures' certificate, one server context so that sessions could resume) and accepts
 * the password given as its argument. Prints its port as one JSON line; stops when its stdin
 * closes. It stands for a database that costs nothing, so a CLI run against it shows the
 * client's own start-up, with TLS and without.
 *
 *   node --import tsx bench/tls-node-server.ts PASSWORD
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { galeraNode, startFakeServer, SYNCED_NODE } from '../test/support/fake-server.js';

const password = process.argv[2];
if (!password) throw new Error('usage: tls-node-server.ts PASSWORD');
const pem = (name: string): Buffer => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));
const secureContext = createSecureContext({ cert: pem('server-cert.pem'), key: pem('server-key.pem') });
const server = await startFakeServer(galeraNode(SYNCED_NODE, { tls: { secureContext }, password }));
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void server.close().then(() => process.exit(0));
});
