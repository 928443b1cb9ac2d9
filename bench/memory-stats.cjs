// A --require preload for bench:serve-memory's breakdown (RSS-FINDINGS.md): every MEMORY_STATS_EVERY seconds (10)
// and on SIGUSR2, writes process.memoryUsage() and v8.getHeapSpaceStatistics() (used and physical size per space,
// KiB) to $MEMORY_STATS_DIR/PID.json. Give it by environment, e.g.
//   npm run bench:serve-memory -- --env NODE_OPTIONS='--require /abs/path/bench/memory-stats.cjs' --env MEMORY_STATS_DIR=/tmp/ms ...
'use strict';
const { writeFileSync } = require('node:fs');
const v8 = require('node:v8');
const dir = process.env.MEMORY_STATS_DIR;
if (dir) {
  const kib = (n) => Math.round(n / 1024);
  const write = () => {
    const mu = process.memoryUsage();
    const spaces = {};
    for (const s of v8.getHeapSpaceStatistics())
      spaces[s.space_name] = { usedKiB: kib(s.space_used_size), physicalKiB: kib(s.physical_space_size), sizeKiB: kib(s.space_size) };
    const h = v8.getHeapStatistics();
    writeFileSync(`${dir}/${process.pid}.json`, JSON.stringify({
      at: new Date().toISOString(),
      uptimeS: Math.round(process.uptime()),
      argv: process.argv.slice(1).join(' '),
      memoryUsageKiB: Object.fromEntries(Object.entries(mu).map(([k, v]) => [k, kib(v)])),
      heapKiB: { totalPhysical: kib(h.total_physical_size), total: kib(h.total_heap_size), used: kib(h.used_heap_size), malloced: kib(h.malloced_memory), peakMalloced: kib(h.peak_malloced_memory) },
      spaces,
    }, null, 1));
  };
  setInterval(write, Number(process.env.MEMORY_STATS_EVERY ?? 10) * 1000).unref();
  process.on('SIGUSR2', write);
}
