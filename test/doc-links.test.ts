/**
 * Every relative link in README.md, BENCHMARKS.md, docs/*.md and examples/*.md leads somewhere:
 * the file or folder exists, and a #fragment names a heading of the Markdown file it points into
 * (GitHub's anchors: lower case, punctuation dropped, spaces as hyphens, -1, -2 for repeats).
 * Links inside code (fenced or `inline`) are not links; links with a scheme (https:) are not checked.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readDoc } from './support/docs.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const FILES = [
  'README.md',
  'BENCHMARKS.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  ...readdirSync(join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `examples/${f}`),
];

/** The text of a Markdown file outside fenced code blocks, line by line, inline code blanked. */
function proseLines(text: string): string[] {
  let fence = false;
  return text.split('\n').map((line) => {
    if (/^\s*```/.test(line)) {
      fence = !fence;
      return '';
    }
    return fence ? '' : line.replace(/`[^`]*`/g, '``');
  });
}

/** GitHub's anchor of a heading's text. */
function slug(heading: string): string {
  return heading
    .replace(/`/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a Markdown text's headings, repeats numbered as GitHub does. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  let fence = false;
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) fence = !fence;
    const m = !fence && /^#{1,6} (.*)$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]!.trim());
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    found.add(n === 0 ? base : `${base}-${n}`);
  }
  return found;
}

/** Relative link targets of a Markdown text (`[text](target)` and `![alt](target)`). */
function relativeLinks(text: string): string[] {
  const links: string[] = [];
  for (const line of proseLines(text)) {
    for (const m of line.matchAll(/\]\(([^()\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1]!;
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push(target);
    }
  }
  return links;
}

/** What is wrong with `file`'s link to `target`, or undefined when it resolves. */
function brokenLink(file: string, target: string, read: (file: string) => string = readDoc): string | undefined {
  const [path, fragment] = target.split('#', 2) as [string, string | undefined];
  const into = path === '' ? file : posix.normalize(posix.join(posix.dirname(file), decodeURIComponent(path)));
  if (into.startsWith('..')) return `${file}: ${target} leaves the repository`;
  if (!existsSync(join(ROOT, into))) return `${file}: ${target}: no ${into}`;
  if (fragment === undefined) return undefined;
  if (!into.endsWith('.md') || statSync(join(ROOT, into)).isDirectory())
    return `${file}: ${target}: an anchor into a file that is not Markdown`;
  if (!anchors(read(into)).has(fragment)) return `${file}: ${target}: ${into} has no heading #${fragment}`;
  return undefined;
}

describe('links in the documentation', () => {
  it('every relative link and #anchor in README.md, BENCHMARKS.md, docs/ and examples/ resolves', () => {
    const broken: string[] = [];
    let count = 0;
    for (const file of FILES) {
      for (const target of relativeLinks(readDoc(file))) {
        count++;
        const problem = brokenLink(file, target);
        if (problem) broken.push(problem);
      }
    }
    expect(broken).toEqual([]);
    // The README alone links to every page of docs/: the scan did find links.
    expect(count).toBeGreaterThan(30);
    expect(FILES).toContain('docs/internals.md');
  });

  it('the README links to every page in docs/', () => {
    const linked = new Set(relativeLinks(readDoc('README.md')).map((t) => t.split('#')[0]));
    const pages = FILES.filter((f) => f.startsWith('docs/'));
    expect(pages.filter((p) => !linked.has(p))).toEqual([]);
  });

  it('finds a missing file, a missing heading and a link that leaves the repository (the checks can fail)', () => {
    const read = (f: string) =>
      f === 'x.md' ? '# The cluster: `galera-probe cluster`\n\n## Exit codes\n## Exit codes\n' : readDoc(f);
    expect(brokenLink('README.md', 'docs/nothing-here.md')).toMatch(/no docs\/nothing-here\.md/);
    expect(brokenLink('docs/cli.md', 'galera.md#no-such-heading')).toMatch(/has no heading #no-such-heading/);
    expect(brokenLink('docs/cli.md', '../../etc/passwd')).toMatch(/leaves the repository/);
    expect(brokenLink('docs/cli.md', '../README.md#exit-codes')).toBeUndefined();
    expect(brokenLink('README.md', 'README.md#exit-codes-1')).toMatch(/no heading/);
    expect([...anchors(read('x.md'))]).toEqual(['the-cluster-galera-probe-cluster', 'exit-codes', 'exit-codes-1']);
    expect(
      relativeLinks('[a](b.md) `[c](d.md)` [e](https://x.example/) ![p](p.png "t")\n```\n[f](g.md)\n```\n'),
    ).toEqual(['b.md', 'p.png']);
  });
});
