/**
 * MySQL/MariaDB option files (`~/.my.cnf` and friends), read the way the
 * `mysql` client reads them, so that the credentials an operator already keeps
 * there reach galera-probe byte for byte.
 *
 * Syntax (after mysys `my_default` in MySQL and MariaDB):
 * - `[group]` starts a group; names are case-insensitive, surrounding blanks ignored.
 * - `key=value`, `key = value`, or a bare `key` (value `""`). In keys `_` and `-`
 *   are the same; keys are stored with `-`. Keys are otherwise case-sensitive,
 *   as the client's option matching is.
 * - Leading and trailing blanks of keys and values are dropped.
 * - A value may be wrapped in `'…'` or `"…"`; the quotes are removed.
 * - Escapes in values, quoted or not: `\b \t \n \r \\ \s` (space) `\"` `\'`.
 *   A backslash before any other character is kept as it is (`C:\x` stays `C:\x`).
 * - Lines whose first non-blank character is `#` or `;` are comments. A `#`
 *   outside quotes ends the line. As in the client, a quote character inside an
 *   unquoted value also shields a later `#` (`pa"ss#word` is one value).
 * - CRLF line endings and a UTF-8 byte order mark are accepted.
 *
 * Deliberately stricter than the client, so nothing is silently misread:
 * `!include`/`!includedir` (and any other `!` directive) are refused; an
 * unterminated quote, text after a closing quote, an invalid option name, an
 * option before the first group, and a file that is not UTF-8 are errors.
 */

import { fileExposure, readableWarning } from '../util/file-mode.js';
import { readTextFile, TextFileError } from '../util/text-file.js';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** A problem with an option file. The message is `FILE:LINE: reason` (or `FILE: reason`). */
export class OptionFileError extends Error {
  override readonly name = 'OptionFileError';
  readonly code = 'OPTION_FILE';
  readonly file: string;
  readonly line: number | undefined;

  constructor(file: string, line: number | undefined, reason: string, options?: ErrorOptions) {
    // Messages are built from fixed reasons and positions only: a value on the line may be a password.
    super(line === undefined ? `${file}: ${reason}` : `${file}:${line}: ${reason}`, options);
    this.file = file;
    this.line = line;
  }
}

/** Blanks as the client's parser sees them (ASCII only: a trailing NBSP stays part of a password). */
const BLANKS = ' \t\n\v\f\r';

function isBlank(ch: string | undefined): boolean {
  return ch !== undefined && ch !== '' && BLANKS.includes(ch);
}

function trimBlanks(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isBlank(s[start])) start++;
  while (end > start && isBlank(s[end - 1])) end--;
  return s.slice(start, end);
}

/** Option names as written in option files: `ssl-ca`, `ssl_ca`, `loose-ssl-ca`, `plugin.var`. */
const OPTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Cut the line at the first `#` that is not inside quotes. Quote tracking
 * follows the client: a quote opens a quoted span wherever it appears, and a
 * backslash escapes only inside such a span.
 */
function stripInlineComment(line: string): string {
  let quote: string | undefined;
  let escaped = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if ((ch === '"' || ch === "'") && !escaped) {
      if (quote === undefined) quote = ch;
      else if (quote === ch) quote = undefined;
    }
    if (quote === undefined && ch === '#') return line.slice(0, i);
    escaped = quote !== undefined && ch === '\\' && !escaped;
  }
  return line;
}

const ESCAPES: Readonly<Record<string, string>> = {
  b: '\b',
  t: '\t',
  n: '\n',
  r: '\r',
  s: ' ',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

function unescapeValue(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    const next = raw[i + 1];
    if (ch === '\\' && next !== undefined) {
      const mapped = ESCAPES[next];
      out += mapped ?? ch + next;
      i++;
    } else {
      out += ch;
    }
  }
  return out;
}

/** Decode a value already cut from its comment and trimmed: strip the quotes, apply the escapes. */
function decodeValue(raw: string): { value: string } | { reason: string } {
  const quote = raw[0];
  if (quote !== '"' && quote !== "'") return { value: unescapeValue(raw) };
  let close = -1;
  for (let i = 1; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '\\') {
      i++;
    } else if (ch === quote) {
      close = i;
      break;
    }
  }
  if (close === -1) return { reason: 'unterminated quote' };
  if (close !== raw.length - 1) return { reason: 'unexpected text after closing quote' };
  return { value: unescapeValue(raw.slice(1, close)) };
}

/**
 * Parse the text of an option file. Returns group (lower-cased) → key (with
 * `_` normalised to `-`) → value; a later duplicate key or group adds to and
 * overrides what came before. `file` is used only to name the file in errors.
 */
