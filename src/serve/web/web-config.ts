/**
 * `--web-config FILE`: exporter-toolkit's web configuration (the file operators already give
 * node_exporter with `--web.config.file`), read with the YAML subset of yaml.ts:
 *
 *     tls_server_config:
 *       cert_file: server.pem          # relative paths: from the file's own directory
 *       key_file: server-key.pem
 *       client_ca_file: ca.pem         # with client_auth_type RequireAndVerifyClientCert ...
 *       client_auth_type: RequireAndVerifyClientCert
 *       min_version: TLS12
 *     basic_auth_users:
 *       prometheus: $2y$10$...         # bcrypt
 *
 * What it protects is decided by `webGuard` (basic-auth.ts): the paths its caller names, or all.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileExposure, readableWarning, worldWritableReason } from '../../util/file-mode.js';
import { readTextFile } from '../../util/text-file.js';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import { dirname, resolve } from 'node:path';
import type { SecureVersion, TLSSocket } from 'node:tls';
import { MAX_COST, parseBcryptHash, type BcryptHash } from './bcrypt.js';
import { parseYaml, YamlError, type YamlMap, type YamlValue } from './yaml.js';

export class WebConfigError extends Error {
  override readonly name = 'WebConfigError';
}

export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

const TLS_VERSIONS: Readonly<Record<string, SecureVersion>> = {
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
};

export interface TlsSettings {
  certFile: string;
  keyFile: string;
  clientCaFile?: string;
  clientAuthType: ClientAuthType;
  minVersion: SecureVersion;
  maxVersion?: SecureVersion;
  /** Where each setting was written (for errors found when the PEM files are read). */
  lines: { cert: number; key: number; ca?: number };
}

export interface WebConfig {
  file: string;
  /** Said once at start-up: the file's permissions, users of different bcrypt costs. */
  warnings: string[];
  tls?: TlsSettings;
  /** User name → bcrypt hash. Empty: no basic auth. */
  users: Map<string, BcryptHash>;
}

const MAX_FILE_BYTES = 1024 * 1024;

/** What the sections' readers share: the file's directory, and errors that name a line. */
interface Reading {
  base: string;
  at: (line: number, why: string) => never;
  str: (value: YamlValue, line: number, key: string) => string;
}

/** `tls_server_config:` (a mapping) at `line`. */
function tlsSection(map: YamlMap, line: number, { base, at, str }: Reading): TlsSettings {
  const tls: Partial<TlsSettings> & {
    clientAuthType: ClientAuthType;
    minVersion: SecureVersion;
    lines: TlsSettings['lines'];
  } = { clientAuthType: 'NoClientCert', minVersion: 'TLSv1.2', lines: { cert: line, key: line } };
  let authLine = line;
  let maxLine = line;
  for (const [k, e] of map.entries) {
    const v = str(e.value, e.line, k);
    if (k === 'cert_file') {
      tls.certFile = resolve(base, v);
      tls.lines.cert = e.line;
    } else if (k === 'key_file') {
      tls.keyFile = resolve(base, v);
      tls.lines.key = e.line;
    } else if (k === 'client_ca_file') {
      tls.clientCaFile = resolve(base, v);
      tls.lines.ca = e.line;
    } else if (k === 'client_auth_type') {
      if (!(CLIENT_AUTH_TYPES as readonly string[]).includes(v))
        at(e.line, `client_auth_type: expected one of ${CLIENT_AUTH_TYPES.join(', ')}`);
      tls.clientAuthType = v as ClientAuthType;
      authLine = e.line;
    } else if (k === 'min_version' || k === 'max_version') {
      const version = TLS_VERSIONS[v];
      if (!version) at(e.line, `${k}: expected TLS10, TLS11, TLS12 or TLS13`);
      if (k === 'min_version') tls.minVersion = version!;
      else {
        tls.maxVersion = version!;
        maxLine = e.line;
      }
    } else {
      at(
        e.line,
        `tls_server_config: ${k} is not supported by galera-probe (supported: cert_file, key_file, client_ca_file, client_auth_type, min_version, max_version)`,
      );
    }
  }
  if (tls.certFile === undefined || tls.keyFile === undefined)
    at(line, 'tls_server_config: cert_file and key_file are both required');
  const verifies =
    tls.clientAuthType === 'VerifyClientCertIfGiven' || tls.clientAuthType === 'RequireAndVerifyClientCert';
  if (verifies && tls.clientCaFile === undefined)
    at(authLine, `client_auth_type ${tls.clientAuthType} needs client_ca_file`);
  if (!verifies && tls.clientCaFile !== undefined && tls.clientAuthType === 'NoClientCert')
    at(authLine, 'client_ca_file is set but client_auth_type asks for no client certificate');
  // TLSv1 < TLSv1.1 < TLSv1.2 < TLSv1.3 as text, too.
  if (tls.maxVersion !== undefined && tls.maxVersion < tls.minVersion)
    at(maxLine, 'max_version is below min_version: no handshake could succeed');
  return tls as TlsSettings;
}

