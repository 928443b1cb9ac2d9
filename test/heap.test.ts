import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { keepYoungGenerationSmall, NO_SCAVENGE_TASK } from '../src/cli/heap.js';

const CHILD = new URL('./support/young-generation.ts', import.meta.url).pathname;

/** Runs the child with node flags and NODE_OPTIONS; its JSON line. */
function child(flags: string[], nodeOptions?: string): { applied: boolean; newSpaceMiB: number } {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
  if (nodeOptions !== undefined) env['NODE_OPTIONS'] = nodeOptions;
  const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', CHILD], {
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { applied: boolean; newSpaceMiB: number };
}

describe("serve's young generation", () => {
  it('stays small under an allocation pattern that grows it to its maximum without the setting', () => {
    const kept = child([]);
    expect(kept.applied).toBe(true);
    expect(kept.newSpaceMiB).toBeLessThanOrEqual(4);
    // The same work with V8's default maximum, given explicitly, so the setting stays out.
    const grown = child(['--max-semi-space-size=16']);
    expect(grown.applied).toBe(false);
    expect(grown.newSpaceMiB).toBeGreaterThan(8);
  });

  it('is left to the operator when node was started with a young-generation flag', () => {
    expect(child([], '--max-semi-space-size=8').applied).toBe(false);
    for (const flag of [
      '--max-semi-space-size=4',
      '--max_semi_space_size=4',
      '--min-semi-space-size=2',
      '--semi-space-growth-factor=2',
    ]) {
      expect(keepYoungGenerationSmall([flag], undefined)).toBe(false);
      expect(keepYoungGenerationSmall([], `--enable-source-maps ${flag}`)).toBe(false);
    }
  });
});

describe("a check's scavenge task (the setting itself; when a check applies it: test/launcher.test.ts)", () => {
  const SCAVENGE_CHILD = new URL('./support/scavenge-task.cjs', import.meta.url).pathname;
  const collections = (flag?: string): { collections: string[]; stderr: string } => {
    const r = spawnSync(process.execPath, [SCAVENGE_CHILD, ...(flag ? [flag] : [])], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    return { ...(JSON.parse(r.stdout) as { collections: string[] }), stderr: r.stderr };
  };

  it('this V8 knows the flag, and with it a young generation 90 % full is not scavenged until it is full', () => {
    // V8's default: a scavenge as a task once the young generation passes 80 %.
    expect(collections().collections).toContain('Scavenge');
    const off = collections(NO_SCAVENGE_TASK);
    expect(off.collections).toEqual([]);
    // A flag V8 does not know only prints "unrecognized flag" on stderr: a rename would show here.
    expect(off.stderr).toBe('');
  });
});
