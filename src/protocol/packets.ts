import { Header } from './constants.js';
import { ProtocolError, ServerError } from './errors.js';
import { PacketReader } from './reader.js';

export interface OkPacket {
  readonly affectedRows: number;
  readonly lastInsertId: number;
  readonly statusFlags: number;
  readonly warnings: number;
  /** The info string's bytes (length-encoded after the warnings), when there is a well-formed one. */
  readonly info?: Buffer;
}

export interface EofPacket {
  readonly warnings: number;
  readonly statusFlags: number;
}

export function isErrPacket(payload: Buffer): boolean {
  return payload.length > 0 && payload[0] === Header.ERR;
}

export function isOkPacket(payload: Buffer): boolean {
  return payload.length > 0 && payload[0] === Header.OK;
}

/**
 * EOF (or, under DEPRECATE_EOF, the OK that replaces it). A text row can also
 * start with 0xFE (a length-encoded string of 2^24 bytes or more), but such a
 * row cannot fit under the framer's cap, so in practice 0xFE here is a terminator;
 * the length test keeps that true even with a raised cap.
 */
export function isEofPacket(payload: Buffer): boolean {
  return payload.length > 0 && payload.length < 0xffffff && payload[0] === Header.EOF;
}

/** ERR: 0xFF | u16 error code | ['#' sqlstate[5]] | message. */
export function parseErr(payload: Buffer): ServerError {
  const r = new PacketReader(payload, 'ERR packet');
  r.u8('header');
  const errno = r.u16('error code');
  let sqlState: string | undefined;
  // The SQL state marker is absent in errors sent before the handshake completes.
  if (r.peek() === 0x23 /* '#' */ && r.remaining >= 6) {
    r.u8('sql state marker');
    sqlState = r.bytes(5, 'sql state').toString('latin1');
  }
  return new ServerError(errno, sqlState, r.rest().toString('utf8'));
}

/** OK: 0x00|0xFE | lenenc affected rows | lenenc last insert id | u16 status | u16 warnings | info. */
export function parseOk(payload: Buffer): OkPacket {
  const r = new PacketReader(payload, 'OK packet');
  r.u8('header');
  const affectedRows = r.lenencInt('affected rows');
  const lastInsertId = r.lenencInt('last insert id');
  // Status and warnings are present with PROTOCOL_41, which this client requires.
  const statusFlags = r.remaining >= 2 ? r.u16('status flags') : 0;
  const warnings = r.remaining >= 2 ? r.u16('warnings') : 0;
  // Info: a length-encoded string. Servers written by others may send anything here; a
  // malformed one is taken as no info (it only ever carries optional text, or MariaDB's proof).
  let info: Buffer | undefined;
  if (!r.atEnd()) {
    try {
      info = r.lenencBytes('info');
    } catch {
      info = undefined;
    }
  }
  return info === undefined
    ? { affectedRows, lastInsertId, statusFlags, warnings }
    : { affectedRows, lastInsertId, statusFlags, warnings, info };
}

/** EOF: 0xFE | u16 warnings | u16 status. */
export function parseEof(payload: Buffer): EofPacket {
  const r = new PacketReader(payload, 'EOF packet');
  r.u8('header');
  if (r.remaining < 4) return { warnings: 0, statusFlags: 0 };
  const warnings = r.u16('warnings');
  const statusFlags = r.u16('status flags');
  return { warnings, statusFlags };
}

/** Throws the ServerError an ERR packet carries, or a ProtocolError for anything but OK. */
export function expectOk(payload: Buffer, context: string): OkPacket {
  if (isErrPacket(payload)) throw parseErr(payload);
  if (!isOkPacket(payload)) {
    throw new ProtocolError(
      `expected OK after ${context}, got a packet starting with ${describeFirstByte(payload)}`,
      'UNEXPECTED_PACKET',
    );
  }
  return parseOk(payload);
}

export function describeFirstByte(payload: Buffer): string {
  const first = payload[0];
  return first === undefined ? 'nothing (empty packet)' : `0x${first.toString(16).padStart(2, '0')}`;
}