/** `basic_auth_users:` (a mapping of user: bcrypt hash) into `users`. */
function usersSection(map: YamlMap, users: Map<string, BcryptHash>, { at }: Reading): void {
  for (const [user, e] of map.entries) {
    const hash = parseBcryptHash(typeof e.value === 'string' ? e.value : '');
    if (!hash)
      at(
        e.line,
        `basic_auth_users: the hash of a user is not a bcrypt hash ($2a$, $2b$ or $2y$, cost 4 to ${MAX_COST})`,
      );
    if (user.includes(':')) at(e.line, 'basic_auth_users: a user name cannot contain ":"');
    users.set(user, hash!);
  }
}

export function parseWebConfig(text: string, file: string): WebConfig {
  let doc: YamlMap;
  try {
    doc = parseYaml(text, file);
  } catch (err) {
    if (err instanceof YamlError) throw new WebConfigError(err.message);
    throw err;
  }
  const at = (line: number, why: string): never => {
    throw new WebConfigError(`${file}:${line}: ${why}`);
  };
  const base = dirname(resolve(file));
  const config: WebConfig = { file, warnings: [], users: new Map() };
  const str = (value: YamlValue, line: number, key: string): string =>
    typeof value === 'string' && value !== '' ? value : at(line, `${key}: expected a value`);
  const reading: Reading = { base, at, str };

  for (const [key, { value, line }] of doc.entries) {
    if (key === 'tls_server_config') {
      if (value === null) continue;
      if (typeof value === 'string') at(line, 'tls_server_config: expected a mapping');
      config.tls = tlsSection(value as YamlMap, line, reading);
    } else if (key === 'basic_auth_users') {
      if (value === null) continue;
      if (typeof value === 'string') at(line, 'basic_auth_users: expected a mapping of user: bcrypt hash');
      usersSection(value as YamlMap, config.users, reading);
    } else {
      at(line, `${key} is not supported by galera-probe (supported: tls_server_config, basic_auth_users)`);
    }
  }
  if (!config.tls && config.users.size === 0)
    at(1, 'neither tls_server_config nor basic_auth_users is set: this file would change nothing');
  const costs = new Set([...config.users.values()].map((h) => h.cost));
  if (costs.size > 1) {
    config.warnings.push(
      `warning: ${file}: basic_auth_users have different bcrypt costs (${[...costs].sort((a, b) => a - b).join(', ')}): a user of a lower cost is answered sooner, which tells that it exists; give every user the same cost`,
    );
  }
  return config;
}

/** Reads and parses the file; a world-writable one is refused, one readable by others (with users) warned about. */
export function loadWebConfig(file: string): WebConfig {
  const exposure = fileExposure(file);
  if (exposure === 'world-writable') throw new WebConfigError(worldWritableReason('web config', file));
  const config = parseWebConfig(
    readTextFile(file, MAX_FILE_BYTES, (e) => new WebConfigError(e.message)),
    file,
  );
  if (exposure === 'readable' && config.users.size > 0) config.warnings.unshift(readableWarning('web config', file));
  return config;
}

/** node:https options for the TLS settings; reads and checks the PEM files (errors name `file` and the line). */
export function httpsOptions(tls: TlsSettings, file: string): HttpsServerOptions {
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new WebConfigError(`${what} ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  const requestCert = tls.clientAuthType !== 'NoClientCert';
  const cert = read(tls.certFile, 'cert_file');
  const key = read(tls.keyFile, 'key_file');
  const ca = tls.clientCaFile !== undefined ? read(tls.clientCaFile, 'client_ca_file') : undefined;
  // Checked now, so that a mistake is a usage error naming the line, not a stack trace from node:tls.
  const at = (line: number, why: string): never => {
    throw new WebConfigError(`${file}:${line}: ${why}`);
  };
  let certificate: X509Certificate | undefined;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    at(tls.lines.cert, `cert_file ${tls.certFile}: not a PEM certificate`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    at(tls.lines.key, `key_file ${tls.keyFile}: not a PEM private key (or one protected by a passphrase)`);
  }
  if (!certificate!.checkPrivateKey(privateKey!))
    at(tls.lines.key, `key_file ${tls.keyFile} does not match the certificate of cert_file ${tls.certFile}`);
  if (ca !== undefined) {
    try {
      new X509Certificate(ca);
    } catch {
      at(tls.lines.ca ?? 1, `client_ca_file ${tls.clientCaFile}: not a PEM certificate`);
    }
  }
  return {
    cert,
    key,
    ...(ca !== undefined ? { ca } : {}),
    requestCert,
    // Only RequireAndVerifyClientCert lets the handshake itself refuse; the other policies
    // are checked once the handshake is done (clientCertificateCheck).
    rejectUnauthorized: tls.clientAuthType === 'RequireAndVerifyClientCert',
    minVersion: tls.minVersion,
    ...(tls.maxVersion !== undefined ? { maxVersion: tls.maxVersion } : {}),
  };
}

/**
 * The client certificate policies node:tls cannot enforce in the handshake, applied to each
 * new TLS connection: RequireAnyClientCert (some certificate, verified or not) and
 * VerifyClientCertIfGiven (none, or one that verifies). Returns whether the socket may stay.
 */
export function clientCertificateAllowed(type: ClientAuthType, socket: TLSSocket): boolean {
  if (type !== 'RequireAnyClientCert' && type !== 'VerifyClientCertIfGiven') return true;
  const cert = socket.getPeerCertificate();
  const given = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
  if (type === 'RequireAnyClientCert') return given;
  return !given || socket.authorized;
}
