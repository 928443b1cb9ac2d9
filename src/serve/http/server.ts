/**
 * The `node:http` (or `node:https`) server every serve path runs on: routes by path, GET and
 * HEAD only, a guard before any route, bounded header and request times, and a bounded
 * shutdown. It knows no path of its own; the features hand it their routes.
 */
import type { Socket } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import { type Guard, type Route, type RouteAnswer, TEXT_TYPE, textAnswer } from './route.js';

export interface HttpServerOptions {
  /** Time a client has to send its request headers (ms). */
  headersTimeoutMs?: number;
  /** Time a client has to send its whole request (ms). */
  requestTimeoutMs?: number;
  /** Idle time before a keep-alive connection is closed (ms). */
  keepAliveTimeoutMs?: number;
  /** Largest request header block accepted (bytes). */
  maxHeaderSize?: number;
  /** Connections open at once, in all (default 1,024) and from one client address (default 256; IPv6: per /64). */
  maxConnections?: number;
  maxConnectionsPerClient?: number;
  /** The paths served; any other path is 404. */
  routes?: Readonly<Record<string, Route>>;
  /** Decides before any route runs: a refusal (401, 403, 429) or undefined to go on. */
  guard?: Guard | undefined;
  /** Serve HTTPS with these TLS options. */
  tls?: HttpsServerOptions | undefined;
  /** Told the status of every answer sent (for the HTTP answers counter). */
  onAnswer?: (status: number) => void;
}

/** The server, before it listens. */
export function createHttpServer(options: HttpServerOptions = {}): Server {
  const httpOptions = {
    maxHeaderSize: options.maxHeaderSize ?? 8192,
    headersTimeout: options.headersTimeoutMs ?? 2000,
    requestTimeout: options.requestTimeoutMs ?? 5000,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 5000,
    // How often node:http looks for clients past those timeouts (its default is 30 s).
    connectionsCheckingInterval: Math.min(500, options.headersTimeoutMs ?? 2000),
  };
  // An https.Server has every method of an http.Server that is used here. The TLS handshake
  // counts towards the time for the headers: a client that never sends a ClientHello is cut
  // then too (node:tls would wait 120 s).
  const server = options.tls
    ? (createHttpsServer({
        handshakeTimeout: httpOptions.headersTimeout,
        ...options.tls,
        ...httpOptions,
      }) as unknown as Server)
    : createServer(httpOptions);
  limitConnections(server, options.maxConnections ?? 1024, options.maxConnectionsPerClient ?? 256);
  const routes = options.routes ?? {};
  const send = (req: IncomingMessage, res: ServerResponse, a: RouteAnswer): void => {
    options.onAnswer?.(a.status);
    const bytes = Buffer.from(a.body, 'utf8');
    res.writeHead(a.status, {
      'Content-Type': a.contentType,
      'Content-Length': String(bytes.length),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      // Shutting down (close() was called): no more requests on this connection.
      ...(server.listening ? {} : { Connection: 'close' }),
      ...a.headers,
    });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!route) return send(req, res, textAnswer(404, 'not found'));
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(req, res, textAnswer(405, 'method not allowed', { Allow: 'GET, HEAD' }));
    const query = q < 0 ? '' : url.slice(q + 1);
    const refused = options.guard?.(req, path);
    if (refused instanceof Promise) {
      refused.then(
        (r) => (r ? send(req, res, r) : answer(req, res, route, query)),
        () => send(req, res, { status: 500, contentType: TEXT_TYPE, body: 'internal error\n' }),
      );
      return;
    }
    if (refused) return send(req, res, refused);
    answer(req, res, route, query);
  });
  const answer = (req: IncomingMessage, res: ServerResponse, route: Route, query: string): void => {
    Promise.resolve()
      .then(() => route(req, query))
      .then(
        (a) => send(req, res, a),
        () => send(req, res, { status: 500, contentType: TEXT_TYPE, body: 'internal error\n' }),
      );
  };
  server.on('clientError', answerClientError);
  return server;
}

/** A malformed request or one whose headers are too large: a bare 400/431 (408 when slow), then close. */
function answerClientError(err: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  // A TLS error (a handshake that timed out or failed) has no HTTP to answer in: writing
  // would wait for a handshake that never comes.
  if (!socket.writable || /^ERR_(TLS|SSL)_/.test(err.code ?? '')) {
    socket.destroy();
    return;
  }
  const status =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? '431 Request Header Fields Too Large'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
}

/** The client's address for the per-client cap: IPv4 as it is, IPv6 by its /64. */
function clientKey(address: string | undefined): string {
  if (address === undefined) return '';
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return v4 ? v4[1]! : address.toLowerCase().split(':').slice(0, 4).join(':');
}

/**
 * Caps the connections a server keeps: `max` in all (node:net refuses past it) and `perClient`
 * from one address, so that idle connections from one client cannot take every file
 * descriptor, and a load balancer elsewhere still gets in.
 */
function limitConnections(server: Server, max: number, perClient: number): void {
  server.maxConnections = max;
  const open = new Map<string, number>();
  // 'connection' is the TCP socket, before any TLS handshake.
  server.on('connection', (socket: Socket) => {
    const key = clientKey(socket.remoteAddress);
    const count = (open.get(key) ?? 0) + 1;
    if (count > perClient) {
      socket.destroy();
      return;
    }
    open.set(key, count);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left <= 0) open.delete(key);
      else open.set(key, left);
    });
  });
}

/**
 * Stops a server: no new connections, idle keep-alive connections closed, requests in flight
 * answered, then `drained` (what those requests waited on is closed after them). Anything
 * still open after `limitMs` is cut.
 */
export async function shutdownHttpServer(
  server: Server,
  limitMs: number,
  drained?: () => Promise<void>,
): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)))]);
  clearTimeout(timer);
  clearInterval(sweep);
  server.closeAllConnections();
  await drained?.();
  await closed;
}
