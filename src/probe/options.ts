import { ipVersion } from './address.js';
import type { Check, ProbeEvent } from './types.js';

export type SslMode = 'DISABLED' | 'PREFERRED' | 'REQUIRED' | 'VERIFY_CA' | 'VERIFY_IDENTITY';
export const SSL_MODES: readonly SslMode[] = ['DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'];

/** TLS material: PEM contents as a Buffer, or a path to a PEM file as a string. */
export type PemSource = string | Buffer;

export interface ProbeOptions {
  /** Host name or IP address; default 127.0.0.1. Ignored with `socketPath`. */
  host?: string;
  /** Default 3306. */
  port?: number;
  /** A unix socket path instead of TCP. */
  socketPath?: string;
  /** Default: the current OS user, as the mysql client does. */
  user?: string;
  password?: string;
  /** `galera` (default): the Galera verdict. `alive`: authenticate and ping, for plain MySQL servers. */
  check?: Check;
  /** Overall deadline in ms (default 2000). Every phase also ends by it. */
  timeout?: number;
  /** Per-phase limits in ms; each defaults to the overall deadline. */
  connectTimeout?: number;
  tlsTimeout?: number;
  greetingTimeout?: number;
  authTimeout?: number;
  queryTimeout?: number;
  /** Donor/Desynced (state 2) counts as healthy, unless the node rejects queries while donor. */
  availableWhenDonor?: boolean;
  /** read_only=ON counts as unhealthy. */
  requireWritable?: boolean;
  /**
   * The cluster's full size: a node whose Primary component holds fewer than a majority of
   * it is unhealthy (`minority component`). Opt-in: it also refuses the last node standing
   * after its peers shut down cleanly, which Galera itself keeps Primary.
   */
  expectSize?: number;
  /** A node whose `wsrep_local_recv_queue` exceeds this is unhealthy (`lagging`). */
  maxRecvQueue?: number;
  /** Aborting ends the probe at once with outcome `aborted`. */
  signal?: AbortSignal;
  /** Largest packet accepted from the server, in bytes (default 1 MiB). */
  maxPacketSize?: number;
  /** TLS, like the mysql client's --ssl-mode (default PREFERRED). */
  sslMode?: SslMode;
  sslCa?: PemSource;
  sslCert?: PemSource;
  sslKey?: PemSource;
  /** caching_sha2_password's RSA public key (PEM), instead of asking the server for it. */
  serverPublicKey?: PemSource;
  /**
   * Trust the server unverified with the password, as the mysql client's
   * --get-server-public-key: over plain TCP, ask the server for its RSA key
   * (caching_sha2_password's full authentication); over TLS that no CA verified (PREFERRED,
   * REQUIRED), send the password in clear when asked (caching_sha2_password's full
   * authentication, mysql_clear_password). Default false: such a login fails in auth
   * (`PASSWORD_WITHHELD`). Never in VERIFY_CA/VERIFY_IDENTITY before the server is verified.
   */
  getServerPublicKey?: boolean;
  /** Called at each phase boundary (tracing). */
  onEvent?: (event: ProbeEvent) => void;
}

export interface PhaseLimits {
  connect: number;
  tls: number;
  greeting: number;
  auth: number;
  query: number;
}

export interface NormalizedOptions {
  host: string;
  port: number;
  socketPath: string | undefined;
  target: string;
  user: string;
  password: string;
  check: Check;
  timeout: number;
  limits: PhaseLimits;
  availableWhenDonor: boolean;
  requireWritable: boolean;
  expectSize: number | undefined;
  maxRecvQueue: number | undefined;
  signal: AbortSignal | undefined;
  maxPacketSize: number;
  sslMode: SslMode;
  sslCa: PemSource | undefined;
  sslCert: PemSource | undefined;
  sslKey: PemSource | undefined;
  serverPublicKey: PemSource | undefined;
  getServerPublicKey: boolean;
  onEvent: ((event: ProbeEvent) => void) | undefined;
}

/** Longest deadline accepted: a health check that waits longer is not one. */
export const MAX_TIMEOUT_MS = 3_600_000;

function fail(name: string, problem: string): never {
  throw new TypeError(`galera-probe: option ${name} ${problem}`);
}

