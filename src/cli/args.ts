import { readFileSync } from 'node:fs';
import { parseTarget as parseLibraryTarget, TargetError, type Target } from '../probe/target.js';
import { MAX_TIMEOUT_MS, SSL_MODES, type ProbeOptions, type SslMode } from '../probe/options.js';
import { parseDuration } from './duration.js';
import { loadOptionFiles, OptionFileError, parseFileBoolean } from './option-file.js';
import { readPemFiles } from './pem-files.js';
import { fileExposure, readableWarning, worldWritableReason } from '../util/file-mode.js';
import { AnswerFirst, UsageError } from './usage.js';
import { ParseError, parseArgv, type OptionSpecs } from './argv.js';

type OptionConfig = OptionSpecs;

/** The spec of an option that takes nothing more than its type: one object each, shared (specs are only read). */
const STRING = { type: 'string' } as const;
const BOOLEAN = { type: 'boolean' } as const;

/**
 * Options shared by `galera-probe <target>` and `galera-probe serve <target>`. One literal: built
 * with spreads of generated objects it took 11 KiB of the young generation at every start, and a
 * plain check ends close to the 819 KiB at which V8 schedules a scavenge (BENCHMARKS.md, section 14).
 */
export const PROBE_OPTIONS: OptionConfig = {
  user: { type: 'string', short: 'u' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
  password: STRING,
  'password-file': STRING,
  check: STRING,
  'expect-size': STRING,
  'max-recv-queue': STRING,
  timeout: STRING,
  'connect-timeout': STRING,
  'tls-timeout': STRING,
  'greeting-timeout': STRING,
  'auth-timeout': STRING,
  'query-timeout': STRING,
  'ssl-mode': STRING,
  'ssl-ca': STRING,
  'ssl-cert': STRING,
  'ssl-key': STRING,
  'server-public-key': STRING,
  'defaults-file': STRING,
  'defaults-extra-file': STRING,
  'available-when-donor': BOOLEAN,
  'require-writable': BOOLEAN,
  'get-server-public-key': BOOLEAN,
  'no-defaults': BOOLEAN,
};

export type Values = Record<string, string | boolean | undefined>;

export interface Environment {
  env: NodeJS.ProcessEnv;
  /** For warnings (never secrets). */
  warn: (line: string) => void;
  /** No target is fine (`serve` as an exporter only: each request names its target). */
  targetOptional?: boolean;
}

/** Parses argv (./argv.ts); unknown options and missing values are usage errors; help and version throw AnswerFirst. */
export function parse(argv: readonly string[], options: OptionSpecs): { values: Values; positionals: string[] } {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgv(argv, options) as typeof parsed;
  } catch (err) {
    if (err instanceof ParseError) throw new UsageError(err.message);
    throw err;
  }
  // Answered by main(), once every option on the line has been checked.
  if (parsed.values['help'] === true) throw new AnswerFirst('help');
  if (parsed.values['version'] === true) throw new AnswerFirst('version');
  return parsed;
}

function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

function duration(values: Values, name: string): number | undefined {
  const text = str(values, name);
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms > MAX_TIMEOUT_MS) {
    throw new UsageError(
      `--${name}: expected a duration such as 500ms, 2s or 3 (seconds), up to 1 hour; got ${JSON.stringify(text)}`,
    );
  }
  return ms;
}

export type { Target } from '../probe/target.js';

/** `host:port`, `host`, `[v6addr]:port`, `[v6addr]`, a bare IPv6 address, or a unix socket path. */
export function parseTarget(text: string): Target {
  try {
    return parseLibraryTarget(text);
  } catch (err) {
    if (err instanceof TargetError) throw new UsageError(err.message);
    throw err;
  }
}

/** The password of --password-file: a world-writable file is refused, one others may read warned about. */
function readPasswordFile(path: string, warn: (line: string) => void): string {
  const exposure = fileExposure(path);
  if (exposure === 'world-writable')
    throw new UsageError(`--password-file: ${worldWritableReason('password file', path)}`);
  if (exposure === 'readable') warn(readableWarning('--password-file', path));
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--password-file: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  // One line: the password, without its line ending.
  return text.replace(/\r?\n$/, '');
}

/**
 * Builds the library's options from the command line, the environment and
 * option files. Precedence, highest first: command line, --password-file,
 * option files, MYSQL_PWD (as the mysql client, which reads MYSQL_PWD only
 * when nothing else gave a password).
 */
