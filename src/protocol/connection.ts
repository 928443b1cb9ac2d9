/**
 * The connection set-up and the few commands a prober needs, as straight-line
 * sequences over a PacketChannel. Deadlines are not handled here: the caller
 * interrupts a step by failing the channel.
 */
import { authPlugin, type AuthContext } from './auth/plugins.js';
import { parseServerProof } from './auth/proof.js';
import { Capability, Command, Header } from './constants.js';
import { AuthUnsupportedError, ProtocolError, ServerError } from './errors.js';
import type { PacketChannel } from './channel.js';
import { buildHandshakeResponse, clientCapabilities, type Greeting, parseGreeting } from './handshake.js';
import {
  describeFirstByte,
  expectOk,
  isEofPacket,
  isErrPacket,
  isOkPacket,
  parseEof,
  parseErr,
  parseOk,
} from './packets.js';
import { PacketReader } from './reader.js';
import { printable } from './text.js';
import { PacketWriter } from './writer.js';

/** Reads the first packet: a greeting, or an ERR (1040, 1129...) thrown as ServerError. */
export async function readGreeting(channel: PacketChannel): Promise<Greeting> {
  const { payload } = await channel.read();
  if (isErrPacket(payload)) throw parseErr(payload);
  return parseGreeting(payload);
}

export interface AuthOptions extends AuthContext {
  readonly user: string;
  /** Capabilities already sent in an SSLRequest, if TLS was negotiated. */
  readonly ssl: boolean;
  readonly connectAttrs: ReadonlyArray<readonly [string, string]>;
}

export interface Session {
  readonly capabilities: number;
  readonly authPlugin: string;
  /**
   * MariaDB 11.4+'s proof of the password hash bound to the certificate (32 bytes), from the
   * info of the OK that ended authentication; undefined when the server sent none.
   */
  readonly serverProof: Buffer | undefined;
  /**
   * H for checking `serverProof` (proof.ts), from the plugin that finished; undefined when it
   * has none. A function: computing it costs (ed25519's public key is a scalar multiplication),
   * and only a TLS connection no CA verified needs it.
   */
  readonly proofHash: () => Buffer | undefined;
}

/** Sends HandshakeResponse41 and follows the server through at most one auth switch. */
export async function authenticate(channel: PacketChannel, greeting: Greeting, options: AuthOptions): Promise<Session> {
  const capabilities = clientCapabilities(greeting.capabilities, { ssl: options.ssl, connectAttrs: true });
  // Start with the server's default plugin when we know it and it can start from the greeting's
  // nonce; otherwise native, and let the server switch.
  const announced = authPlugin(greeting.authPluginName);
  let plugin = announced && !announced.switchOnly ? announced : authPlugin('mysql_native_password')!;
  let nonce = greeting.nonce;
  channel.write(
    buildHandshakeResponse(
      {
        capabilities,
        user: options.user,
        authResponse: plugin.initial(nonce, options),
        authPluginName: plugin.name,
        connectAttrs: options.connectAttrs,
      },
      channel.takeSequenceId(),
    ),
  );
  let switched = false;
  for (;;) {
    const { payload } = await channel.read();
    const first = payload[0];
    if (first === Header.OK) {
      const ok = parseOk(payload);
      const finished = plugin;
      return {
        capabilities,
        authPlugin: plugin.name,
        serverProof: parseServerProof(ok.info),
        proofHash: () => finished.proofHash?.(options),
      };
    }
    if (first === Header.ERR) throw parseErr(payload);
    if (first === Header.EOF) {
      // Auth switch request: 0xFE | plugin name NUL | plugin data.
      if (switched) throw new ProtocolError('the server asked for a second authentication switch', 'UNEXPECTED_PACKET');
      switched = true;
      const r = new PacketReader(payload, 'auth switch request');
      r.u8('header');
      if (r.atEnd()) {
        throw new AuthUnsupportedError(
          'the server asked for the pre-4.1 password hashing (mysql_old_password)',
          'mysql_old_password',
        );
      }
      const name = r.nulString('plugin name');
      const data = r.rest();
      const next = authPlugin(name);
      if (!next)
        throw new AuthUnsupportedError(
          `the server asked for the unsupported authentication plugin ${printable(name)}`,
          name,
        );
      plugin = next;
      nonce =
        next.nonceLength !== undefined && data.length > next.nonceLength ? data.subarray(0, next.nonceLength) : data;
      channel.write(framed(plugin.initial(nonce, options), channel.takeSequenceId()));
      continue;
    }
    // Plugin data: 0x01 | data, or (for plugins that take it) the data bare, as MariaDB sends
    // anything that does not start with 0x00, 0x01, 0xFE or 0xFF.
    const more =
      first === Header.AUTH_MORE_DATA
        ? payload.subarray(1)
        : plugin.rawData && first !== undefined
          ? payload
          : undefined;
    if (more !== undefined) {
      if (!plugin.more) throw new ProtocolError(`unexpected extra auth data for ${plugin.name}`, 'UNEXPECTED_PACKET');
      const step = await plugin.more(more, nonce, options);
      if ('send' in step) channel.write(framed(step.send, channel.takeSequenceId()));
      continue;
    }
    throw new ProtocolError(
      `unexpected packet during authentication: ${describeFirstByte(payload)}`,
      'UNEXPECTED_PACKET',
    );
  }
}

function framed(data: Buffer, sequenceId: number): Buffer {
  return new PacketWriter(data.length + 8).bytes(data).finish(sequenceId);
}

export interface TextResult {
  readonly columns: string[];
  readonly rows: (string | null)[][];
}

