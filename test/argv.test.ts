/**
 * src/cli/argv.ts against the parser it replaced, node:util's parseArgs (strict, positionals
 * allowed): the same values, positionals and error messages for the same command lines, chosen
 * by hand and at random from pieces that hit every rule.
 */
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ParseError, parseArgv, type OptionSpecs } from '../src/cli/argv.js';
import { PROBE_OPTIONS } from '../src/cli/args.js';
import { rng } from './support/damage.js';

const SPECS: OptionSpecs = {
  ...PROBE_OPTIONS,
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  'allow-target': { type: 'string', multiple: true },
  flag: { type: 'boolean', short: 'f', multiple: true },
};

type Outcome = { values: Record<string, unknown>; positionals: string[] } | { error: string };

function ours(argv: string[]): Outcome {
  try {
    const { values, positionals } = parseArgv(argv, SPECS);
    return { values: { ...values }, positionals };
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    return { error: err.message };
  }
}

function node(argv: string[]): Outcome {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: SPECS, allowPositionals: true, strict: true });
    return { values: { ...values }, positionals };
  } catch (err) {
    // The advice after an unknown option's name is parseArgs' own; args.ts used to cut it.
    return { error: (err as Error).message.replace(/\. To specify a positional argument.*$/s, '') };
  }
}

describe('the command-line parser', () => {
  const lines: string[][] = [
    [],
    ['db1:3306'],
    ['-u', 'probe', '--ssl-mode', 'DISABLED', '--json', 'db1'],
    ['--user=probe', '--timeout=2s', 'db1'],
    ['-uprobe', '-vq', 'db1'],
    ['-qu', 'probe', 'db1'],
    ['-vuprobe', 'db1'],
    ['--user', '--json'],
    ['-u', '-v'],
    ['-u', '-'],
    ['-', '--', '--json', '-u'],
    ['--json=1'],
    ['--json='],
    ['-v=1'],
    ['--user'],
    ['-u'],
    ['--bogus'],
    ['-x'],
    ['-vx'],
    ['--user=', 'db1'],
    ['--allow-target', 'a', '--allow-target=b', 'c'],
    ['-ff', '--flag'],
    ['--user', 'a', '--user', 'b'],
    ['--constructor'],
    ['--__proto__=x'],
    ['---user', 'x'],
    ['--', 'a', 'b'],
  ];
  it.each(lines.map((l) => [l.join(' ') || '(nothing)', l] as const))('%s: as parseArgs', (_, argv) => {
    expect(ours([...argv])).toEqual(node([...argv]));
  });

  it('2,000 random command lines: the same as parseArgs', () => {
    const pieces = [
      '-u',
      '-v',
      '-q',
      '-f',
      '-h',
      '-x',
      '-uv',
      '-vu',
      '-vqf',
      '-qx',
      '-',
      '--',
      '--user',
      '--user=',
      '--user=-x',
      '--json',
      '--json=no',
      '--bogus',
      '--allow-target',
      '--allow-target=1',
      '--flag',
      '--timeout',
      '--no-defaults',
      'db1',
      'db2:3306',
      '-1',
      'value',
      '---',
      '--=',
      '--ssl-mode=VERIFY_CA',
      '-uroot',
    ];
    const random = rng(21);
    const differences: string[] = [];
    for (let n = 0; n < 2000; n++) {
      const argv = Array.from(
        { length: Math.floor(random() * 6) },
        () => pieces[Math.floor(random() * pieces.length)]!,
      );
      const a = ours(argv);
      const b = node(argv);
      if (JSON.stringify(a) !== JSON.stringify(b))
        differences.push(`${JSON.stringify(argv)}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
    expect(differences.slice(0, 5)).toEqual([]);
  });

  it('keeps no prototype: an option named after an Object method is unknown, and values has no inherited keys', () => {
    expect(ours(['--toString'])).toEqual({ error: "Unknown option '--toString'" });
    const { values } = parseArgv(['--json'], SPECS);
    expect(values['toString']).toBeUndefined();
  });
});