export function probeOptionsFrom(values: Values, positionals: readonly string[], io: Environment): ProbeOptions {
  if (positionals.length > 1)
    throw new UsageError(`expected one target, got ${positionals.length}: ${positionals.join(' ')}`);
  const { options: o, files } = sharedProbeOptionsFrom(values, io);
  const targetText = positionals[0];
  if (targetText !== undefined) {
    Object.assign(o, parseTarget(targetText));
  } else if (files.socket !== undefined && files.host === undefined) {
    o.socketPath = files.socket;
  } else if (files.host !== undefined) {
    o.host = files.host;
  } else if (io.targetOptional !== true) {
    throw new UsageError('missing target: give host:port, host, [ipv6]:port or a socket path');
  }
  if (o.port === undefined && o.socketPath === undefined && files.port !== undefined) {
    const port = Number(files.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new UsageError(`option file: invalid port ${JSON.stringify(files.port)}`);
    o.port = port;
  }
  return o;
}

/** A whole number from `min` to 1,000,000, for options such as --expect-size. */
function count(values: Values, name: string, min: number): number | undefined {
  const text = str(values, name);
  if (text === undefined) return undefined;
  if (!/^\d{1,7}$/.test(text) || Number(text) < min || Number(text) > 1_000_000) {
    throw new UsageError(`--${name}: expected a whole number from ${min} to 1000000, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

type OptionFiles = ReturnType<typeof loadOptionFiles>;

/**
 * Every probe option but the target, and what the option files said (the target may come
 * from them). Shared by one-target commands and `cluster`, whose targets are all positional.
 */
export function sharedProbeOptionsFrom(values: Values, io: Environment): { options: ProbeOptions; files: OptionFiles } {
  const files = optionFilesFrom(values, io);
  const o: ProbeOptions = {};
  const user = str(values, 'user') ?? files.user;
  if (user !== undefined) o.user = user;
  const password = passwordFrom(values, files, io);
  if (password !== undefined) o.password = password;
  checkOptionsFrom(values, o);
  tlsOptionsFrom(values, files, o);
  return { options: o, files };
}

/** The option files that --defaults-file, --defaults-extra-file and --no-defaults name. */
function optionFilesFrom(values: Values, io: Environment): OptionFiles {
  try {
    return loadOptionFiles({
      ...(str(values, 'defaults-file') !== undefined ? { defaultsFile: str(values, 'defaults-file')! } : {}),
      ...(str(values, 'defaults-extra-file') !== undefined
        ? { defaultsExtraFile: str(values, 'defaults-extra-file')! }
        : {}),
      noDefaults: values['no-defaults'] === true,
      home: io.env['HOME'] ?? '',
      warn: io.warn,
    });
  } catch (err) {
    if (err instanceof OptionFileError) throw new UsageError(err.message);
    throw err;
  }
}

/** The password: --password (with a warning), --password-file, the option files, then MYSQL_PWD. */
function passwordFrom(values: Values, files: OptionFiles, io: Environment): string | undefined {
  const flagPassword = str(values, 'password');
  const passwordFile = str(values, 'password-file');
  if (flagPassword !== undefined) {
    io.warn(
      'warning: a password given with --password can be seen by other users; prefer MYSQL_PWD, --password-file or an option file',
    );
    return flagPassword;
  }
  if (passwordFile !== undefined) return readPasswordFile(passwordFile, io.warn);
  return files.password ?? io.env['MYSQL_PWD'];
}

/** The deadlines and what the check asks of the node. */
function checkOptionsFrom(values: Values, o: ProbeOptions): void {
  const timeouts = [
    ['timeout', 'timeout'],
    ['connect-timeout', 'connectTimeout'],
    ['tls-timeout', 'tlsTimeout'],
    ['greeting-timeout', 'greetingTimeout'],
    ['auth-timeout', 'authTimeout'],
    ['query-timeout', 'queryTimeout'],
  ] as const;
  for (const [flag, key] of timeouts) {
    const ms = duration(values, flag);
    if (ms !== undefined) o[key] = ms;
  }
  const check = str(values, 'check');
  if (check !== undefined) {
    if (check !== 'galera' && check !== 'alive')
      throw new UsageError(`--check: expected galera or alive, got ${JSON.stringify(check)}`);
    o.check = check;
  }
  if (values['available-when-donor'] === true) o.availableWhenDonor = true;
  if (values['require-writable'] === true) o.requireWritable = true;
  const expectSize = count(values, 'expect-size', 1);
  if (expectSize !== undefined) o.expectSize = expectSize;
  const maxRecvQueue = count(values, 'max-recv-queue', 0);
  if (maxRecvQueue !== undefined) o.maxRecvQueue = maxRecvQueue;
}

/** --ssl-mode, the PEM files and whether the server may be asked for its key. */
function tlsOptionsFrom(values: Values, files: OptionFiles, o: ProbeOptions): void {
  const sslMode = (str(values, 'ssl-mode') ?? files.sslMode)?.toUpperCase();
  if (sslMode !== undefined) {
    if (!SSL_MODES.includes(sslMode as SslMode))
      throw new UsageError(`--ssl-mode: expected one of ${SSL_MODES.join(', ')}, got ${JSON.stringify(sslMode)}`);
    o.sslMode = sslMode as SslMode;
  }
  const pemFiles = [
    ['ssl-ca', 'sslCa', files.sslCa],
    ['ssl-cert', 'sslCert', files.sslCert],
    ['ssl-key', 'sslKey', files.sslKey],
    ['server-public-key', 'serverPublicKey', files.serverPublicKey],
  ] as const;
  readPemFiles(
    o,
    pemFiles.map(([flag, key, fromFile]) => [`--${flag}`, key, str(values, flag) ?? fromFile] as const),
  );
  if ((o.sslCert === undefined) !== (o.sslKey === undefined))
    throw new UsageError('--ssl-cert and --ssl-key go together');
  if (values['get-server-public-key'] === true) {
    o.getServerPublicKey = true;
  } else if (files.getServerPublicKey !== undefined) {
    const on = parseFileBoolean(files.getServerPublicKey);
    if (on === undefined)
      throw new UsageError(
        `option file: get-server-public-key: expected nothing, 1, 0, ON, OFF, TRUE or FALSE, got ${JSON.stringify(files.getServerPublicKey)}`,
      );
    if (on) o.getServerPublicKey = true;
  }
}