function duration(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
    fail(name, `must be a number of milliseconds in (0, ${MAX_TIMEOUT_MS}]`);
  }
  return value;
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(name, 'must be a string');
  return value;
}

function pem(name: string, value: unknown): PemSource | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.length > 0) return value;
  if (Buffer.isBuffer(value)) return value;
  return fail(name, 'must be a file path or a Buffer holding PEM data');
}

function count(name: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > 1_000_000) {
    fail(name, `must be an integer from ${min} to 1000000`);
  }
  return value;
}

function flag(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') fail(name, 'must be a boolean');
  return value;
}

/** `host:port` for display, with brackets around IPv6 addresses. */
export function formatTarget(host: string, port: number): string {
  return ipVersion(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Validates once, at the edge; the option's name is in every error. */
export function normalizeOptions(options: ProbeOptions, defaultUser: () => string): NormalizedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('galera-probe: options must be an object');
  const socketPath = optionalString('socketPath', options.socketPath);
  if (socketPath === '') fail('socketPath', 'must not be empty');
  const host = optionalString('host', options.host) ?? '127.0.0.1';
  if (host === '' || host.includes('/') || hasBlank(host)) fail('host', 'must be a host name or an IP address');
  const port = options.port ?? 3306;
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail('port', 'must be an integer from 1 to 65535');
  const check = options.check ?? 'galera';
  if (check !== 'galera' && check !== 'alive') fail('check', "must be 'galera' or 'alive'");
  const user = optionalString('user', options.user) ?? defaultUser();
  // UTF-8 takes at most 3 bytes a UTF-16 unit: up to 85 units, no need to count (nor to compile
  // Buffer.byteLength for it in every CLI check).
  if ((user.length > 85 && Buffer.byteLength(user) > 256) || user.includes('\0'))
    fail('user', 'must be at most 256 bytes, without NUL');
  const password = optionalString('password', options.password) ?? '';
  const timeout = duration('timeout', options.timeout, 2000);
  const sslMode = options.sslMode ?? 'PREFERRED';
  if (!SSL_MODES.includes(sslMode)) fail('sslMode', `must be one of ${SSL_MODES.join(', ')}`);
  const maxPacketSize = options.maxPacketSize ?? 1024 * 1024;
  if (!Number.isInteger(maxPacketSize) || maxPacketSize < 1024 || maxPacketSize > 1024 * 1024 * 1024) {
    fail('maxPacketSize', 'must be an integer number of bytes from 1024 to 1 GiB');
  }
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) fail('signal', 'must be an AbortSignal');
  const onEvent = options.onEvent;
  if (onEvent !== undefined && typeof onEvent !== 'function') fail('onEvent', 'must be a function');
  return {
    host,
    port,
    socketPath,
    target: socketPath ?? formatTarget(host, port),
    user,
    password,
    check,
    timeout,
    limits: {
      connect: duration('connectTimeout', options.connectTimeout, timeout),
      tls: duration('tlsTimeout', options.tlsTimeout, timeout),
      greeting: duration('greetingTimeout', options.greetingTimeout, timeout),
      auth: duration('authTimeout', options.authTimeout, timeout),
      query: duration('queryTimeout', options.queryTimeout, timeout),
    },
    availableWhenDonor: flag('availableWhenDonor', options.availableWhenDonor),
    requireWritable: flag('requireWritable', options.requireWritable),
    expectSize: count('expectSize', options.expectSize, 1),
    maxRecvQueue: count('maxRecvQueue', options.maxRecvQueue, 0),
    signal,
    maxPacketSize,
    sslMode,
    sslCa: pem('sslCa', options.sslCa),
    sslCert: pem('sslCert', options.sslCert),
    sslKey: pem('sslKey', options.sslKey),
    serverPublicKey: pem('serverPublicKey', options.serverPublicKey),
    getServerPublicKey: flag('getServerPublicKey', options.getServerPublicKey),
    onEvent,
  };
}

/**
 * Whether the text holds a blank as \s means it (trim() strips the same set), tested without a
 * regular expression: this runs on every check, and V8 compiles each one on first use.
 */
function hasBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charAt(i).trim() === '') return true;
  return false;
}