export function parseOptionFile(text: string, file: string): Map<string, Map<string, string>> {
  const groups = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split('\n');

  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1;
    const fail: (reason: string) => never = (reason) => {
      throw new OptionFileError(file, lineNo, reason);
    };
    const line = trimBlanks(lines[index] as string);
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;

    if (line.startsWith('!')) {
      const directive = /^!\s*(includedir|include)(?=\s|$)/.exec(line)?.[1];
      fail(
        directive === undefined
          ? 'option file directives ("!…") are not supported by galera-probe'
          : `!${directive} is not supported by galera-probe; put the options in this file or pass --defaults-extra-file`,
      );
    }

    if (line.startsWith('[')) {
      const end = line.indexOf(']');
      if (end === -1) fail('unterminated group header (missing "]")');
      const name = trimBlanks(line.slice(1, end)).toLowerCase();
      if (name === '') fail('empty group name');
      const rest = trimBlanks(line.slice(end + 1));
      if (rest !== '' && !rest.startsWith('#') && !rest.startsWith(';')) {
        fail('unexpected text after group header');
      }
      current = groups.get(name);
      if (current === undefined) {
        current = new Map();
        groups.set(name, current);
      }
      continue;
    }

    if (current === undefined) fail('option before the first [group] header');
    const group = current;

    const content = stripInlineComment(line);
    const eq = content.indexOf('=');
    const rawKey = trimBlanks(eq === -1 ? content : content.slice(0, eq));
    if (rawKey === '') fail('missing option name before "="');
    if (!OPTION_NAME.test(rawKey)) fail('invalid option name');
    const key = rawKey.replaceAll('_', '-');

    if (eq === -1) {
      group.set(key, '');
      continue;
    }
    const decoded = decodeValue(trimBlanks(content.slice(eq + 1)));
    if ('reason' in decoded) fail(decoded.reason);
    else group.set(key, decoded.value);
  }
  return groups;
}

/** Which option files to read, from `--defaults-file`, `--defaults-extra-file`, `--no-defaults`. */
export interface OptionFileChoice {
  /** Read only this file instead of `~/.my.cnf`; it must exist. */
  defaultsFile?: string;
  /** Read this file too, after the default one (its values win); it must exist. */
  defaultsExtraFile?: string;
  /** Read no option file at all. */
  noDefaults?: boolean;
  /** Home directory for `~/.my.cnf` and `~/` in paths; defaults to `os.homedir()`. */
  home?: string;
  /** Told about a file with a password that group or others may read. */
  warn?: (line: string) => void;
}

/** Connection options found in option files; all values are raw strings, still to be validated. */
export interface FileOptions {
  user?: string;
  password?: string;
  host?: string;
  port?: string;
  socket?: string;
  sslCa?: string;
  sslCert?: string;
  sslKey?: string;
  sslMode?: string;
  /** caching_sha2_password's RSA key file (`server-public-key`). */
  serverPublicKey?: string;
  /** `get-server-public-key`: a bare key or 1/0, ON/OFF, TRUE/FALSE (see parseFileBoolean). */
  getServerPublicKey?: string;
  /** The files actually read, in order. */
  sources: string[];
}

/** Groups read, in order: later groups override earlier ones within a file. */
export const OPTION_GROUPS: readonly string[] = ['client', 'galera-probe'];

type OptionField = Exclude<keyof FileOptions, 'sources'>;

const KEY_TO_FIELD: ReadonlyMap<string, OptionField> = new Map<string, OptionField>([
  ['user', 'user'],
  ['password', 'password'],
  ['host', 'host'],
  ['port', 'port'],
  ['socket', 'socket'],
  ['ssl-ca', 'sslCa'],
  ['ssl-cert', 'sslCert'],
  ['ssl-key', 'sslKey'],
  ['ssl-mode', 'sslMode'],
  ['server-public-key', 'serverPublicKey'],
  ['get-server-public-key', 'getServerPublicKey'],
]);

/**
 * A boolean option's value as the mysql client reads it from a file: a bare key (`""`) or
 * 1/ON/TRUE is true, 0/OFF/FALSE is false (any case); anything else is undefined (the caller's
 * usage error). `skip-NAME` / `disable-NAME` are not supported.
 */
export function parseFileBoolean(value: string): boolean | undefined {
  const v = value.toLowerCase();
  if (v === '' || v === '1' || v === 'on' || v === 'true') return true;
  if (v === '0' || v === 'off' || v === 'false') return false;
  return undefined;
}

