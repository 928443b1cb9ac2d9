// Sums /proc/PID/smaps's Rss (and Private_Dirty) by what each mapping is, for RSS-FINDINGS.md:
//   node bench/smaps.mjs PID [PID...]      (--json for one JSON object per PID)
//   node bench/smaps.mjs --every 10 --for 120 [--stats DIR] PID...   (the median of each kind over the samples; with
//     --stats, also the medians of bench/memory-stats.cjs's figures from DIR/PID.json, read at each sample)
// File-backed: the node binary's text (r-xp), its read-only data and its writable data; shared libraries; other files.
// [heap]: glibc's main arena (brk). [stack]: the main thread's. Anonymous mappings, told apart by their shape:
// a thread stack is a read-write mapping just above a 4 KiB PROT_NONE guard page; a glibc arena other than the main
// one starts at a 64 MiB boundary and with its PROT_NONE tail spans 64 MiB; the rest is V8's heap and code space
// (its pages are mmap'd) and malloc's large chunks (mmap'd above its threshold), which RSS alone cannot tell apart:
// set them beside v8.getHeapStatistics().total_physical_size (bench/memory-stats.cjs).
import { existsSync, readFileSync, readlinkSync } from 'node:fs';

const MiB64 = 64 * 1024 * 1024;
function breakdown(pid) {
  const text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  const exe = readlinkSync(`/proc/${pid}/exe`);
  const maps = [];
  let cur;
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      cur = { start: BigInt('0x' + head[1]), end: BigInt('0x' + head[2]), perms: head[3], path: head[4], rss: 0, dirty: 0 };
      maps.push(cur);
      continue;
    }
    const f = /^(Rss|Private_Dirty):\s+(\d+) kB/.exec(line);
    if (f && cur) cur[f[1] === 'Rss' ? 'rss' : 'dirty'] += Number(f[2]);
  }
  const sums = {};
  const add = (k, m) => {
    sums[k] ??= { rssKiB: 0, dirtyKiB: 0, mappings: 0 };
    sums[k].rssKiB += m.rss;
    sums[k].dirtyKiB += m.dirty;
    sums[k].mappings++;
  };
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i];
    const prev = maps[i - 1];
    const next = maps[i + 1];
    const size = m.end - m.start;
    let k;
    if (m.path === exe) k = m.perms.includes('x') ? 'node binary: text' : m.perms.includes('w') ? 'node binary: data (rw)' : 'node binary: read-only data';
    else if (m.path === '[heap]') k = '[heap] (glibc main arena)';
    else if (m.path === '[stack]') k = '[stack] (main thread)';
    else if (m.path.startsWith('[')) k = m.path;
    else if (m.path.includes('.so')) k = `libraries: ${/lib(c|stdc\+\+|m|crypto|ssl)[.-]/.test(m.path) ? m.path.split('/').pop() : 'other'}`;
    else if (m.path !== '') k = `file: ${m.path}`;
    else if (m.perms === '---p') k = 'anonymous PROT_NONE (reserved)';
    else if (prev && prev.perms === '---p' && prev.end === m.start && prev.end - prev.start === 4096n) k = 'anonymous: thread stacks';
    else if (m.start % BigInt(MiB64) === 0n && (size === BigInt(MiB64) || (next && next.perms === '---p' && next.start === m.end && next.end - m.start === BigInt(MiB64)))) k = 'anonymous: glibc arenas (not main)';
    else k = 'anonymous: other (V8 heap and code, malloc mmap chunks)';
    add(k, m);
  }
  const total = Object.values(sums).reduce((a, s) => a + s.rssKiB, 0);
  return { pid, exe, totalRssKiB: total, byKind: Object.fromEntries(Object.entries(sums).sort((a, b) => b[1].rssKiB - a[1].rssKiB)) };
}
const argv = process.argv.slice(2);
const opt = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const pids = argv.filter((a, i) => /^\d+$/.test(a) && !['--every', '--for'].includes(argv[i - 1]));
if (opt('--every')) {
  const every = Number(opt('--every')) * 1000;
  const until = Date.now() + Number(opt('--for') ?? 60) * 1000;
  const samples = Object.fromEntries(pids.map((p) => [p, []]));
  const names = pids.map((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').slice(1, 2).join('').split('/').pop());
  const alive = () => pids.every((p) => existsSync(`/proc/${p}/smaps`));
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
  while (Date.now() < until && alive()) {
    for (const pid of pids) {
      let b;
      try {
        b = breakdown(pid);
      } catch {
        continue; // it exited between the check and the read
      }
      const row = { 'total Rss': b.totalRssKiB };
      for (const [k, s] of Object.entries(b.byKind)) row[k] = s.rssKiB;
      const dir = opt('--stats');
      if (dir) {
        try {
          const j = JSON.parse(readFileSync(`${dir}/${pid}.json`, 'utf8'));
          for (const [k, v] of Object.entries(j.memoryUsageKiB)) if (k !== 'rss') row[`memoryUsage.${k}`] = v;
          row['v8 total physical'] = j.heapKiB.totalPhysical;
          for (const [k, v] of Object.entries(j.spaces)) if (v.physicalKiB) { row[`v8 ${k} physical`] = v.physicalKiB; row[`v8 ${k} used`] = v.usedKiB; }
        } catch {}
      }
      samples[pid].push(row);
    }
    await new Promise((r) => setTimeout(r, every));
  }
  const keys = [...new Set(pids.flatMap((p) => samples[p].flatMap((r) => Object.keys(r))))];
  console.log(`medians of ${samples[pids[0]].length} samples, MiB`);
  console.log(`| | ${names.join(' | ')} |`);
  console.log(`|---|${pids.map(() => '---').join('|')}|`);
  for (const k of keys) console.log(`| ${k} | ${pids.map((p) => (median(samples[p].map((r) => r[k] ?? 0)) / 1024).toFixed(2)).join(' | ')} |`);
  process.exit(0);
}
for (const pid of pids) {
  const b = breakdown(pid);
  if (process.argv.includes('--json')) { console.log(JSON.stringify(b)); continue; }
  console.log(`pid ${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').slice(0, 120)}`);
  console.log(`  total Rss ${(b.totalRssKiB / 1024).toFixed(1)} MiB`);
  for (const [k, s] of Object.entries(b.byKind)) if (s.rssKiB > 0) console.log(`  ${(s.rssKiB / 1024).toFixed(2).padStart(7)} MiB  dirty ${(s.dirtyKiB / 1024).toFixed(2).padStart(6)}  x${String(s.mappings).padEnd(4)} ${k}`);
}
