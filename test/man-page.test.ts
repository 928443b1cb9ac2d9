/**
 * scripts/man-page.ts: help text goes into roff as written. A line that starts with `.` or `'`
 * would be a roff request, a backslash an escape: both are neutralised; `-` is the ASCII minus
 * options are typed with. (test/packaging/deb.test.ts renders the packaged page with groff.)
 */
import { describe, expect, it } from 'vitest';
import { manPage, roffLine } from '../scripts/man-page.js';

describe('the manual page from --help', () => {
  it('escapes what roff would read as requests or escapes', () => {
    expect(roffLine('.SH not a section')).toBe('\\&.SH not a section');
    expect(roffLine("'br not a break")).toBe("\\&'br not a break");
    expect(roffLine('  .indented dot is text')).toBe('  .indented dot is text');
    expect(roffLine('a\\b')).toBe('a\\eb');
    expect(roffLine('--timeout DUR')).toBe('\\-\\-timeout DUR');
  });

  it('puts the usage lines in SYNOPSIS, the rest in DESCRIPTION, each command in its own subsection', () => {
    const page = manPage({
      version: '1.2.3',
      date: '2026-12-01',
      help: 'Usage: galera-probe [options] <target>\n       galera-probe serve <target>\n\nSays things.\n\n  -q, --quiet  quiet\n',
      commands: [{ name: 'serve', help: 'Usage: galera-probe serve\n.dot line\n' }],
    });
    expect(page.startsWith('.TH GALERA\\-PROBE 1 "2026-12-01" "galera\\-probe 1.2.3" "User Commands"\n')).toBe(true);
    const synopsis = page.slice(page.indexOf('.SH SYNOPSIS'), page.indexOf('.SH DESCRIPTION'));
    expect(synopsis).toContain('\n.nf\ngalera\\-probe [options] <target>\ngalera\\-probe serve <target>\n.fi\n');
    const description = page.slice(page.indexOf('.SH DESCRIPTION'), page.indexOf('.SH COMMANDS'));
    expect(description).toContain('Says things.\n.sp\n  \\-q, \\-\\-quiet  quiet\n.fi');
    expect(description).not.toContain('Usage');
    expect(page).toContain('.SS serve\n.nf\nUsage: galera\\-probe serve\n\\&.dot line\n.fi\n');
    // No line of the page is a request it did not mean.
    const requests = page
      .split('\n')
      .filter((l) => /^[.']/.test(l))
      .map((l) => l.split(' ')[0]);
    expect(new Set(requests)).toEqual(
      new Set(['.TH', '.SH', '.nf', '.fi', '.sp', '.PP', '.BR', '.SS', '.TP', '.I', '.B']),
    );
  });
});
