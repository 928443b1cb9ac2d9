/**
 * The YAML that exporter-toolkit's web config files are written in, and no more: nested
 * mappings by indentation (spaces), plain, single-quoted and double-quoted scalars, comments,
 * and a `---` before the document. Everything else (sequences, flow collections, anchors,
 * tags, block scalars, several documents, tabs in indentation) is refused with the file and
 * line, rather than misread.
 */

export interface YamlMap {
  kind: 'map';
  line: number;
  entries: Map<string, YamlEntry>;
}

/** A scalar is its text; `null` is a key with nothing after it (and no nested block). */
export type YamlValue = YamlMap | string | null;

export interface YamlEntry {
  value: YamlValue;
  /** 1-based line of the key. */
  line: number;
}

export class YamlError extends Error {
  override readonly name = 'YamlError';
}

const PLAIN_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$/;

/** Cuts a comment: `#` at the start or after a blank, outside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === '"' && c === '\\') {
      i++;
    } else if (quote !== undefined) {
      if (c === quote) {
        // '' inside single quotes is an escaped quote, not the end.
        if (quote === "'" && line[i + 1] === "'") i++;
        else quote = undefined;
      }
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) {
      return line.slice(0, i);
    }
  }
  return line;
}

const DOUBLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  '"': '"',
  '/': '/',
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  ' ': ' ',
};

/** A scalar's text: quoted forms unquoted, a plain one as it stands. */
function scalar(raw: string, fail: (why: string) => never): string {
  if (raw.startsWith("'")) {
    let out = '';
    let i = 1;
    for (; i < raw.length; i++) {
      if (raw[i] !== "'") out += raw[i];
      else if (raw[i + 1] === "'") out += raw[++i];
      else break;
    }
    if (i >= raw.length) fail('unterminated single-quoted string');
    if (i !== raw.length - 1) fail('text after a closing quote');
    return out;
  }
  if (raw.startsWith('"')) {
    let out = '';
    let i = 1;
    for (; i < raw.length && raw[i] !== '"'; i++) {
      if (raw[i] !== '\\') {
        out += raw[i];
        continue;
      }
      const e = raw[++i];
      if (e === 'u' && /^[0-9A-Fa-f]{4}$/.test(raw.slice(i + 1, i + 5))) {
        out += String.fromCharCode(parseInt(raw.slice(i + 1, i + 5), 16));
        i += 4;
      } else if (e !== undefined && DOUBLE_ESCAPES[e] !== undefined) {
        out += DOUBLE_ESCAPES[e];
      } else {
        fail('unsupported escape in a double-quoted string');
      }
    }
    if (i >= raw.length) fail('unterminated double-quoted string');
    if (i !== raw.length - 1) fail('text after a closing quote');
    return out;
  }
  if (/^[[\]{}&*!|>%@`,]/.test(raw) || raw.startsWith('- ') || raw === '-')
    fail(
      'only plain or quoted scalars and nested mappings are supported (no sequences, flow collections, anchors, tags or block scalars)',
    );
  if (/:( |$)/.test(raw)) fail('a plain value may not contain ": " (quote it)');
  return raw;
}

/** Parses `text`; errors read `FILE:LINE: reason` and never quote the line (it may hold a hash or a path only the operator should see). */
export function parseYaml(text: string, file: string): YamlMap {
  const root: YamlMap = { kind: 'map', line: 1, entries: new Map() };
  const stack: { indent: number; map: YamlMap }[] = [{ indent: 0, map: root }];
  let pending: { map: YamlMap; key: string; indent: number } | undefined;
  let started = false;
  const lines = (text.startsWith('\uFEFF') ? text.slice(1) : text).split('\n');

  lines.forEach((rawLine, index) => {
    const lineNo = index + 1;
    const fail = (why: string): never => {
      throw new YamlError(`${file}:${lineNo}: ${why}`);
    };
    const line = stripComment(rawLine.replace(/\r$/, '')).replace(/[ \t]+$/, '');
    if (line.trim() === '') return;
    const indentText = /^[ \t]*/.exec(line)![0];
    if (indentText.includes('\t')) fail('tabs in indentation are not YAML');
    const indent = indentText.length;
    const content = line.slice(indent);
    if (content === '---' && indent === 0) {
      if (started) fail('only one YAML document is supported');
      started = true;
      return;
    }
    if (content === '...' || content.startsWith('--- ') || content.startsWith('%'))
      fail('directives and document markers are not supported');
    started = true;
    if (content.startsWith('- ') || content === '-') fail('sequences ("- item") are not supported in this file');

    if (pending && indent > pending.indent) {
      const child: YamlMap = { kind: 'map', line: lineNo, entries: new Map() };
      pending.map.entries.set(pending.key, { value: child, line: pending.map.entries.get(pending.key)!.line });
      stack.push({ indent, map: child });
    } else {
      while (stack.length > 1 && stack[stack.length - 1]!.indent > indent) stack.pop();
      if (stack[stack.length - 1]!.indent !== indent) fail('indentation does not match any enclosing mapping');
    }
    pending = undefined;
    const map = stack[stack.length - 1]!.map;

    // key: value, with a quoted or plain key.
    let key: string;
    let rest: string;
    const quoted = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')\s*:(?:[ ]+|$)/.exec(content);
    if (quoted) {
      key = scalar(quoted[1]!, fail);
      rest = content.slice(quoted[0].length);
    } else {
      const colon = /:(?: +|$)/.exec(content);
      if (!colon) fail('expected "key: value"');
      key = content.slice(0, colon!.index);
      rest = content.slice(colon!.index + colon![0].length);
      if (!PLAIN_KEY.test(key)) fail('invalid key (quote keys with other characters)');
    }
    if (map.entries.has(key)) fail('duplicate key');
    if (rest === '') {
      map.entries.set(key, { value: null, line: lineNo });
      pending = { map, key, indent };
    } else {
      map.entries.set(key, { value: scalar(rest, fail), line: lineNo });
    }
  });
  return root;
}
