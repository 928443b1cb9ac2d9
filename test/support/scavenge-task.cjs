// Child process of test/heap.test.ts, plain JavaScript so that nothing loads before it (a loader
// could fill the young generation and have V8 schedule a scavenge before the flag is set). Sets
// the V8 flag given as its argument, if any, at run time as a check does (src/cli/heap.ts); then
// fills the young generation to 90 %, past the 80 % at which V8 schedules its scavenge task and
// short of the full space that forces one, lets the event loop turn, and prints one JSON line:
// the collections that ran.
'use strict';
const { GCProfiler, getHeapSpaceStatistics, setFlagsFromString } = require('node:v8');

if (process.argv[2]) setFlagsFromString(process.argv[2]);
const young = () => {
  const s = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  return { used: s.space_used_size, capacity: s.space_used_size + s.space_available_size };
};
const profiler = new GCProfiler();
profiler.start();
const { capacity } = young();
const kept = [];
while (young().used < 0.9 * capacity) for (let i = 0; i < 100; i++) kept.push({ i });
setTimeout(() => {
  const collections = profiler.stop().statistics.map((s) => s.gcType);
  process.stdout.write(`${JSON.stringify({ collections, kept: kept.length })}\n`);
}, 100);
