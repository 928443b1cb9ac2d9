/**
 * Errors raised by the protocol layer. They know nothing of phases or targets:
 * the probe layer wraps them with that context.
 */

/** Bytes from the server that do not follow the protocol. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    message: string,
    /** Stable, machine-readable: `MALFORMED_PACKET`, `PACKET_TOO_LARGE`, `PACKET_OUT_OF_ORDER`, `UNSUPPORTED_PROTOCOL`, `UNEXPECTED_PACKET`. */
    readonly code: ProtocolErrorCode = 'MALFORMED_PACKET',
  ) {
    super(message);
  }
}

export type ProtocolErrorCode =
  'MALFORMED_PACKET' | 'PACKET_TOO_LARGE' | 'PACKET_OUT_OF_ORDER' | 'UNSUPPORTED_PROTOCOL' | 'UNEXPECTED_PACKET';

/** An ERR packet, as the server sent it. */
export class ServerError extends Error {
  override readonly name = 'ServerError';
  constructor(
    readonly errno: number,
    readonly sqlState: string | undefined,
    readonly serverMessage: string,
  ) {
    super(`server error ${errno}${sqlState === undefined ? '' : ` (${sqlState})`}: ${serverMessage}`);
  }
}

/** The server asked for an authentication this client cannot or will not perform. */
export class AuthUnsupportedError extends Error {
  override readonly name = 'AuthUnsupportedError';
  constructor(
    message: string,
    readonly plugin: string | undefined,
    /** Stable: `AUTH_UNSUPPORTED`, or `PASSWORD_WITHHELD` when the password would reach a server nobody verified. */
    readonly code: 'AUTH_UNSUPPORTED' | 'PASSWORD_WITHHELD' = 'AUTH_UNSUPPORTED',
  ) {
    super(message);
  }
}
