// node bench/profiling/cpuprof-agg.mjs FILE.cpuprofile [N]: self time by script and by function (wall-clock samples, idle included).
// node agg.mjs PROFILE [N]: self time by function+url, and by url
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2]));
const N = Number(process.argv[3] ?? 40);
const self = new Map();
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i + 1] ?? 0));
let total = 0;
const byFn = new Map(), byUrl = new Map();
for (const [id, t] of dt) {
  const n = byId.get(id); const cf = n.callFrame;
  const url = cf.url.replace(/^.*\/(node_modules|dist|bench)\//, '$1/').replace(/^node:/, 'node:');
  const k = `${cf.functionName || '(anon)'} ${url}:${cf.lineNumber}`;
  byFn.set(k, (byFn.get(k) ?? 0) + t); byUrl.set(url || cf.functionName, (byUrl.get(url || cf.functionName) ?? 0) + t); total += t;
}
console.log('total ms', (total / 1000).toFixed(1));
const show = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).forEach(([k, t]) => console.log((t / 1000).toFixed(1).padStart(8), (100 * t / total).toFixed(1).padStart(5) + '%', k));
console.log('--- by url'); show(byUrl, 25); console.log('--- by function'); show(byFn, N);