export interface QueryLimits {
  readonly maxColumns: number;
  readonly maxRows: number;
}

const DEFAULT_LIMITS: QueryLimits = { maxColumns: 64, maxRows: 10_000 };

/** COM_QUERY with a text resultset (or an OK, returned as no columns and no rows). */
export async function query(
  channel: PacketChannel,
  session: Session,
  sql: string,
  limits: QueryLimits = DEFAULT_LIMITS,
): Promise<TextResult> {
  const [result] = await queries(channel, session, [sql], limits);
  return result!;
}

function queryFrame(channel: PacketChannel, sql: string): Buffer {
  channel.resetSequence();
  const text = Buffer.from(sql, 'utf8');
  return new PacketWriter(text.length + 8).u8(Command.QUERY).bytes(text).finish(channel.takeSequenceId());
}

/**
 * Several COM_QUERYs sent together, in one write, then their results read in order: the
 * server runs commands one after another from its input, so a pipeline saves a round trip and
 * a write per statement. Each answer's sequence ids start afresh (at 1 from most servers; see
 * PacketChannel for the ones that keep counting). The first error ends it.
 */
export async function queries(
  channel: PacketChannel,
  session: Session,
  sqls: readonly string[],
  limits: QueryLimits = DEFAULT_LIMITS,
): Promise<TextResult[]> {
  const settled = await settledQueries(channel, session, sqls, limits);
  for (const answer of settled) if (answer instanceof ServerError) throw answer;
  return settled as TextResult[];
}

/**
 * `queries`, except that an ERR answer to one statement takes that statement's place in the
 * array instead of being thrown: the server answers every command of the pipeline in turn,
 * so the answers after an ERR still follow in order. Protocol errors are thrown as ever.
 */
export async function settledQueries(
  channel: PacketChannel,
  session: Session,
  sqls: readonly string[],
  limits: QueryLimits = DEFAULT_LIMITS,
): Promise<(TextResult | ServerError)[]> {
  channel.write(Buffer.concat(sqls.map((sql) => queryFrame(channel, sql))));
  const answers: (TextResult | ServerError)[] = [];
  for (let i = 0; i < sqls.length; i++) {
    channel.expectReplyToCommand();
    try {
      answers.push(await readTextResult(channel, session, limits));
    } catch (err) {
      if (!(err instanceof ServerError)) throw err;
      answers.push(err);
    }
  }
  return answers;
}

async function readTextResult(channel: PacketChannel, session: Session, limits: QueryLimits): Promise<TextResult> {
  // What has already arrived is read without a promise; only an empty queue waits.
  const first = (channel.poll() ?? (await channel.read())).payload;
  if (isErrPacket(first)) throw parseErr(first);
  if (isOkPacket(first)) {
    parseOk(first);
    return { columns: [], rows: [] };
  }
  const columnCount = new PacketReader(first, 'column count').lenencInt('column count');
  if (columnCount === 0 || columnCount > limits.maxColumns) {
    throw new ProtocolError(`resultset with ${columnCount} columns (limit ${limits.maxColumns})`);
  }
  const columns: string[] = [];
  for (let i = 0; i < columnCount; i++)
    columns.push(parseColumnName((channel.poll() ?? (await channel.read())).payload));
  const deprecateEof = (session.capabilities & Capability.DEPRECATE_EOF) !== 0;
  if (!deprecateEof) {
    const eof = (channel.poll() ?? (await channel.read())).payload;
    if (!isEofPacket(eof))
      throw new ProtocolError(
        `expected EOF after column definitions, got ${describeFirstByte(eof)}`,
        'UNEXPECTED_PACKET',
      );
  }
  const fields = columns.map((_, i) => `column ${i + 1}`);
  const rows: (string | null)[][] = [];
  for (;;) {
    const payload = (channel.poll() ?? (await channel.read())).payload;
    if (isErrPacket(payload)) throw parseErr(payload);
    if (isEofPacket(payload)) {
      // Under DEPRECATE_EOF the terminator is an OK packet with an 0xFE header.
      if (deprecateEof) parseOk(payload);
      else parseEof(payload);
      return { columns, rows };
    }
    if (rows.length >= limits.maxRows) throw new ProtocolError(`resultset of more than ${limits.maxRows} rows`);
    const r = new PacketReader(payload, 'row');
    const row: (string | null)[] = [];
    for (let i = 0; i < columnCount; i++) row.push(r.lenencStringOrNull(fields[i]));
    if (!r.atEnd()) throw new ProtocolError(`malformed row: ${r.remaining} byte(s) after the last column`);
    rows.push(row);
  }
}

/** Column definition 41: catalog, schema, table, org_table, name, ... (all lenenc). */
function parseColumnName(payload: Buffer): string {
  if (isErrPacket(payload)) throw parseErr(payload);
  const r = new PacketReader(payload, 'column definition');
  r.skipLenenc('catalog');
  r.skipLenenc('schema');
  r.skipLenenc('table');
  r.skipLenenc('original table');
  return r.lenencString('column name');
}

/** COM_PING: the server answers OK. */
export async function ping(channel: PacketChannel): Promise<void> {
  channel.resetSequence();
  channel.write(new PacketWriter(8).u8(Command.PING).finish(channel.takeSequenceId()));
  channel.expectReplyToCommand();
  expectOk((await channel.read()).payload, 'COM_PING');
}

/** COM_QUIT: no answer; the server closes its side. */
export function quitPacket(): Buffer {
  return new PacketWriter(8).u8(Command.QUIT).finish(0);
}
