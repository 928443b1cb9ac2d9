/**
 * The manual page galera-probe(1), made from the program's own `--help` output (the same
 * text a user sees), so the two cannot drift apart: scripts/build-deb.ts runs the executable
 * it packages with `--help`, `cluster --help`, `serve --help` and `watch --help` and hands
 * the texts here. The help texts are kept verbatim (they are laid out for a terminal, in
 * columns), in no-fill blocks; only the sections a package adds (FILES, SEE ALSO) are
 * written here.
 */

export interface ManPageInput {
  /** `galera-probe --version` without the name: `0.1.0`. */
  version: string;
  /** The page's date, `YYYY-MM-DD` (the changelog's, so the build is reproducible). */
  date: string;
  /** `galera-probe --help`. */
  help: string;
  /** Each command's `--help`, in the order to show them. */
  commands: readonly { name: string; help: string }[];
}

/**
 * One line of text as roff input that prints as written: backslashes escaped, a leading
 * `.` or `'` (a request) neutralised, `-` as the ASCII minus that options are typed with.
 */
export function roffLine(line: string): string {
  const escaped = line.replace(/\\/g, '\\e').replace(/-/g, '\\-');
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped;
}

/** A block of text shown line for line (no filling, no adjusting). */
function verbatim(text: string): string[] {
  const lines = text.replace(/\s+$/, '').split('\n');
  // An empty line in a no-fill block is a blank line, but lintian and groff prefer `.sp`.
  return ['.nf', ...lines.map((l) => (l.trim() === '' ? '.sp' : roffLine(l))), '.fi'];
}

export function manPage(input: ManPageInput): string {
  const top = input.help.replace(/\s+$/, '').split('\n');
  // The help starts with the usage lines; the first blank line ends them.
  const blank = top.findIndex((l) => l.trim() === '');
  const usage = blank < 0 ? top : top.slice(0, blank);
  const rest = blank < 0 ? [] : top.slice(blank + 1);
  const synopsis = usage.map((l) => l.replace(/^Usage:\s*/, '').trim());

  const out: string[] = [
    `.TH GALERA\\-PROBE 1 "${input.date}" "galera\\-probe ${roffLine(input.version)}" "User Commands"`,
    '.SH NAME',
    'galera\\-probe \\- health checks for MySQL, MariaDB and Galera nodes that answer within their deadline',
    '.SH SYNOPSIS',
    ...verbatim(synopsis.join('\n')),
    '.SH DESCRIPTION',
    'The text of',
    '.BR "galera\\-probe \\-\\-help" ,',
    "then of each command's",
    '.BR \\-\\-help .',
    '.PP',
    ...verbatim(rest.join('\n')),
    '.SH COMMANDS',
  ];
  for (const c of input.commands) {
    out.push(`.SS ${roffLine(c.name)}`, ...verbatim(c.help));
  }
  out.push(
    '.SH FILES',
    '.TP',
    '.I /etc/default/galera\\-probe',
    'The arguments of',
    '.B galera\\-probe serve',
    'for the systemd unit (ARGS).',
    '.TP',
    '.I /etc/galera\\-probe/my.cnf',
    'The credentials ([client] user and password), read through',
    '.BR \\-\\-defaults\\-file ;',
    'mode 0640, owned by the galera\\-probe user.',
    '.TP',
    '.I /lib/systemd/system/galera\\-probe.service',
    'The systemd unit: runs',
    '.B serve',
    'as the galera\\-probe system user. Installed neither enabled nor started.',
    '.SH SEE ALSO',
    '.BR systemctl (1),',
    '.BR systemd.exec (5)',
    '',
  );
  return out.join('\n');
}
