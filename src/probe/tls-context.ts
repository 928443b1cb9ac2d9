/**
 * What a probe's TLS handshake can share with the next one in the same process: the secure
 * context (built once per set of TLS options) and the server's last session (to resume
 * instead of a full handshake). Both caches are bounded and keyed so that nothing crosses
 * from a weaker ssl mode, another CA or another target into a stronger check.
 */
import { createHash } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { SslMode } from './options.js';

/** PEM material already read from its files (or given as buffers). */
export interface TlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** Distinct TLS option sets kept; a process probing with more drops the least recently used. */
export const MAX_CONTEXTS = 16;
/** Sessions kept, one per target and option set: enough for an exporter probing a fleet of thousands (a session is a few hundred bytes to 2 KiB). */
export const MAX_SESSIONS = 4096;

const contexts = new Map<string, SecureContext>();
/**
 * A session and the SHA-256 of the certificate the server showed when it was made: a resumed
 * TLS 1.3 handshake shows none (Node.js then reports an empty peer certificate), and MariaDB's
 * proof after the login is bound to it.
 */
interface SavedSession {
  session: Buffer;
  certificateSha256: Buffer | undefined;
}
const sessions = new Map<string, SavedSession>();

export const isVerifying = (mode: SslMode): boolean => mode === 'VERIFY_CA' || mode === 'VERIFY_IDENTITY';

/**
 * The secure context for these options, built on first use. PREFERRED and REQUIRED verify
 * nothing, so they get an empty CA list: without `ca`, Node.js loads and parses its whole
 * bundled root store (about 35 ms, once per process) for a check that is then ignored, and
 * they ignore `--ssl-ca` as the mysql client does. VERIFY_CA and VERIFY_IDENTITY trust only
 * `ca` when given, else Node's default store (its bundled roots and NODE_EXTRA_CA_CERTS).
 * Returns the context and a key naming what it was built from.
 */
export function secureContextFor(mode: SslMode, files: TlsFiles): { context: SecureContext; key: string } {
  const verify = isVerifying(mode);
  const ca = verify ? files.ca : undefined;
  // Content, not file names: a rotated certificate is a new context, the old one ages out.
  const key = [verify ? 'verify' : 'encrypt', digest(ca), digest(files.cert), digest(files.key)].join(':');
  let context = contexts.get(key);
  if (context) {
    touch(contexts, key, context);
    return { context, key };
  }
  context = createSecureContext({
    // An empty list still counts as given, so the bundled store is never loaded.
    ...(verify ? (ca ? { ca } : {}) : { ca: [] }),
    ...(files.cert ? { cert: files.cert } : {}),
    ...(files.key ? { key: files.key } : {}),
    minVersion: 'TLSv1.2',
  });
  remember(contexts, key, context, MAX_CONTEXTS);
  return { context, key };
}

/**
 * Names a session slot: the ssl mode (a session from VERIFY_CA must not skip VERIFY_IDENTITY's
 * name check, which Node.js does not repeat on a resumed session), the context (so another CA
 * never resumes a session verified with the first), where the probe connects, and the name
 * sent as SNI.
 */
export function sessionKey(
  mode: SslMode,
  contextKey: string,
  endpoint: string,
  servername: string | undefined,
): string {
  return [mode, contextKey, endpoint, servername ?? ''].join('|');
}

export function savedSession(key: string): Buffer | undefined {
  const saved = sessions.get(key);
  if (saved) touch(sessions, key, saved);
  return saved?.session;
}

/** The SHA-256 of the certificate the server showed when the slot's session was made. */
export function savedSessionCertificate(key: string): Buffer | undefined {
  return sessions.get(key)?.certificateSha256;
}

/**
 * Keeps a session to offer next time, with the digest of the certificate it was made with. Call
 * only once the handshake passed the mode's checks.
 */
export function saveSession(key: string, session: Buffer, certificateSha256?: Buffer): void {
  remember(sessions, key, { session, certificateSha256 }, MAX_SESSIONS);
}

/** Drops the slot's session, after a handshake that failed. */
export function forgetSession(key: string): void {
  sessions.delete(key);
}

/** For tests: forget every context and session. */
export function clearTlsCaches(): void {
  contexts.clear();
  sessions.clear();
}

/** For tests and benchmarks: how many of each are kept now. */
export function tlsCacheSizes(): { contexts: number; sessions: number } {
  return { contexts: contexts.size, sessions: sessions.size };
}

function digest(pem: Buffer | undefined): string {
  return pem ? createHash('sha256').update(pem).digest('base64') : '-';
}

/** Moves an entry to the most recently used end. */
function touch<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
}

function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  touch(map, key, value);
  while (map.size > max) map.delete(map.keys().next().value!);
}
