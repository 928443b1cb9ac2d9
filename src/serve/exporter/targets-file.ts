/**
 * `--targets-file`: the fleet the exporter may probe, one target per line, and what `/targets`
 * hands to Prometheus as HTTP service discovery.
 *
 *     # target            [name]   [label=value ...]
 *     10.0.1.11:3306      db1      cluster=prod dc=eu
 *     db2.example.com     db2      cluster=prod dc="eu west" auth_module=prod
 *     [fd00::12]:3306
 *
 * - Blank lines and lines starting with `#` are skipped; a `#` after blanks starts a comment.
 * - The target: `host:port`, `host` (port 3306) or `[ipv6]:port`, as `/probe?target=` takes it.
 * - The name (optional, the second word when it has no `=`) becomes the label `name`.
 * - Labels: `label=value`; names as Prometheus wants them (not starting with `__`), values
 *   bare (no blanks, quotes or `#`) or in double quotes with `\"` and `\\` escapes.
 *   `auth_module=NAME` is not a label: it becomes `__param_auth_module`, so that Prometheus
 *   asks for the target with that module.
 * - The same target (with the same auth module) twice is an error.
 * Errors name the file and line, never a value.
 */
import { readTextFile } from '../../util/text-file.js';
import { parseTargetAddress, TargetPolicyError } from './target-policy.js';

export interface TargetEntry {
  /** Canonical `host:port`. */
  target: string;
  name?: string;
  labels: Record<string, string>;
  authModule?: string;
}

export class TargetsFileError extends Error {
  override readonly name = 'TargetsFileError';
}

const MAX_FILE_BYTES = 8 * 1024 * 1024;
const MAX_ENTRIES = 100_000;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const BARE_VALUE = /^[^\s"'#\\]+$/;

/** Splits a line into words: bare, or `key="quoted value"`. Returns a reason for a malformed line. */
function words(line: string): string[] | { reason: string } {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= line.length || line[i] === '#') break;
    let word = '';
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') {
      if (line[i] === '"') {
        // A quoted value: keep the quotes (they tell a quoted value from a bare one); unescape later.
        let j = i + 1;
        while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
        if (j >= line.length) return { reason: 'unterminated quote' };
        word += line.slice(i, j + 1);
        i = j + 1;
      } else {
        word += line[i];
        i++;
      }
    }
    out.push(word);
  }
  return out;
}

function labelValue(raw: string): string | undefined {
  if (raw.startsWith('"')) {
    if (!raw.endsWith('"') || raw.length < 2) return undefined;
    const inner = raw.slice(1, -1);
    if (/\\[^"\\]/.test(inner.replace(/\\\\/g, ''))) return undefined;
    return inner.replace(/\\(["\\])/g, '$1');
  }
  return BARE_VALUE.test(raw) ? raw : undefined;
}

export function parseTargetsFile(text: string, file: string): TargetEntry[] {
  const entries: TargetEntry[] = [];
  const seen = new Set<string>();
  const lines = (text.startsWith('\uFEFF') ? text.slice(1) : text).split('\n');
  lines.forEach((rawLine, index) => {
    const fail = (reason: string): never => {
      throw new TargetsFileError(`${file}:${index + 1}: ${reason}`);
    };
    const line = rawLine.replace(/\r$/, '');
    const split = words(line);
    if (!Array.isArray(split)) return fail(split.reason);
    if (split.length === 0) return;
    const [first, ...rest] = split as [string, ...string[]];
    let target: string;
    try {
      target = parseTargetAddress(first).key;
    } catch (err) {
      if (err instanceof TargetPolicyError)
        return fail('the first word must be a target: host:port, host or [ipv6]:port');
      throw err;
    }
    const entry: TargetEntry = { target, labels: {} };
    if (rest[0] !== undefined && !rest[0].includes('=')) {
      const name = labelValue(rest.shift()!);
      if (name === undefined) fail('invalid name');
      entry.name = name!;
    }
    for (const word of rest) {
      const eq = word.indexOf('=');
      if (eq <= 0) fail('expected label=value');
      const key = word.slice(0, eq);
      const value = labelValue(word.slice(eq + 1));
      if (!LABEL_NAME.test(key) || key.startsWith('__')) fail('invalid label name');
      if (value === undefined) fail('invalid label value (quote values with blanks)');
      if (key === 'auth_module') {
        if (value === '' || entry.authModule !== undefined) fail('auth_module must be given once, not empty');
        entry.authModule = value!.toLowerCase();
        continue;
      }
      if (key === 'name' && entry.name !== undefined) fail('the name is given twice');
      if (Object.hasOwn(entry.labels, key)) fail('a label is given twice');
      entry.labels[key] = value!;
    }
    const id = `${entry.target} ${entry.authModule ?? ''}`;
    if (seen.has(id)) fail('this target is listed already');
    seen.add(id);
    if (entries.length >= MAX_ENTRIES) fail(`more than ${MAX_ENTRIES} targets`);
    entries.push(entry);
  });
  return entries;
}

export function readTargetsFile(file: string): TargetEntry[] {
  return parseTargetsFile(
    readTextFile(file, MAX_FILE_BYTES, (e) => new TargetsFileError(e.message)),
    file,
  );
}

/** Prometheus HTTP service discovery: one group per target, with its labels. */
export function serviceDiscovery(
  entries: readonly TargetEntry[],
): { targets: string[]; labels: Record<string, string> }[] {
  return entries.map((e) => ({
    targets: [e.target],
    labels: {
      ...e.labels,
      ...(e.name !== undefined ? { name: e.name } : {}),
      ...(e.authModule !== undefined ? { __param_auth_module: e.authModule } : {}),
    },
  }));
}
