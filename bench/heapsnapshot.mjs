// Sums a V8 .heapsnapshot's self sizes by node type, then by type and name (the largest first), for RSS-FINDINGS.md:
//   node bench/heapsnapshot.mjs FILE.heapsnapshot [TOP=30]
// Take one from a running process started with NODE_OPTIONS=--heapsnapshot-signal=SIGUSR2 (kill -USR2 PID; the file
// lands in its working directory). V8 collects garbage before writing one: the sums are what is alive.
import { readFileSync } from 'node:fs';

const [file, top = '30'] = process.argv.slice(2);
const snap = JSON.parse(readFileSync(file, 'utf8'));
const meta = snap.snapshot.meta;
const fields = meta.node_fields;
const types = meta.node_types[0];
const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
const byType = new Map();
const byName = new Map();
const add = (map, key, size) => {
  const e = map.get(key) ?? { size: 0, count: 0 };
  e.size += size;
  e.count++;
  map.set(key, e);
};
const named = new Set(['object', 'closure', 'native', 'hidden', 'code', 'array', 'object shape']);
for (let i = 0; i < snap.nodes.length; i += fields.length) {
  const type = types[snap.nodes[i + iType]];
  const size = snap.nodes[i + iSize];
  add(byType, type, size);
  add(byName, named.has(type) ? `${type} ${snap.strings[snap.nodes[i + iName]].slice(0, 60)}` : type, size);
}
const kib = (n) => (n / 1024).toFixed(1).padStart(8);
const total = [...byType.values()].reduce((a, e) => a + e.size, 0);
console.log(`alive: ${(total / 1048576).toFixed(2)} MiB`);
for (const [k, e] of [...byType].sort((a, b) => b[1].size - a[1].size)) console.log(`${kib(e.size)} KiB  ${k}`);
console.log('largest by type and name:');
for (const [k, e] of [...byName].sort((a, b) => b[1].size - a[1].size).slice(0, Number(top)))
  console.log(`${kib(e.size)} KiB  x${String(e.count).padEnd(6)} ${k}`);
