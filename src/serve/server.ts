/**
 * The `node:http` server that answers load balancers and Prometheus from a HealthCheck:
 * routes, content negotiation, and a bounded shutdown. Nothing of a request is echoed back.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import type { Answer, HealthCheck } from './health-check.js';
import { Metrics } from './metrics.js';

export interface HealthServerOptions {
  /** Time a client has to send its request headers (ms). */
  headersTimeoutMs?: number;
  /** Time a client has to send its whole request (ms). */
  requestTimeoutMs?: number;
  /** Idle time before a keep-alive connection is closed (ms). */
  keepAliveTimeoutMs?: number;
  /** Largest request header block accepted (bytes). */
  maxHeaderSize?: number;
  /** More paths (e.g. the exporter's `/probe`, `/targets`); they win over the built-in ones. */
  routes?: Readonly<Record<string, Route>>;
  /** Decides before any route runs: a refusal (401, 403) or undefined to go on. */
  guard?: (req: IncomingMessage, path: string) => RouteAnswer | undefined;
  /** Serve HTTPS with these TLS options (`--web-config`'s tls_server_config). */
  tls?: HttpsServerOptions;
  /** Appended to `/metrics` (the exporter's own gauges). */
  metricsExtra?: () => string;
  /**
   * Asked when the node itself is healthy, for `/`, `/health` and `/ready`: a reason to answer
   * 503 all the same (serve --cluster: this node is on the losing side of a split brain).
   */
  refuse?: () => Promise<string | undefined>;
}

export interface RouteAnswer {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

export type Route = (req: IncomingMessage, query: string) => RouteAnswer | Promise<RouteAnswer>;

export const HEALTH_PATHS = ['/', '/health', '/ready', '/live', '/metrics'] as const;

/** The one-line text body for readiness. */
export function readinessLine(answer: Answer): string {
  if (answer.kind === 'maintenance') return 'maintenance';
  if (answer.kind === 'none') return `unknown: ${answer.reason}`;
  const r = answer.result;
  if (r.healthy) return r.reason;
  if (r.outcome === 'unhealthy') return `not ready: ${r.reason}`;
  return `${r.outcome}${r.phase ? ` in ${r.phase}` : ''}: ${r.reason}`;
}

/**
 * Liveness: the node answered and, when it is a Galera node, is in a Primary component. A
 * donor or joiner is alive; a node cut off from its cluster or not answering is not. A drain
 * (maintenance) is not a reason to restart anything: alive, without touching the database.
 */
export function liveness(answer: Answer): { live: boolean; line: string } {
  if (answer.kind === 'maintenance') return { live: true, line: 'live: maintenance (not checked)' };
  if (answer.kind === 'none') return { live: false, line: `not live: ${answer.reason}` };
  const r = answer.result;
  if (r.outcome !== 'healthy' && r.outcome !== 'unhealthy') return { live: false, line: `not live: ${readinessLine(answer)}` };
  const status = r.node?.clusterStatus;
  if (status !== undefined && status !== 'Primary') return { live: false, line: `not live: ${r.reason}` };
  return { live: true, line: status === undefined ? 'live' : `live: ${status}${r.node?.localStateComment ? `, ${r.node.localStateComment}` : ''}` };
}

function answerJson(answer: Answer): Record<string, unknown> {
  if (answer.kind === 'result') return { ...answer.result };
  if (answer.kind === 'maintenance') return { healthy: false, outcome: 'maintenance', reason: 'maintenance' };
  return { healthy: false, outcome: 'unknown', reason: answer.reason };
}

/** JSON when asked for with `?format=json` or `Accept: application/json`; text otherwise. */
export function wantsJson(req: IncomingMessage, query: string): boolean {
  if (new URLSearchParams(query).get('format') === 'json') return true;
  const accept = req.headers.accept;
  return typeof accept === 'string' && /(^|,)\s*application\/json\s*(;|,|$)/i.test(accept);
}

/**
 * The HTTP server. Paths: `/` and `/health` and `/ready` (readiness: 200 healthy, 503
 * otherwise), `/live` (liveness), `/metrics` (Prometheus). GET and HEAD only. Nothing of
 * the request is echoed back.
 */
export function createHealthServer(check: HealthCheck | undefined, options: HealthServerOptions = {}): Server {
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
  // Without a node of its own (an exporter only), the node's paths are not there.
  const metrics = check?.metrics ?? new Metrics();
  const routes = options.routes ?? {};

  const send = (req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void => {
    metrics.recordAnswer(status);
    const bytes = Buffer.from(body, 'utf8');
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Length': String(bytes.length),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      // Shutting down (close() was called): no more requests on this connection.
      ...(server.listening ? {} : { Connection: 'close' }),
      ...extra,
    });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  };
  const text = 'text/plain; charset=utf-8';

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!route && (!(HEALTH_PATHS as readonly string[]).includes(path) || (!check && path !== '/metrics'))) {
      send(req, res, 404, text, 'not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(req, res, 405, text, 'method not allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    const refused = options.guard?.(req, path);
    if (refused) {
      send(req, res, refused.status, refused.contentType, refused.body, refused.headers);
      return;
    }
    if (route) {
      Promise.resolve()
        .then(() => route(req, query))
        .then(
          (a) => send(req, res, a.status, a.contentType, a.body, a.headers),
          () => send(req, res, 500, text, 'internal error\n'),
        );
      return;
    }
    if (path === '/metrics') {
      send(req, res, 200, 'text/plain; version=0.0.4; charset=utf-8', (check ? metrics.render() : '') + (options.metricsExtra?.() ?? ''));
      return;
    }
    if (!check) return;
    check.answer().then(
      (answer) => {
        const json = wantsJson(req, query);
        if (path === '/live') {
          const { live, line } = liveness(answer);
          if (json) send(req, res, live ? 200 : 503, 'application/json', `${JSON.stringify({ live, liveness: line, ...answerJson(answer) })}\n`);
          else send(req, res, live ? 200 : 503, text, `${line}\n`);
          return;
        }
        const ok = answer.kind === 'result' && answer.result.healthy;
        const reply = (refusal: string | undefined): void => {
          const body = refusal === undefined ? answerJson(answer) : { ...answerJson(answer), healthy: false, reason: refusal };
          const status = ok && refusal === undefined ? 200 : 503;
          if (json) send(req, res, status, 'application/json', `${JSON.stringify(body)}\n`);
          else send(req, res, status, text, `${refusal ?? readinessLine(answer)}\n`);
        };
        if (!ok || !options.refuse) {
          reply(undefined);
          return;
        }
        options.refuse().then(reply, () => send(req, res, 500, text, 'internal error\n'));
      },
      () => send(req, res, 500, text, 'internal error\n'),
    );
  });
  // A malformed request or one whose headers are too large: a bare 400/431, then close.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  });
  return server;
}

/**
 * Stops a health server: no new connections, idle keep-alive connections closed, requests
 * in flight answered (each is bounded by the check's wait), then the check closed. Anything
 * still open after `limitMs` is cut.
 */
export async function shutdownHealthServer(server: Server, check: HealthCheck | undefined, limitMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)))]);
  clearTimeout(timer);
  clearInterval(sweep);
  server.closeAllConnections();
  await check?.close();
  await closed;
}
