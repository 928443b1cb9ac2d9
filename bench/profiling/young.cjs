// A --require preload: how much a run allocates in V8's young generation, the figure that decides
// whether a short CLI run pays a scavenge (V8 posts one once new space is 80 % full: about 819 KiB
// of the 1 MiB a Node.js 20 process starts with). Writes to stderr at exit:
//   YOUNG exit=KiB [scavenges=N]
// and with YOUNG_STEPS=1 also the young generation at each process.hrtime() call (the probe reads
// its clock at every phase's start and end), as `KiB +delta caller` lines. Each reading allocates
// about 2 KiB itself (v8.getHeapSpaceStatistics); the deltas have it taken off, the totals do not.
// A V8 flag on node's command line (--trace-gc, --min-semi-space-size) makes V8 reject the launcher's
// code cache and changes what is measured: take scavenges from `scavenges=`, not from --trace-gc.
//   node --require ./bench/profiling/young.cjs bin/galera-probe ...      (BENCHMARKS.md, section 14)
'use strict';
const v8 = require('node:v8');
const { writeSync } = require('node:fs');

const young = () => {
  for (const s of v8.getHeapSpaceStatistics()) if (s.space_name === 'new_space') return s.space_used_size;
  return 0;
};
const a = young();
const cost = young() - a; // what one reading allocates
const kib = (n) => (n / 1024).toFixed(1);
const steps = [];
const gcs = new v8.GCProfiler(); // GC callbacks in C++: nothing allocated in JavaScript per GC
gcs.start();
if (process.env.YOUNG_STEPS === '1') {
  const hrtime = process.hrtime;
  process.hrtime = function (...args) {
    const at = young();
    const caller = (new Error().stack ?? '').split('\n')[3]?.trim().replace(/^at /, '') ?? '?';
    steps.push([at, caller]);
    return hrtime.apply(this, args);
  };
}
process.on('exit', () => {
  const end = young();
  const scavenges = gcs.stop().statistics.filter((g) => g.gcType === 'Scavenge').length;
  let prev = a;
  const lines = steps.map(([at, caller]) => {
    const line = `${kib(at).padStart(7)} ${`+${kib(at - prev - cost)}`.padStart(7)} ${caller}`;
    prev = at;
    return line;
  });
  writeSync(2, `${lines.join('\n')}${lines.length ? '\n' : ''}YOUNG exit=${kib(end)} scavenges=${scavenges}\n`);
});
