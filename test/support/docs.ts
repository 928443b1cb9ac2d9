/**
 * The documentation as data: tests read option tables, exit codes and field lists from README.md
 * and docs/*.md, so the text and the program cannot drift apart. A file is named relative to the
 * repository's root ('README.md', 'docs/cli.md'), a section by its whole heading line.
 */
import { readFileSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url);

/** The text of a documentation file. */
export function readDoc(file: string): string {
  return readFileSync(new URL(file, ROOT), 'utf8');
}

/** The lines of `file`'s section that starts with `heading`, up to the next heading of any level. */
export function docSection(file: string, heading: string): string[] {
  const lines = readDoc(file).split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`${file} has no ${heading}`);
  let fence = false;
  const end = lines.findIndex((l, i) => {
    if (l.startsWith('```')) fence = !fence;
    return i > start && !fence && /^#{1,4} /.test(l);
  });
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** Body rows of the tables in a section (no header, no separator), as arrays of cells. */
export function docRows(file: string, heading: string): string[][] {
  const lines = docSection(file, heading);
  return lines
    .filter((l, i) => /^\| /.test(l) && !/^\|[-| ]+\|$/.test(l) && !/^\|[-| ]+\|$/.test(lines[i + 1] ?? ''))
    .map((l) =>
      l
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
}
