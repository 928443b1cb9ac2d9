import { Capability, CHARSET_UTF8MB4, CLIENT_MAX_PACKET } from './constants.js';
import { ProtocolError } from './errors.js';
import { PacketReader } from './reader.js';
import { PacketWriter } from './writer.js';

/** What the client needs from HandshakeV10. */
export interface Greeting {
  readonly protocolVersion: number;
  readonly serverVersion: string;
  readonly connectionId: number;
  /** Scramble part 1 and part 2 joined: normally 20 bytes. */
  readonly nonce: Buffer;
  readonly capabilities: number;
  readonly charset: number;
  readonly statusFlags: number;
  /** Empty when the server did not name one (no PLUGIN_AUTH). */
  readonly authPluginName: string;
  readonly isMariaDb: boolean;
}

const MAX_VERSION_LENGTH = 256;

/**
 * HandshakeV10:
 *   u8 protocol (10) | version NUL | u32 connection id | scramble part 1 [8] | u8 filler |
 *   u16 caps low | u8 charset | u16 status | u16 caps high | u8 auth data length |
 *   reserved [10] | scramble part 2 [max(13, len - 8)] | auth plugin name NUL
 */
export function parseGreeting(payload: Buffer): Greeting {
  const r = new PacketReader(payload, 'greeting');
  const protocolVersion = r.u8('protocol version');
  if (protocolVersion !== 10) {
    throw new ProtocolError(
      `unsupported protocol version ${protocolVersion} in the greeting (only 10 is spoken)`,
      'UNSUPPORTED_PROTOCOL',
    );
  }
  const versionBytes = r.nulBytes('server version');
  if (versionBytes.length > MAX_VERSION_LENGTH) {
    throw new ProtocolError(`malformed greeting: server version of ${versionBytes.length} bytes`);
  }
  const serverVersion = versionBytes.toString();
  const connectionId = r.u32('connection id');
  const part1 = r.bytes(8, 'scramble part 1');
  r.skip(1, 'filler');
  let capabilities = r.u16('capability flags (low)');
  let charset = 0;
  let statusFlags = 0;
  let authDataLength = 0;
  let part2: Buffer = Buffer.alloc(0);
  let authPluginName = '';
  if (!r.atEnd()) {
    charset = r.u8('character set');
    statusFlags = r.u16('status flags');
    capabilities |= r.u16('capability flags (high)') << 16;
    capabilities >>>= 0;
    authDataLength = r.u8('auth data length');
    // 6 reserved bytes, then 4 that MariaDB uses for its extended capabilities.
    r.skip(10, 'reserved');
    if (capabilities & Capability.SECURE_CONNECTION) {
      const wanted = Math.max(13, authDataLength - 8);
      part2 = r.bytes(Math.min(wanted, r.remaining), 'scramble part 2');
      // Part 2 ends with a NUL that is not part of the nonce.
      if (part2.length > 0 && part2[part2.length - 1] === 0) part2 = part2.subarray(0, part2.length - 1);
    }
    if (capabilities & Capability.PLUGIN_AUTH && !r.atEnd()) {
      // Some servers omit the final NUL: take the rest then.
      const rest = r.rest();
      const nul = rest.indexOf(0);
      // UTF-8 (the default: no encoding looked up by name). Plugin names are ASCII; a byte outside
      // it decodes to U+FFFD, and such a name matches no plugin either way.
      authPluginName = (nul < 0 ? rest : rest.subarray(0, nul)).toString();
    }
  }
  if (!(capabilities & Capability.PROTOCOL_41) || !(capabilities & Capability.SECURE_CONNECTION)) {
    throw new ProtocolError(
      'the server does not speak protocol 4.1 with secure authentication',
      'UNSUPPORTED_PROTOCOL',
    );
  }
  const nonce = Buffer.concat([part1, part2]);
  if (nonce.length < 20) {
    throw new ProtocolError(`malformed greeting: scramble of ${nonce.length} bytes, expected 20`);
  }
  return {
    protocolVersion,
    serverVersion,
    connectionId,
    nonce: nonce.subarray(0, 20),
    capabilities,
    charset,
    statusFlags,
    authPluginName,
    isMariaDb: serverVersion.toLowerCase().includes('mariadb'),
  };
}

/** The capabilities this client asks for, given what the server offers. */
export function clientCapabilities(server: number, options: { ssl: boolean; connectAttrs: boolean }): number {
  let caps =
    Capability.LONG_PASSWORD |
    Capability.PROTOCOL_41 |
    Capability.TRANSACTIONS |
    Capability.SECURE_CONNECTION |
    Capability.PLUGIN_AUTH |
    Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA;
  if (server & Capability.DEPRECATE_EOF) caps |= Capability.DEPRECATE_EOF;
  if (options.connectAttrs && server & Capability.CONNECT_ATTRS) caps |= Capability.CONNECT_ATTRS;
  if (options.ssl) caps |= Capability.SSL;
  // Only what both sides support counts; PROTOCOL_41 and SECURE_CONNECTION were checked in parseGreeting.
  return (caps & (server | Capability.LONG_PASSWORD)) >>> 0;
}

/** SSLRequest: u32 caps | u32 max packet | u8 charset | 23 × 0. */
export function buildSslRequest(capabilities: number, sequenceId: number): Buffer {
  return new PacketWriter(36).u32(capabilities).u32(CLIENT_MAX_PACKET).u8(CHARSET_UTF8MB4).zeros(23).finish(sequenceId);
}

export interface HandshakeResponse {
  capabilities: number;
  user: string;
  authResponse: Buffer;
  authPluginName: string;
  connectAttrs?: ReadonlyArray<readonly [string, string]>;
}

/**
 * HandshakeResponse41:
 *   u32 caps | u32 max packet | u8 charset | 23 × 0 | user NUL | auth response |
 *   plugin name NUL (PLUGIN_AUTH) | lenenc attributes (CONNECT_ATTRS)
 */
export function buildHandshakeResponse(response: HandshakeResponse, sequenceId: number): Buffer {
  const caps = response.capabilities;
  const w = new PacketWriter(256);
  w.u32(caps).u32(CLIENT_MAX_PACKET).u8(CHARSET_UTF8MB4).zeros(23);
  w.nulString(response.user);
  if (caps & Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA) {
    w.lenencBytes(response.authResponse);
  } else {
    w.u8(response.authResponse.length).bytes(response.authResponse);
  }
  if (caps & Capability.PLUGIN_AUTH) w.nulString(response.authPluginName);
  if (caps & Capability.CONNECT_ATTRS) {
    const encoded = encodedAttrs(response.connectAttrs ?? []);
    w.lenencInt(encoded.length).bytes(encoded);
  }
  return w.finish(sequenceId);
}

/** Encodings of frozen attribute lists (a prober sends the same one every time). */
const frozenAttrs = new WeakMap<ReadonlyArray<readonly [string, string]>, Buffer>();

function encodedAttrs(list: ReadonlyArray<readonly [string, string]>): Buffer {
  const cached = frozenAttrs.get(list);
  if (cached) return cached;
  const attrs = new PacketWriter(128);
  for (const [key, value] of list) attrs.lenencBytes(key).lenencBytes(value);
  const encoded = attrs.finish(0).subarray(4);
  // Only a list that cannot change (nor its pairs) may be answered from the cache.
  if (Object.isFrozen(list) && list.every((pair) => Object.isFrozen(pair))) frozenAttrs.set(list, encoded);
  return encoded;
}
