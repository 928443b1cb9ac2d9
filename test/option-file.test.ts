import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOptionFiles, OptionFileError, parseOptionFile } from '../src/cli/option-file.js';
import { rng } from './support/damage.js';

const SECRET = 'hunter2-s3cr3t';

function parse(text: string): Map<string, Map<string, string>> {
  return parseOptionFile(text, '/etc/test.cnf');
}

function group(text: string, name = 'client'): Record<string, string> {
  return Object.fromEntries(parse(text).get(name) ?? new Map<string, string>());
}

function parseError(text: string, file = '~/.my.cnf'): OptionFileError {
  try {
    parseOptionFile(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(OptionFileError);
    return err as OptionFileError;
  }
  throw new Error('expected an OptionFileError');
}

describe('parseOptionFile', () => {
  it('reads groups, key=value with and without blanks, and bare keys', () => {
    const groups = parse(
      '[client]\nuser=alice\nhost = db1\n  port\t=\t3307  \nskip-ssl\n\n[galera-probe]\nuser = bob\n',
    );
    expect(Object.fromEntries(groups.get('client') ?? [])).toEqual({
      user: 'alice',
      host: 'db1',
      port: '3307',
      'skip-ssl': '',
    });
    expect(Object.fromEntries(groups.get('galera-probe') ?? [])).toEqual({ user: 'bob' });
  });

  it('accepts blanks around group names and matches them case-insensitively', () => {
    const groups = parse('[ Client ]\nuser=a\n[CLIENT]\nhost=h\n');
    expect([...groups.keys()]).toEqual(['client']);
    expect(group('[ Client ]\nuser=a\n[CLIENT]\nhost=h\n')).toEqual({ user: 'a', host: 'h' });
  });

  it('treats _ and - in keys as the same and stores them with -', () => {
    expect(group('[client]\nssl_ca=/a\nssl-cert=/b\nssl_key=/c\nssl-ca=/d\n')).toEqual({
      'ssl-ca': '/d',
      'ssl-cert': '/b',
      'ssl-key': '/c',
    });
  });

  it('lets a later duplicate win', () => {
    expect(group('[client]\nuser=a\nuser=b\n')).toEqual({ user: 'b' });
  });

  it('skips full-line comments with # and ; and blank lines', () => {
    expect(group('# top\n; also\n[client]\n   # indented\n\t; indented\n\n   \nuser=a\n')).toEqual({ user: 'a' });
  });

  it('strips a # inline comment after an unquoted value, but not ;', () => {
    expect(
      group('[client] # the client group\nuser=alice # the user\npassword=a;b\nhost\t# bare with comment\n'),
    ).toEqual({
      user: 'alice',
      password: 'a;b',
      host: '',
    });
  });

  it('removes single or double quotes and keeps # inside them', () => {
    expect(
      group(`[client]\npassword="p#ss word" # comment\nuser='al ice'\nhost=""\nsocket = ' /tmp/x.sock '\n`),
    ).toEqual({ password: 'p#ss word', user: 'al ice', host: '', socket: ' /tmp/x.sock ' });
  });

  it('keeps the other quote character inside a quoted value', () => {
    expect(group(`[client]\na="it's"\nb='say "hi"'\n`)).toEqual({ a: "it's", b: 'say "hi"' });
  });

  it('like the mysql client, a quote inside an unquoted value shields a later #', () => {
    expect(group(`[client]\npassword=ab"c#d"\nuser=it's\n`)).toEqual({ password: 'ab"c#d"', user: "it's" });
  });

  it('decodes escapes in quoted and unquoted values', () => {
    expect(
      group(
        [
          '[client]',
          'a=x\\by',
          'b=x\\ty',
          'c=x\\ny',
          'd=x\\ry',
          'e=x\\\\y',
          'f=x\\sy',
          'g="x\\"y"',
          "h='x\\'y'",
          'i=\\spadded\\s',
          'j="a\\\\"',
          'k=C:\\certs\\ca.pem',
          'l=trailing\\',
        ].join('\n'),
      ),
    ).toEqual({
      a: 'x\by',
      b: 'x\ty',
      c: 'x\ny',
      d: 'x\ry',
      e: 'x\\y',
      f: 'x y',
      g: 'x"y',
      h: "x'y",
      i: ' padded ',
      j: 'a\\',
      // An unknown escape keeps its backslash, as in the mysql client.
      k: 'C:\\certs\\ca.pem',
      l: 'trailing\\',
    });
  });

  it('accepts CRLF line endings', () => {
    expect(group('[client]\r\nuser=alice\r\npassword="pw"\r\n# c\r\n\r\nhost=h # c\r\n')).toEqual({
      user: 'alice',
      password: 'pw',
      host: 'h',
    });
  });

  it('accepts a UTF-8 byte order mark and non-ASCII values', () => {
    expect(group('\uFEFF[client]\nuser=zoë\npassword=пароль\n')).toEqual({ user: 'zoë', password: 'пароль' });
  });

  it('refuses !include and !includedir, naming file and line', () => {
    const inc = parseError('[client]\nuser=a\n!include /etc/mysql/secret.cnf\n');
    expect(inc.file).toBe('~/.my.cnf');
    expect(inc.line).toBe(3);
    expect(inc.code).toBe('OPTION_FILE');
    expect(inc.message).toMatch(/^~\/\.my\.cnf:3: !include is not supported by galera-probe/);

    const dir = parseError('!includedir /etc/mysql/conf.d/\n[client]\n');
    expect(dir.line).toBe(1);
    expect(dir.message).toMatch(/^~\/\.my\.cnf:1: !includedir is not supported by galera-probe/);

    expect(parseError('[client]\n! include x\n').message).toMatch(/:2: !include is not supported/);
    expect(parseError('[client]\n!whatever\n').message).toMatch(/:2: .*not supported by galera-probe/);
  });

  describe('malformed lines name file and line and never the value', () => {
    const cases: [string, string, number, RegExp][] = [
      ['unterminated double quote', `[client]\nuser=a\npassword="${SECRET}\n`, 3, /unterminated quote/],
      ['unterminated single quote', `[client]\npassword='${SECRET}  # c\n`, 2, /unterminated quote/],
      ['escaped closing quote', `[client]\npassword="${SECRET}\\"\n`, 2, /unterminated quote/],
      ['text after closing quote', `[client]\npassword="${SECRET}"x${SECRET}\n`, 2, /text after closing quote/],
      ['unterminated group header', `# c\n[client password=${SECRET}\n`, 2, /unterminated group header/],
      ['empty group name', `[ ]\npassword=${SECRET}\n`, 1, /empty group name/],
      ['text after group header', `[client] password=${SECRET}\n`, 1, /after group header/],
      ['option before any group', `\npassword=${SECRET}\n[client]\n`, 2, /before the first \[group\]/],
      ['missing option name', `[client]\n=${SECRET}\n`, 2, /missing option name/],
      ['invalid option name', `[client]\nmy password is ${SECRET}\n`, 2, /invalid option name/],
      ['invalid option name with value', `[client]\npass word = ${SECRET}\n`, 2, /invalid option name/],
    ];
    for (const [name, text, line, reason] of cases) {
      it(name, () => {
        const err = parseError(text, '/home/op/.my.cnf');
        expect(err.file).toBe('/home/op/.my.cnf');
        expect(err.line).toBe(line);
        expect(err.message.startsWith(`/home/op/.my.cnf:${line}: `)).toBe(true);
        expect(err.message).toMatch(reason);
        expect(err.message).not.toContain(SECRET);
        expect(err.message).not.toContain('hunter2');
        expect(String(err.stack)).not.toContain(SECRET);
      });
    }
  });

  it('counts lines the same with CRLF endings', () => {
    expect(parseError('[client]\r\nuser=a\r\npassword="x\r\n').line).toBe(3);
  });
});

describe('parseOptionFile on damaged files', () => {
  it('5,000 damaged copies of a valid file parse or fail with OptionFileError, never with the password', () => {
    const valid = `# monitoring\n[client]\nuser = monitor\npassword = "${SECRET}"  # quoted\nhost=127.0.0.1\n\n[galera-probe]\nssl-mode=VERIFY_CA\nport = 3311\n`;
    const alphabet = ['[', ']', '"', "'", '\\', '#', ';', '=', ' ', '\n', '\r', '\t', '!', 'a', '\0', 'é'];
    const next = rng(7);
    const random = (n: number): number => Math.floor(next() * n);
    const wrong: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const chars = [...valid];
      for (let k = 1 + random(4); k > 0; k--) {
        const at = random(chars.length);
        const op = random(3);
        if (op === 0) chars.splice(at, 1);
        else if (op === 1) chars.splice(at, 0, alphabet[random(alphabet.length)]!);
        else chars[at] = alphabet[random(alphabet.length)]!;
      }
      const text = chars.join('');
      try {
        parseOptionFile(text, '/home/op/.my.cnf');
      } catch (err) {
        if (!(err instanceof OptionFileError)) wrong.push(`${JSON.stringify(text)}: ${String(err)}`);
        else if (err.message.includes(SECRET))
          wrong.push(`${JSON.stringify(text)}: the password is in "${err.message}"`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('loadOptionFiles', () => {
  let dir: string;
  let home: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'galera-probe-optfile-'));
    home = path.join(dir, 'home');
    fs.mkdirSync(home);
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function write(file: string, text: string): string {
    fs.writeFileSync(file, text);
    return file;
  }

  it('reads ~/.my.cnf by default and maps the nine keys', () => {
    const cnf = write(
      path.join(home, '.my.cnf'),
      [
        '[client]',
        'user=alice',
        'password="pw # with hash"',
        'host=db1.example',
        'port=3307',
        'socket=/run/mysqld/mysqld.sock',
        'ssl_ca=/etc/ssl/ca.pem',
        'ssl-cert=/etc/ssl/c.pem',
        'ssl_key=/etc/ssl/k.pem',
        'ssl-mode=VERIFY_IDENTITY',
        'database=ignored',
        'default-character-set=utf8mb4',
        '[mysqldump]',
        'user=dumper',
      ].join('\n'),
    );
    expect(loadOptionFiles({ home })).toEqual({
      user: 'alice',
      password: 'pw # with hash',
      host: 'db1.example',
      port: '3307',
      socket: '/run/mysqld/mysqld.sock',
      sslCa: '/etc/ssl/ca.pem',
      sslCert: '/etc/ssl/c.pem',
      sslKey: '/etc/ssl/k.pem',
      sslMode: 'VERIFY_IDENTITY',
      sources: [cnf],
    });
  });

  it('lets [galera-probe] override [client] whatever their order in the file', () => {
    write(
      path.join(home, '.my.cnf'),
      '[galera-probe]\nuser=probe\n[client]\nuser=alice\npassword=pw\n[mysql]\nuser=other\n',
    );
    const opts = loadOptionFiles({ home });
    expect(opts.user).toBe('probe');
    expect(opts.password).toBe('pw');
  });

  it('drops a loose- prefix', () => {
    write(path.join(home, '.my.cnf'), '[client]\nloose-ssl-ca=/ca.pem\nloose_ssl_mode=REQUIRED\n');
    expect(loadOptionFiles({ home })).toMatchObject({ sslCa: '/ca.pem', sslMode: 'REQUIRED' });
  });

  it('a missing ~/.my.cnf is fine', () => {
    expect(loadOptionFiles({ home })).toEqual({ sources: [] });
  });

  it('reads --defaults-extra-file after ~/.my.cnf, so it wins', () => {
    const cnf = write(path.join(home, '.my.cnf'), '[client]\nuser=alice\npassword=old\nhost=h1\n');
    const extra = write(path.join(dir, 'extra.cnf'), '[client]\npassword=new\n');
    const opts = loadOptionFiles({ home, defaultsExtraFile: extra });
    expect(opts).toEqual({ user: 'alice', password: 'new', host: 'h1', sources: [cnf, extra] });
  });

  it('a later file wins even over [galera-probe] in an earlier one', () => {
    write(path.join(home, '.my.cnf'), '[galera-probe]\nuser=probe\n');
    const extra = write(path.join(dir, 'extra.cnf'), '[client]\nuser=alice\n');
    expect(loadOptionFiles({ home, defaultsExtraFile: extra }).user).toBe('alice');
  });

  it('--defaults-extra-file alone, with no ~/.my.cnf', () => {
    const extra = write(path.join(dir, 'extra.cnf'), '[galera-probe]\nport=4000\n');
    expect(loadOptionFiles({ home, defaultsExtraFile: extra })).toEqual({ port: '4000', sources: [extra] });
  });

  it('--defaults-file replaces ~/.my.cnf', () => {
    write(path.join(home, '.my.cnf'), '[client]\nuser=alice\npassword=pw\n');
    const only = write(path.join(dir, 'only.cnf'), '[client]\nhost=h2\n');
    expect(loadOptionFiles({ home, defaultsFile: only })).toEqual({ host: 'h2', sources: [only] });
  });

  it('--defaults-file then --defaults-extra-file', () => {
    const only = write(path.join(dir, 'only.cnf'), '[client]\nhost=h2\nuser=u\n');
    const extra = write(path.join(dir, 'extra.cnf'), '[client]\nhost=h3\n');
    expect(loadOptionFiles({ home, defaultsFile: only, defaultsExtraFile: extra })).toEqual({
      host: 'h3',
      user: 'u',
      sources: [only, extra],
    });
  });

  it('expands ~/ in given paths', () => {
    const file = write(path.join(home, 'probe.cnf'), '[client]\nuser=u\n');
    expect(loadOptionFiles({ home, defaultsFile: '~/probe.cnf' })).toEqual({ user: 'u', sources: [file] });
  });

  it('--no-defaults reads nothing', () => {
    write(path.join(home, '.my.cnf'), '[client]\nuser=alice\n');
    const extra = write(path.join(dir, 'extra.cnf'), '[client]\nuser=bob\n');
    expect(loadOptionFiles({ home, noDefaults: true })).toEqual({ sources: [] });
    expect(loadOptionFiles({ home, noDefaults: true, defaultsFile: extra, defaultsExtraFile: extra })).toEqual({
      sources: [],
    });
  });

  it('a missing --defaults-file is an error naming the file', () => {
    const missing = path.join(dir, 'nope.cnf');
    expect(() => loadOptionFiles({ home, defaultsFile: missing })).toThrow(OptionFileError);
    expect(() => loadOptionFiles({ home, defaultsFile: missing })).toThrow(`${missing}: option file not found`);
  });

  it('a missing --defaults-extra-file is an error naming the file', () => {
    write(path.join(home, '.my.cnf'), '[client]\nuser=alice\n');
    const missing = path.join(dir, 'nope.cnf');
    try {
      loadOptionFiles({ home, defaultsExtraFile: missing });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(OptionFileError);
      const e = err as OptionFileError;
      expect(e.file).toBe(missing);
      expect(e.line).toBeUndefined();
      expect(e.code).toBe('OPTION_FILE');
      expect(e.message).toBe(`${missing}: option file not found`);
    }
  });

  it('an unreadable explicit file is an error', () => {
    expect(() => loadOptionFiles({ home, defaultsFile: dir })).toThrow(`${dir}: option file is a directory`);
  });

  it('an empty file name is an error', () => {
    expect(() => loadOptionFiles({ home, defaultsExtraFile: '' })).toThrow('--defaults-extra-file: empty file name');
  });

  it('a file that is not UTF-8 is an error, not a mangled password', () => {
    const file = path.join(dir, 'latin1.cnf');
    fs.writeFileSync(file, Buffer.from('[client]\npassword=caf\xe9\n', 'latin1'));
    expect(() => loadOptionFiles({ home, defaultsFile: file })).toThrow(`${file}: option file is not valid UTF-8`);
  });

  it('a syntax error in ~/.my.cnf names the real path and line, not the value', () => {
    const cnf = write(path.join(home, '.my.cnf'), `[client]\r\nuser=a\r\npassword='${SECRET}\r\n`);
    try {
      loadOptionFiles({ home });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(OptionFileError);
      expect((err as Error).message).toBe(`${cnf}:3: unterminated quote`);
    }
  });

  it('reads a BOM-prefixed file', () => {
    const cnf = write(path.join(home, '.my.cnf'), '\uFEFF[client]\r\nuser=alice\r\n');
    expect(loadOptionFiles({ home })).toEqual({ user: 'alice', sources: [cnf] });
  });
});
