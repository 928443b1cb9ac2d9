/**
 * Monotonic milliseconds for deadlines and timings, from `process.hrtime()`. Not
 * `performance.now()`: the global `performance` loads Node's perf_hooks modules (some seven, and
 * the allocations that push a single check into a scavenge), which a probe needs nothing of.
 * Only differences between two readings mean anything.
 */
export function now(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1e3 + nanoseconds / 1e6;
}
