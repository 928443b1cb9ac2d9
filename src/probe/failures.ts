import { ConnectionClosedError } from '../protocol/channel.js';
import { AuthUnsupportedError, ProtocolError, ServerError } from '../protocol/errors.js';
import { printable } from '../protocol/text.js';
import type { Outcome, Phase, ProbeError } from './types.js';

/** A phase ran past its limit or the overall deadline. */
export class PhaseTimeoutError extends Error {
  override readonly name = 'PhaseTimeoutError';
  readonly code = 'TIMEOUT';
  constructor(
    readonly phase: Phase,
    readonly limitMs: number,
    /** True when the overall deadline, not the phase's own limit, ended it. */
    readonly overall: boolean,
  ) {
    super(`${phase} phase passed its ${overall ? 'overall ' : ''}limit of ${limitMs} ms`);
  }
}

export class AbortedError extends Error {
  override readonly name = 'AbortedError';
  readonly code = 'ABORTED';
  constructor() {
    super('the probe was aborted by its caller');
  }
}

/** TLS could not be set up as the ssl mode demands. */
export class TlsError extends Error {
  override readonly name = 'TlsError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** The server's proof after the login does not match the certificate this connection saw. */
export class CertificateMismatchError extends Error {
  override readonly name = 'CertificateMismatchError';
  readonly code = 'TLS_PROOF_MISMATCH';
  constructor() {
    super(
      "the server's proof after the login does not match the TLS certificate seen: something in between terminated TLS with its own certificate (a relay or a man in the middle)",
    );
  }
}

export interface Classified {
  outcome: Outcome;
  reason: string;
  error: ProbeError;
}

const TIMEOUT_REASONS: Record<Phase, string> = {
  connect: 'no connection was established',
  tls: 'the TLS handshake did not complete',
  greeting: 'connected, but the server sent no greeting',
  auth: 'the server did not finish authentication',
  query: 'the server did not answer the health query',
};

const SOCKET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection reset by the server',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
  EAI_FAIL: 'host name lookup failed',
  ENOENT: 'no such socket',
  ENOTSOCK: 'the path is not a socket',
  EACCES: 'permission denied',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  ETIMEDOUT: 'the connection timed out in the kernel',
};

/** Server errors that mean "these credentials will not get in". */
const ACCESS_DENIED_ERRNOS = new Set([
  1044, // ER_DBACCESS_DENIED_ERROR
  1045, // ER_ACCESS_DENIED_ERROR
  1251, // ER_NOT_SUPPORTED_AUTH_MODE
  1524, // ER_PLUGIN_IS_NOT_LOADED
  1698, // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
  1862, // ER_MUST_CHANGE_PASSWORD_LOGIN
  3118, // ER_ACCOUNT_HAS_BEEN_LOCKED (MySQL)
  4151, // ER_ACCOUNT_HAS_BEEN_LOCKED (MariaDB)
]);

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Maps whatever ended a probe to an outcome, a one-sentence reason and a stable error code. */
export function classify(err: unknown, phase: Phase): Classified {
  if (err instanceof PhaseTimeoutError) {
    const which = err.overall ? ' (overall deadline)' : '';
    return {
      outcome: 'timeout',
      reason: `${TIMEOUT_REASONS[err.phase]}${which}`,
      error: { code: 'TIMEOUT', message: err.message, limitMs: err.limitMs },
    };
  }
  if (err instanceof AbortedError) {
    return { outcome: 'aborted', reason: 'aborted by the caller', error: { code: 'ABORTED', message: err.message } };
  }
  if (err instanceof CertificateMismatchError) {
    return { outcome: 'certificate-mismatch', reason: err.message, error: { code: err.code, message: err.message } };
  }
  if (err instanceof ServerError) {
    const message = printable(err.serverMessage);
    const error: ProbeError = { code: 'SERVER_ERROR', message, errno: err.errno };
    if (err.sqlState !== undefined) error.sqlState = err.sqlState;
    if (phase === 'auth' && ACCESS_DENIED_ERRNOS.has(err.errno)) {
      return {
        outcome: 'access-denied',
        reason: `access denied: ${message}`,
        error: { ...error, code: 'ACCESS_DENIED' },
      };
    }
    return { outcome: 'server-error', reason: `server error ${err.errno}: ${message}`, error };
  }
  // A login the probe cannot perform, or TLS that failed: the message says it all.
  if (err instanceof AuthUnsupportedError || err instanceof TlsError) {
    const message = printable(err.message);
    const outcome = err instanceof TlsError ? 'protocol-error' : 'access-denied';
    return { outcome, reason: message, error: { code: err.code, message } };
  }
  if (err instanceof ProtocolError) {
    const message = printable(err.message);
    return { outcome: 'protocol-error', reason: `protocol error: ${message}`, error: { code: err.code, message } };
  }
  if (err instanceof ConnectionClosedError) {
    return {
      outcome: 'unreachable',
      reason: `${err.message} during ${phase}`,
      error: { code: err.code, message: err.message },
    };
  }
  const code = errorCode(err) ?? 'UNKNOWN';
  const message = printable(err instanceof Error ? err.message : String(err));
  if (phase === 'tls' && SOCKET_REASONS[code] === undefined) {
    // Anything node:tls raises that is not a socket error: verification or handshake failure.
    return { outcome: 'protocol-error', reason: `TLS failed: ${message}`, error: { code, message } };
  }
  const known = SOCKET_REASONS[code];
  if (known !== undefined) return { outcome: 'unreachable', reason: known, error: { code, message } };
  if (code === 'UNKNOWN') {
    return { outcome: 'protocol-error', reason: `internal error: ${message}`, error: { code, message } };
  }
  return { outcome: 'unreachable', reason: message, error: { code, message } };
}