/**
 * The file's text. A world-writable option file is refused (the mysql client ignores one with a
 * warning; skipping it silently could hide a password change); one with a password that group
 * or others may read is warned about through `warn`.
 */
function readOptionFile(file: string, required: boolean, warn?: (line: string) => void): string | undefined {
  const exposure = fileExposure(file);
  if (exposure === 'world-writable')
    throw new OptionFileError(
      file,
      undefined,
      'option file is world-writable: anyone on this machine could change it; refused (chmod o-w)',
    );
  try {
    const text = readTextFile(file);
    if (exposure === 'readable' && warn && /^\s*(loose-)?password\s*=/m.test(text))
      warn(readableWarning('option file', file));
    return text;
  } catch (err) {
    if (!(err instanceof TextFileError)) throw err;
    if (err.kind === 'utf8') throw new OptionFileError(file, undefined, 'option file is not valid UTF-8');
    const code = err.code;
    if (!required && code === 'ENOENT') return undefined;
    const reason =
      code === 'ENOENT'
        ? 'option file not found'
        : code === 'EACCES' || code === 'EPERM'
          ? 'option file not readable (permission denied)'
          : code === 'EISDIR'
            ? 'option file is a directory'
            : `cannot read option file (${code ?? 'unknown error'})`;
    throw new OptionFileError(file, undefined, reason, { cause: err.cause });
  }
}

function expandHome(file: string, home: string): string {
  return file.startsWith('~/') && home !== '' ? join(home, file.slice(2)) : file;
}

/**
 * Read the option files chosen and collect the connection options from the
 * `[client]` then `[galera-probe]` groups. Files are applied in order
 * (`~/.my.cnf` or `--defaults-file`, then `--defaults-extra-file`), so a later
 * file overrides an earlier one; within a file `[galera-probe]` overrides
 * `[client]`. Unknown keys are ignored, as keys in `[client]` may be meant for
 * other programs. A leading `loose-` on a key is dropped, as the client does.
 */
export function loadOptionFiles(choice: OptionFileChoice): FileOptions {
  const result: FileOptions = { sources: [] };
  if (choice.noDefaults === true) return result;
  for (const { file, required } of optionFilePlan(choice)) {
    const text = readOptionFile(file, required, choice.warn);
    if (text === undefined) continue;
    const groups = parseOptionFile(text, file);
    result.sources.push(file);
    for (const groupName of OPTION_GROUPS) {
      const group = groups.get(groupName);
      if (group !== undefined) applyGroup(result, group);
    }
  }
  return result;
}

function applyGroup(result: FileOptions, group: Map<string, string>): void {
  for (const [rawKey, value] of group) {
    const key = rawKey.startsWith('loose-') ? rawKey.slice('loose-'.length) : rawKey;
    const field = KEY_TO_FIELD.get(key);
    if (field !== undefined) result[field] = value;
  }
}

/**
 * The `[client.NAME]` groups of the same files (mysqld_exporter's auth modules, chosen per
 * scrape with `auth_module=NAME`): NAME (lower case, as group names are) → the options of
 * that group, a later file's values winning.
 */
export function loadAuthModules(choice: OptionFileChoice): Map<string, FileOptions> {
  const modules = new Map<string, FileOptions>();
  if (choice.noDefaults === true) return modules;
  for (const { file, required } of optionFilePlan(choice)) {
    const text = readOptionFile(file, required);
    if (text === undefined) continue;
    for (const [groupName, group] of parseOptionFile(text, file)) {
      const name = /^client\.(.+)$/.exec(groupName)?.[1];
      if (name === undefined) continue;
      let found = modules.get(name);
      if (!found) modules.set(name, (found = { sources: [] }));
      found.sources.push(file);
      applyGroup(found, group);
    }
  }
  return modules;
}

/** The files to read, in order, and whether each must exist. */
function optionFilePlan(choice: OptionFileChoice): { file: string; required: boolean }[] {
  const home = choice.home ?? homedir();
  const plan: { file: string; required: boolean }[] = [];
  for (const [flag, file] of [
    ['--defaults-file', choice.defaultsFile],
    ['--defaults-extra-file', choice.defaultsExtraFile],
  ] as const) {
    if (file === '') throw new OptionFileError(flag, undefined, 'empty file name');
  }
  if (choice.defaultsFile !== undefined) {
    plan.push({ file: expandHome(choice.defaultsFile, home), required: true });
  } else if (home !== '') {
    plan.push({ file: join(home, '.my.cnf'), required: false });
  }
  if (choice.defaultsExtraFile !== undefined) {
    plan.push({ file: expandHome(choice.defaultsExtraFile, home), required: true });
  }
  return plan;
}
