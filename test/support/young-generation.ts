/**
 * Child process of test/heap.test.ts: applies serve's young-generation setting as serve does,
 * then allocates short-lived objects, some surviving a while, as probes do, and prints one
 * JSON line: whether the setting was applied and the new space's size afterwards.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { keepYoungGenerationSmall } from '../../src/cli/heap.js';

const applied = keepYoungGenerationSmall(process.execArgv, process.env['NODE_OPTIONS']);
const kept: unknown[] = [];
let sum = 0;
for (let i = 0; i < 3_000_000; i++) {
  const o = { i, text: `probe ${i}`, list: [i, i + 1] };
  if (i % 50 === 0) kept.push(o);
  if (kept.length > 20_000) kept.length = 0;
  sum += o.list.length;
}
const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!;
process.stdout.write(`${JSON.stringify({ applied, newSpaceMiB: newSpace.space_size / 2 ** 20, sum })}\n`);
