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
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative imports of a module (static and dynamic), as paths of .ts files under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [
    ...text.matchAll(
      /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)|(?:^|\n)\s*import\s+'(\.[^']+)'/g,
    ),
  ];
  return found.map((m) => resolve(dirname(file), (m[1] ?? m[2] ?? m[3])!).replace(/\.js$/, '.ts'));
}

const graph = new Map(files(SRC).map((f) => [f, importsOf(f)]));
const name = (f: string): string => relative(SRC, f);

/** serve's rooms: the shared layers, the check layer the features build on, and the features. */
const SERVE_SHARED = ['http', 'prom'];
const SERVE_BASE = ['health'];
const SERVE_FEATURES = ['exporter', 'cluster-view', 'status', 'web'];

/**
 * The rules of src/serve by feature, for a list of imports (paths relative to src/): http/ and
 * prom/ import nothing else of serve; health/ only those two; a feature only those three and
 * never another feature; between folders only through a folder's index.ts; src/cli imports
 * each serve folder through its index only; nothing but index.ts at serve's root.
 */
function serveRuleBreaks(edges: readonly (readonly [string, string])[]): string[] {
  const folder = (p: string): string | undefined =>
    p.startsWith('serve/') ? (p.split('/').length > 2 ? p.split('/')[1] : '') : undefined;
  const mayImport = (from: string): string[] => {
    if (SERVE_SHARED.includes(from)) return [];
    if (SERVE_BASE.includes(from)) return SERVE_SHARED;
    if (SERVE_FEATURES.includes(from)) return [...SERVE_SHARED, ...SERVE_BASE];
    return [...SERVE_SHARED, ...SERVE_BASE, ...SERVE_FEATURES];
  };
  const breaks: string[] = [];
  const seen = new Set<string>();
  for (const [from, to] of edges) {
    for (const p of [from, to]) {
      if (folder(p) === '' && p !== 'serve/index.ts' && !seen.has(p))
        breaks.push(`${p}: only index.ts at serve's root`);
      seen.add(p);
    }
    const a = folder(from);
    const b = folder(to);
    if (b === undefined || b === '' || a === b) continue;
    const viaIndex = to === `serve/${b}/index.ts`;
    if (from.startsWith('cli/') && !viaIndex)
      breaks.push(`${from} -> ${to}: src/cli imports serve/${b} through its index only`);
    if (a === undefined) continue;
    if (a !== '' && !mayImport(a).includes(b)) breaks.push(`${from} -> ${to}: serve/${a} may not import serve/${b}`);
    else if (!viaIndex) breaks.push(`${from} -> ${to}: between serve's folders only through index.ts`);
  }
  return breaks;
}

/** String literals that look like a path of a route (`'/probe'`, `"/status.json"`). */
const ROUTE_LITERAL = /(['"`])\/[a-z][a-z0-9._/-]*\1/;

describe('src/ layout', () => {
  it('every relative import names a module that exists', () => {
    const missing = [...graph].flatMap(([f, deps]) =>
      deps.filter((d) => !graph.has(d)).map((d) => `${name(f)} -> ${name(d)}`),
    );
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
      probe: ['protocol', 'probe', 'util', 'version.ts'],
      cluster: ['probe', 'cluster', 'util'],
      serve: ['probe', 'cluster', 'serve', 'protocol', 'util'],
      // Small helpers below everything (a small text file, the clock); they import nothing of ours.
      util: ['util'],
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

  it('serve is by feature: shared layers, the check layer, features that never import each other', () => {
    const edges = [...graph].flatMap(([f, deps]) => deps.map((d) => [name(f), name(d)] as const));
    expect(serveRuleBreaks(edges)).toEqual([]);
    for (const room of [...SERVE_SHARED, ...SERVE_BASE, ...SERVE_FEATURES])
      expect(graph.has(join(SRC, 'serve', room, 'index.ts')), room).toBe(true);
  });

  it('web/ knows no route names: its callers pass the paths it protects', () => {
    const named = [...graph.keys()]
      .filter((f) => name(f).startsWith('serve/web/'))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .filter((l) => !/^\s*(\*|\/\/|\/\*)/.test(l) && ROUTE_LITERAL.test(l))
          .map((l) => `${name(f)}: ${l.trim()}`),
      );
    expect(named).toEqual([]);
  });

  it('the serve rules can fail', () => {
    expect(serveRuleBreaks([['serve/http/server.ts', 'serve/health/index.ts']])).toHaveLength(1);
    expect(serveRuleBreaks([['serve/prom/gauges.ts', 'serve/http/index.ts']])).toHaveLength(1);
    expect(serveRuleBreaks([['serve/health/metrics.ts', 'serve/exporter/index.ts']])).toHaveLength(1);
    expect(serveRuleBreaks([['serve/status/sampler.ts', 'serve/cluster-view/index.ts']])).toHaveLength(1);
    expect(serveRuleBreaks([['serve/exporter/service.ts', 'serve/http/route.ts']])).toHaveLength(1);
    expect(serveRuleBreaks([['cli/serve-command.ts', 'serve/health/health-check.ts']])).toHaveLength(1);
    expect(serveRuleBreaks([['cli/serve-command.ts', 'serve/server.ts']])).toEqual([
      "serve/server.ts: only index.ts at serve's root",
    ]);
    expect(
      serveRuleBreaks([
        ['cli/serve-command.ts', 'serve/health/index.ts'],
        ['serve/web/basic-auth.ts', 'serve/http/index.ts'],
      ]),
    ).toEqual([]);
    expect(ROUTE_LITERAL.test("if (path === '/probe')")).toBe(true);
    expect(ROUTE_LITERAL.test("import x from './bcrypt.js'")).toBe(false);
  });

  it('the checks above see the whole tree (they can fail)', () => {
    expect(graph.size).toBeGreaterThan(40);
    expect(graph.get(join(SRC, 'cli', 'main.ts'))!.length).toBeGreaterThan(3);
  });
});
