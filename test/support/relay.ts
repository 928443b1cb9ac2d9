/**
 * A man in the middle for tests: a relay that terminates TLS with a certificate of its own.
 * It speaks the MySQL upgrade on both sides: it passes the server's greeting to the client,
 * takes the client's SSLRequest, sends one of its own upstream and makes its own TLS
 * connection there, then answers the client's TLS handshake with its own certificate and
 * relays the bytes in between, in clear to itself: it logs everything the client sent.
 * A client that sends no SSLRequest is relayed as plain TCP.
 */
import { once } from 'node:events';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect, TLSSocket, type TlsOptions } from 'node:tls';
import { Capability } from '../../src/protocol/constants.js';
import { serverTlsOver } from './fake-server.js';

export interface Relay {
  readonly host: string;
  readonly port: number;
  /** Every byte each client sent, after TLS was taken off. */
  readonly fromClients: Buffer[];
  /** Connections whose client asked for TLS. */
  tlsSessions: number;
  close(): Promise<void>;
}

/**
 * One packet's bytes (header included) from `socket`, plus whatever came after it. The socket
 * is left paused, so nothing arriving before the next reader attaches is lost.
 */
async function readPacket(socket: Socket): Promise<{ packet: Buffer; rest: Buffer }> {
  let buffered = Buffer.alloc(0);
  for (;;) {
    if (buffered.length >= 4) {
      const total = 4 + buffered.readUIntLE(0, 3);
      if (buffered.length >= total) return { packet: buffered.subarray(0, total), rest: buffered.subarray(total) };
    }
    socket.resume();
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    socket.pause();
    buffered = Buffer.concat([buffered, chunk]);
  }
}

/** The relay's own TLS server side over the client's connection (it ends when that closes). */
function serverTls(raw: Socket, leftover: Buffer, options: TlsOptions): TLSSocket {
  const secure = serverTlsOver(raw, leftover, options);
  raw.once('close', () => secure.destroy());
  return secure;
}

function pipeBoth(client: Duplex, server: Duplex, log: Buffer[]): void {
  client.on('data', (chunk: Buffer) => {
    log.push(Buffer.from(chunk));
    server.write(chunk);
  });
  server.on('data', (chunk: Buffer) => client.write(chunk));
  const end = (): void => {
    client.destroy();
    server.destroy();
  };
  for (const s of [client, server]) {
    s.on('error', end);
    s.on('close', end);
    s.resume();
  }
}

export async function startRelay(upstream: { host: string; port: number }, certificate: TlsOptions): Promise<Relay> {
  const sockets = new Set<Duplex>();
  const relay: Relay = {
    host: '127.0.0.1',
    port: 0,
    fromClients: [],
    tlsSessions: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const handle = async (client: Socket): Promise<void> => {
    sockets.add(client);
    client.on('error', () => {});
    const server = netConnect({ host: upstream.host, port: upstream.port });
    sockets.add(server);
    server.on('error', () => client.destroy());
    const greeting = await readPacket(server);
    client.write(greeting.packet);
    const first = await readPacket(client);
    relay.fromClients.push(Buffer.from(first.packet));
    const isSslRequest = first.packet.length === 4 + 32 && (first.packet.readUInt32LE(4) & Capability.SSL) !== 0;
    if (!isSslRequest) {
      server.write(first.packet);
      if (first.rest.length > 0) server.write(first.rest);
      pipeBoth(client, server, relay.fromClients);
      return;
    }
    relay.tlsSessions++;
    // Upstream: the same SSLRequest, then TLS as a client that checks nothing.
    server.write(first.packet);
    server.resume();
    const upstreamTls = tlsConnect({ socket: server, rejectUnauthorized: false });
    sockets.add(upstreamTls);
    upstreamTls.on('error', () => client.destroy());
    await once(upstreamTls, 'secureConnect');
    // Downstream: the relay's own certificate.
    const clientTls = serverTls(client, first.rest, certificate);
    sockets.add(clientTls);
    pipeBoth(clientTls, upstreamTls, relay.fromClients);
  };
  const server: Server = createServer((socket) => {
    handle(socket).catch(() => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  (relay as { port: number }).port = address !== null && typeof address === 'object' ? address.port : 0;
  return relay;
}
