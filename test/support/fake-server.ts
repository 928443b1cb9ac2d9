/**
 * A scripted MySQL server on loopback for tests and the demo. Each accepted
 * connection runs the script; the server counts connections and knows when
 * the client's side closed, so tests can assert nothing was left open.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket, type TlsOptions } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { nativePasswordScramble } from '../../src/protocol/auth/native.js';
import { Capability, Command } from '../../src/protocol/constants.js';
import type { Packet } from '../../src/protocol/framer.js';
import { PacketReader } from '../../src/protocol/reader.js';
import { PacketWriter } from '../../src/protocol/writer.js';

export const SERVER_CAPS =
  Capability.LONG_PASSWORD |
  Capability.CONNECT_WITH_DB |
  Capability.PROTOCOL_41 |
  Capability.TRANSACTIONS |
  Capability.SECURE_CONNECTION |
  Capability.MULTI_STATEMENTS |
  Capability.MULTI_RESULTS |
  Capability.PLUGIN_AUTH |
  Capability.CONNECT_ATTRS |
  Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA |
  Capability.DEPRECATE_EOF;

export const NONCE = Buffer.from('46725c5e01260b743f7217657e671a5f51111815', 'hex');

export interface GreetingOptions {
  version?: string;
  capabilities?: number;
  plugin?: string;
  nonce?: Buffer;
  protocolVersion?: number;
}

export interface HandshakeResponse {
  capabilities: number;
  user: string;
  authResponse: Buffer;
  plugin: string;
  attrs: Map<string, string>;
  raw: Buffer;
  sequenceId: number;
}

export class FakeConnection {
  /** Bytes received and not yet taken as packets: parsed on demand, so what follows an SSLRequest stays raw. */
  #pending: Buffer = Buffer.alloc(0);
  #wake: (() => void) | undefined;
  #ended = false;
  /** Set when the client sent COM_QUIT. */
  quitReceived = false;
  readonly closed: Promise<void>;
  #socket: Socket;
  readonly #onData = (chunk: Buffer): void => {
    this.#pending = Buffer.concat([this.#pending, chunk]);
    this.#wake?.();
  };
  readonly #onEnd = (): void => {
    this.#ended = true;
    this.#wake?.();
  };

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', this.#onData);
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#onEnd();
        resolve();
      });
    });
    socket.once('end', this.#onEnd);
  }

  /** The current socket (the TLS one after `startTls`). */
  get socket(): Socket {
    return this.#socket;
  }

  /**
   * Reads the SSLRequest, then does the server side of the TLS handshake on the
   * same TCP connection. `handshake: false` reads the request and then stalls.
   */
  async startTls(options: TlsOptions, handshake = true): Promise<HandshakeResponse | undefined> {
    const request = await this.readHandshakeResponse();
    if (!request || !(request.capabilities & Capability.SSL) || !handshake) return request;
    const raw = this.#socket;
    raw.off('data', this.#onData);
    // The client's first TLS bytes may already be here: feed them, then the rest, to TLS.
    const leftover = this.#pending;
    this.#pending = Buffer.alloc(0);
    const secure = serverTlsOver(raw, leftover, options);
    secure.on('data', this.#onData);
    secure.once('end', this.#onEnd);
    this.#socket = secure;
    return request;
  }

  #takePacket(): Packet | undefined {
    if (this.#pending.length < 4) return undefined;
    const length = this.#pending.readUIntLE(0, 3);
    if (this.#pending.length < 4 + length) return undefined;
    const packet = { sequenceId: this.#pending.readUInt8(3), payload: this.#pending.subarray(4, 4 + length) };
    this.#pending = this.#pending.subarray(4 + length);
    return packet;
  }

  /** The next packet from the client, or undefined once it closed. */
  async readPacket(): Promise<Packet | undefined> {
    for (;;) {
      const p = this.#takePacket();
      if (p) return p;
      if (this.#ended) return undefined;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  send(payload: Buffer, sequenceId: number): void {
    this.write(new PacketWriter(payload.length + 4).bytes(payload).finish(sequenceId));
  }

  greeting(o: GreetingOptions = {}): Buffer {
    const nonce = o.nonce ?? NONCE;
    const caps = o.capabilities ?? SERVER_CAPS;
    const plugin = o.plugin ?? 'mysql_native_password';
    const w = new PacketWriter(128)
      .u8(o.protocolVersion ?? 10)
      .nulString(o.version ?? '10.11.18-MariaDB-fake')
      .u32(42)
      .bytes(nonce.subarray(0, 8))
      .u8(0)
      .u16(caps & 0xffff)
      .u8(45)
      .u16(0x0002)
      .u16((caps >>> 16) & 0xffff)
      .u8(nonce.length + 1)
      .zeros(10)
      .bytes(nonce.subarray(8))
      .u8(0)
      .nulString(plugin);
    this.write(w.finish(0));
    return nonce;
  }

  async readHandshakeResponse(): Promise<HandshakeResponse | undefined> {
    const p = await this.readPacket();
    if (!p) return undefined;
    const r = new PacketReader(p.payload, 'handshake response');
    const capabilities = r.u32();
    r.skip(4 + 1 + 23);
    if (r.atEnd()) {
      // An SSLRequest: capabilities only.
      return {
        capabilities,
        user: '',
        authResponse: Buffer.alloc(0),
        plugin: '',
        attrs: new Map(),
        raw: p.payload,
        sequenceId: p.sequenceId,
      };
    }
    const user = r.nulString();
    const authResponse = Buffer.from(
      capabilities & Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA ? r.lenencBytes() : r.bytes(r.u8()),
    );
    const plugin = capabilities & Capability.PLUGIN_AUTH ? r.nulString() : '';
    const attrs = new Map<string, string>();
    if (capabilities & Capability.CONNECT_ATTRS && !r.atEnd()) {
      const block = new PacketReader(r.lenencBytes());
      while (!block.atEnd()) attrs.set(block.lenencString(), block.lenencString());
    }
    return { capabilities, user, authResponse, plugin, attrs, raw: p.payload, sequenceId: p.sequenceId };
  }

  /** OK; `info` (length-encoded after the warnings) carries e.g. MariaDB 11.4+'s proof. */
  ok(sequenceId: number, header = 0x00, info?: Buffer): void {
    const w = new PacketWriter(96).u8(header).lenencInt(0).lenencInt(0).u16(0x0002).u16(0);
    if (info !== undefined) w.lenencBytes(info);
    this.send(w.finish(0).subarray(4), sequenceId);
  }

  err(sequenceId: number, errno: number, message: string, sqlState: string | undefined = 'HY000'): void {
    const w = new PacketWriter(64).u8(0xff).u16(errno);
    if (sqlState !== undefined) w.u8(0x23).bytes(Buffer.from(sqlState, 'latin1'));
    w.bytes(Buffer.from(message, 'utf8'));
    this.send(w.finish(0).subarray(4), sequenceId);
  }

  /** A text resultset starting at `sequenceId`; returns the next free id. */
  resultset(sequenceId: number, columns: string[], rows: (string | null)[][], deprecateEof: boolean): number {
    let seq = sequenceId;
    this.send(new PacketWriter(8).lenencInt(columns.length).finish(0).subarray(4), seq++);
    for (const name of columns) {
      const def = new PacketWriter(64)
        .lenencBytes('def')
        .lenencBytes('')
        .lenencBytes('')
        .lenencBytes('')
        .lenencBytes(name)
        .lenencBytes(name)
        .u8(0x0c)
        .u16(45)
        .u32(1024)
        .u8(253)
        .u16(0)
        .u8(0)
        .u16(0);
      this.send(def.finish(0).subarray(4), seq++);
    }
    if (!deprecateEof) this.send(Buffer.from([0xfe, 0, 0, 0x02, 0]), seq++);
    for (const row of rows) {
      const w = new PacketWriter(64);
      for (const v of row) {
        if (v === null) w.u8(0xfb);
        else w.lenencBytes(v);
      }
      this.send(w.finish(0).subarray(4), seq++);
    }
    if (deprecateEof) this.ok(seq++, 0xfe);
    else this.send(Buffer.from([0xfe, 0, 0, 0x02, 0]), seq++);
    return seq;
  }

  /** Writes `bytes` one at a time, `intervalMs` apart, until done or closed. */
  async trickle(bytes: Buffer, intervalMs: number): Promise<void> {
    for (let i = 0; i < bytes.length && !this.socket.destroyed && !this.#ended; i++) {
      this.write(bytes.subarray(i, i + 1));
      await sleep(intervalMs);
    }
  }

  /**
   * Answers commands until COM_QUIT or close. `onQuery` returns rows, an error, or nothing (silence).
   * The answer to the n-th command (from 0) starts at sequence id `replyId(n)`: 1, as MySQL and
   * MariaDB do, unless told otherwise (mysql2's server, for one, keeps counting across commands).
   */
  async serveCommands(
    onQuery: (sql: string) => QueryReply,
    deprecateEof: boolean,
    replyId: (command: number) => number = () => 1,
  ): Promise<void> {
    for (let n = 0; ; n++) {
      const p = await this.readPacket();
      if (!p) return;
      const command = p.payload[0];
      const seq = replyId(n);
      if (command === Command.QUIT) {
        this.quitReceived = true;
        this.socket.end();
        return;
      }
      if (command === Command.PING) {
        this.ok(seq);
        continue;
      }
      if (command === Command.QUERY) {
        const reply = onQuery(p.payload.subarray(1).toString('utf8'));
        if (reply === 'silence') continue;
        if ('errno' in reply) this.err(seq, reply.errno, reply.message);
        else this.resultset(seq, reply.columns ?? ['Variable_name', 'Value'], reply.rows, deprecateEof);
        continue;
      }
      this.err(seq, 1047, 'Unknown command');
    }
  }
}

export type QueryReply =
  { rows: (string | null)[][]; columns?: string[] } | { errno: number; message: string } | 'silence';

export interface FakeServer {
  readonly host: string;
  readonly port: number;
  /** `host:port` */
  readonly target: string;
  readonly connections: FakeConnection[];
  /** Resolves when every accepted connection has closed. */
  allClosed(): Promise<void>;
  close(): Promise<void>;
}

export type Script = (conn: FakeConnection) => Promise<void> | void;

/** Listens on `host` (an address, port chosen by the system) or, when it starts with `/`, on that unix socket path. */
export async function startFakeServer(script: Script, host = '127.0.0.1'): Promise<FakeServer> {
  const connections: FakeConnection[] = [];
  const server: Server = createServer((socket) => {
    // As real servers do: without it, small answers wait on delayed ACKs.
    if (!host.startsWith('/')) socket.setNoDelay(true);
    const conn = new FakeConnection(socket);
    connections.push(conn);
    Promise.resolve()
      .then(() => script(conn))
      .catch(() => socket.destroy());
  });
  if (host.startsWith('/')) server.listen(host);
  else server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  const port = address !== null && typeof address === 'object' ? address.port : 0;
  return {
    host,
    port,
    target: host.startsWith('/') ? host : host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
    connections,
    allClosed: async () => {
      await Promise.all(connections.map((c) => c.closed));
    },
    close: async () => {
      for (const c of connections) c.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface GaleraNodeState {
  status: Record<string, string>;
  variables: Record<string, string>;
  /**
   * Rows of mysql.wsrep_cluster_members (node_uuid, node_name, node_incoming_address), or the
   * error its SELECT gets. Default: 1047 on a non-Primary node, else 1146 (no table, Galera 3).
   */
  members?: string[][] | { errno: number; message: string };
}

export const SYNCED_NODE: GaleraNodeState = {
  status: {
    wsrep_cluster_status: 'Primary',
    wsrep_local_state: '4',
    wsrep_local_state_comment: 'Synced',
    wsrep_ready: 'ON',
    wsrep_connected: 'ON',
    wsrep_cluster_size: '3',
    wsrep_local_recv_queue: '0',
    wsrep_cluster_state_uuid: '21147112-e995-11f1-b33d-cfad17c45876',
    wsrep_cluster_conf_id: '3',
    wsrep_gcomm_uuid: '2113dfea-e995-11f1-9de2-2e7a7d87a665',
    wsrep_local_index: '0',
    wsrep_last_committed: '13',
    wsrep_incoming_addresses: '127.0.0.1:3311,127.0.0.1:3312,127.0.0.1:3313',
    wsrep_flow_control_paused_ns: '0',
    wsrep_flow_control_paused: '0',
    wsrep_local_send_queue: '0',
  },
  variables: {
    wsrep_on: 'ON',
    wsrep_desync: 'OFF',
    wsrep_reject_queries: 'NONE',
    wsrep_sst_donor_rejects_queries: 'OFF',
    read_only: 'OFF',
    wsrep_node_name: 'node1',
  },
  members: [
    ['2113dfea-e995-11f1-9de2-2e7a7d87a665', 'node1', '127.0.0.1:3311'],
    ['21551b49-e995-11f1-95e4-4f0684ef587c', 'node2', '127.0.0.1:3312'],
    ['24938c13-e995-11f1-bbe8-16d5ca5b74af', 'node3', '127.0.0.1:3313'],
  ],
};

export function withState(
  base: GaleraNodeState,
  status: Record<string, string>,
  variables: Record<string, string> = {},
): GaleraNodeState {
  return { status: { ...base.status, ...status }, variables: { ...base.variables, ...variables } };
}

export const NON_PRIMARY_NODE = withState(SYNCED_NODE, {
  wsrep_cluster_status: 'non-Primary',
  wsrep_local_state: '0',
  wsrep_local_state_comment: 'Initialized',
  wsrep_ready: 'OFF',
  wsrep_cluster_size: '1',
});

/** Answers SHOW GLOBAL STATUS / VARIABLES ... WHERE Variable_name IN (...) from a state. */
export function answerShow(state: GaleraNodeState, sql: string): QueryReply {
  if (/FROM mysql\.wsrep_cluster_members/i.test(sql)) {
    if (Array.isArray(state.members))
      return { columns: ['node_uuid', 'node_name', 'node_incoming_address'], rows: state.members };
    if (state.members) return state.members;
    if (state.status['wsrep_cluster_status'] !== 'Primary')
      return { errno: 1047, message: 'WSREP has not yet prepared node for application use' };
    return { errno: 1146, message: "Table 'mysql.wsrep_cluster_members' doesn't exist" };
  }
  const wanted = new Set([...sql.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]));
  const source = /SHOW GLOBAL STATUS/i.test(sql)
    ? state.status
    : /SHOW GLOBAL VARIABLES/i.test(sql)
      ? state.variables
      : undefined;
  if (!source) return { errno: 1064, message: 'You have an error in your SQL syntax' };
  return {
    rows: Object.entries(source)
      .filter(([name]) => wanted.has(name))
      .map(([n, v]) => [n, v]),
  };
}

export interface NodeScriptOptions {
  password?: string;
  deprecateEof?: boolean;
  version?: string;
  /** Offer TLS (SSL capability) with these server options. */
  tls?: TlsOptions;
  /** Greeting's auth plugin (default mysql_native_password). */
  plugin?: string;
  /**
   * Custom authentication after the handshake response: send what the plugin
   * needs and return the sequence id for the final OK, or undefined after
   * sending an ERR. Default: native password check when `password` is set.
   */
  authenticate?: (conn: FakeConnection, response: HandshakeResponse, nonce: Buffer) => Promise<number | undefined>;
  /** Sees the handshake response (for assertions). */
  onHandshake?: (response: HandshakeResponse, secure: boolean) => void;
  /** The sequence id the answer to the n-th command starts at (default 1). */
  replyId?: (command: number) => number;
  /**
   * Send MariaDB 11.4+'s proof in the OK after a TLS login, from this H (for native,
   * SHA1(SHA1(password))) and the certificate of `tls` (its `cert`, PEM).
   */
  proofHash?: Buffer | undefined;
}

/** `0x01` + hex of SHA-256(H ‖ scramble ‖ SHA-256(certificate DER)), as MariaDB 11.4+ sends it. */
export function serverProofInfo(hash: Buffer, scramble: Buffer, certificatePem: string | Buffer): Buffer {
  const der = new X509Certificate(certificatePem).raw;
  const digest = (...parts: Buffer[]): Buffer => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();
  return Buffer.concat([
    Buffer.from([0x01]),
    Buffer.from(digest(hash, scramble.subarray(0, 20), digest(der)).toString('hex').toUpperCase()),
  ]);
}

/** A well-behaved Galera node: greeting, (TLS,) auth, SHOW answers, COM_QUIT. */
export function galeraNode(state: GaleraNodeState, o: NodeScriptOptions = {}): Script {
  const deprecateEof = o.deprecateEof ?? true;
  return async (conn) => {
    let caps = deprecateEof ? SERVER_CAPS : SERVER_CAPS & ~Capability.DEPRECATE_EOF;
    if (o.tls) caps |= Capability.SSL;
    const nonce = conn.greeting({
      capabilities: caps,
      ...(o.version ? { version: o.version } : {}),
      ...(o.plugin ? { plugin: o.plugin } : {}),
    });
    let response = o.tls ? await conn.startTls(o.tls) : await conn.readHandshakeResponse();
    const secure = response !== undefined && (response.capabilities & Capability.SSL) !== 0;
    if (response && secure) response = await conn.readHandshakeResponse();
    if (!response) return;
    o.onHandshake?.(response, secure);
    let okSeq: number | undefined = response.sequenceId + 1;
    if (o.authenticate) {
      okSeq = await o.authenticate(conn, response, nonce);
    } else if (o.password !== undefined) {
      const expected = nativePasswordScramble(Buffer.from(o.password), nonce);
      if (!expected.equals(response.authResponse)) {
        conn.err(okSeq, 1045, `Access denied for user '${response.user}'@'localhost' (using password: YES)`, '28000');
        okSeq = undefined;
      }
    }
    if (okSeq === undefined) {
      conn.socket.end();
      return;
    }
    const proof =
      o.proofHash && secure && o.tls?.cert ? serverProofInfo(o.proofHash, nonce, o.tls.cert as Buffer) : undefined;
    conn.ok(okSeq, 0x00, proof);
    await conn.serveCommands((sql) => answerShow(state, sql), deprecateEof, o.replyId);
  };
}

/**
 * The server side of TLS over `raw`, a TCP connection that has already carried plain MySQL
 * packets, fed first with the bytes already read from it (the client's first TLS bytes may
 * have come with its SSLRequest). TLS errors are the test's to observe, never thrown.
 */
export function serverTlsOver(raw: Socket, leftover: Buffer, options: TlsOptions): TLSSocket {
  const carrier = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      raw.write(chunk, callback);
    },
    final(callback) {
      raw.end();
      callback();
    },
    destroy(err, callback) {
      raw.destroy();
      callback(err);
    },
  });
  if (leftover.length > 0) carrier.push(leftover);
  raw.on('data', (chunk: Buffer) => carrier.push(chunk));
  raw.once('end', () => carrier.push(null));
  raw.resume(); // a caller may have paused it while it read the SSLRequest
  const secure = new TLSSocket(carrier as unknown as Socket, { isServer: true, ...options });
  secure.on('error', () => {});
  return secure;
}
