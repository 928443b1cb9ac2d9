/**
 * Modules small enough to read in one sitting: no function in src/ is longer than 80 lines
 * (declarations, methods, arrow functions and function expressions, counted from their first
 * line to their last as the formatter lays them out).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src', import.meta.url));
const MAX_LINES = 80;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** `file:line name (N lines)` for every function of `source` longer than `max` lines. */
function longFunctions(name: string, source: string, max: number): string[] {
  const sf = ts.createSourceFile(name, source, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const label = node.name !== undefined ? node.name.getText(sf) : '(anonymous)';
      if (last - first + 1 > max) out.push(`${name}:${first + 1} ${label} (${last - first + 1} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

describe('function size', () => {
  it(`no function in src/ is over ${MAX_LINES} lines`, () => {
    const long = files(SRC).flatMap((f) => longFunctions(relative(SRC, f), readFileSync(f, 'utf8'), MAX_LINES));
    expect(long).toEqual([]);
  });

  it('the check can fail', () => {
    const body = Array.from({ length: MAX_LINES }, (_, i) => `  const v${i} = ${i};`).join('\n');
    expect(longFunctions('x.ts', `function big() {\n${body}\n}\nconst small = () => 1;\n`, MAX_LINES)).toEqual([
      `x.ts:1 big (${MAX_LINES + 2} lines)`,
    ]);
  });
});
