/**
 * The layout the brief asks for, held by a test: no import loops in src/, and each folder
 * imports only the layers below it (protocol knows nothing of Galera; probe is one node;
 * cluster judges several; serve and cli sit on top).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Relative imports of a module (static and dynamic), as paths of .ts files under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)|(?:^|\n)\s*import\s+'(\.[^']+)'/g)];
  return found.map((m) => resolve(dirname(file), (m[1] ?? m[2] ?? m[3])!).replace(/\.js$/, '.ts'));
}

const graph = new Map(files(SRC).map((f) => [f, importsOf(f)]));
const name = (f: string): string => relative(SRC, f);

describe('src/ layout', () => {
  it('every relative import names a module that exists', () => {
    const missing = [...graph].flatMap(([f, deps]) => deps.filter((d) => !graph.has(d)).map((d) => `${name(f)} -> ${name(d)}`));
    expect(missing).toEqual([]);
  });

  it('has no import loop', () => {
    const loops: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 'open');
      stack.push(f);
      for (const d of graph.get(f) ?? []) {
        if (state.get(d) === 'open') loops.push([...stack.slice(stack.indexOf(d)), d].map(name).join(' -> '));
        else if (!state.has(d)) visit(d);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f);
    expect(loops).toEqual([]);
  });

  it('each folder imports only from the layers below it', () => {
    const below: Record<string, string[]> = {
      protocol: ['protocol'],
      probe: ['protocol', 'probe', 'version.ts'],
      cluster: ['probe', 'cluster'],
      serve: ['probe', 'cluster', 'serve', 'protocol'],
    };
    const wrong: string[] = [];
    for (const [f, deps] of graph) {
      const layer = name(f).split('/')[0]!;
      const allowed = below[layer];
      if (!allowed) continue;
      for (const d of deps) {
        const target = name(d).split('/')[0]!;
        if (!allowed.includes(target)) wrong.push(`${name(f)} -> ${name(d)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the checks above see the whole tree (they can fail)', () => {
    expect(graph.size).toBeGreaterThan(40);
    expect(graph.get(join(SRC, 'cli', 'main.ts'))!.length).toBeGreaterThan(3);
  });
});
