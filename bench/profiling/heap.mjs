// Sampled allocations (including collected objects) while library-worker.mjs runs; self bytes by function.
// Usage: HEAP_OUT=/tmp/heap.json MYSQL_PWD=... node bench/profiling/heap.mjs x IMPL HOST PORT USER COUNT CONCURRENCY tls
// Bytes are per measured probe but include start-up and warm-up; compare two IMPLs run alike.
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
const s = new Session(); s.connect();
await s.post('HeapProfiler.enable');
await s.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
process.argv.splice(1, 1);
const out = process.env.HEAP_OUT;
const count = Number(process.argv[6]);
await import(new URL('../library-worker.mjs', import.meta.url).href);
const { profile } = await s.post('HeapProfiler.stopSampling');
writeFileSync(out, JSON.stringify(profile));
const self = new Map(); const byUrl = new Map(); let total = 0;
const walk = (n, stack) => {
  const cf = n.callFrame; const url = cf.url.replace(/^.*\/(dist|bench)\//, '$1/');
  const k = `${cf.functionName || '(anon)'} ${url}:${cf.lineNumber}`;
  self.set(k, (self.get(k) ?? 0) + n.selfSize); byUrl.set(url || cf.functionName, (byUrl.get(url || cf.functionName) ?? 0) + n.selfSize); total += n.selfSize;
  for (const c of n.children) walk(c);
};
walk(profile.head);
const per = (b) => (b / count / 1024).toFixed(2).padStart(7) + ' KiB';
console.error('total', per(total), '/probe (incl. warm-up and start-up)');
const show = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).forEach(([k, b]) => console.error(per(b), k));
console.error('-- by url'); show(byUrl, 20); console.error('-- by function'); show(self, 45);
