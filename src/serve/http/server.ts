/**
 * The `node:http` (or `node:https`) server every serve path runs on: routes by path, GET and
 * HEAD only, a guard before any route, bounded header and request times, and a bounded
 * shutdown. It knows no path of its own; the features hand it their routes.
 */
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
  /** The paths served; any other path is 404. */
  routes?: Readonly<Record<string, Route>>;
  /** Decides before any route runs: a refusal (401, 403) or undefined to go on. */
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
  // An https.Server has every method of an http.Server that is used here.
  const server = options.tls ? (createHttpsServer({ ...options.tls, ...httpOptions }) as unknown as Server) : createServer(httpOptions);
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
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(req, res, textAnswer(405, 'method not allowed', { Allow: 'GET, HEAD' }));
    const refused = options.guard?.(req, path);
    if (refused) return send(req, res, refused);
    Promise.resolve()
      .then(() => route(req, q < 0 ? '' : url.slice(q + 1)))
      .then(
        (a) => send(req, res, a),
        () => send(req, res, { status: 500, contentType: TEXT_TYPE, body: 'internal error\n' }),
      );
  });
  server.on('clientError', answerClientError);
  return server;
}

/** A malformed request or one whose headers are too large: a bare 400/431 (408 when slow), then close. */
function answerClientError(err: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
}

/**
 * Stops a server: no new connections, idle keep-alive connections closed, requests in flight
 * answered, then `drained` (what those requests waited on is closed after them). Anything
 * still open after `limitMs` is cut.
 */
export async function shutdownHttpServer(server: Server, limitMs: number, drained?: () => Promise<void>): Promise<void> {
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
