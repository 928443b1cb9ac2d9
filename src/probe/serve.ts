/**
 * The HTTP health endpoint for load balancers: a `HealthCheck` that protects the node from
 * its own health checks (one probe in flight, shared by every request; results reused for
 * a short while), and the `node:http` server that answers with it.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Metrics } from './metrics.js';
import type { ProbeResult } from './types.js';

export interface HealthCheckOptions {
  /** Runs one probe. The signal aborts it when the check is closed. */
  probe: (signal: AbortSignal) => Promise<ProbeResult>;
  /** A result is reused for this long after it arrived (ms); 0 probes for every request (still one at a time). */
  cacheMs: number;
  /**
   * A request waits at most this long for the probe in flight (ms): the probe's overall
   * deadline plus a margin, so it normally gets the probe's own answer.
   */
  waitMs: number;
  /**
   * The previous result may still be served while a newer probe runs, up to this age (ms):
   * to requests that arrive during the refresh, and when a wait runs out. Never older.
   */
  maxAgeMs: number;
  /** While this file exists, answers are `maintenance` and the database is not touched. */
  maintenanceFile?: string;
  /** Called once per change of verdict (including the first). */
  onChange?: (change: VerdictChange) => void;
  metrics?: Metrics;
  /** Milliseconds, monotonic; for tests. */
  now?: () => number;
}

export type Verdict = 'healthy' | 'unhealthy' | 'maintenance';

export interface VerdictChange {
  from: Verdict | undefined;
  to: Verdict;
  reason: string;
  result?: ProbeResult;
}

/** What a request gets. */
export type Answer =
  | { kind: 'result'; result: ProbeResult; ageMs: number }
  | { kind: 'maintenance' }
  /** The probe in flight outlived the wait and no result young enough exists. */
  | { kind: 'none'; reason: string };

interface Stored {
  result: ProbeResult;
  at: number;
}

export class HealthCheck {
  private readonly options: HealthCheckOptions;
  private readonly now: () => number;
  private readonly closing = new AbortController();
  private last: Stored | undefined;
  private inFlight: Promise<Stored> | undefined;
  private verdict: Verdict | undefined;
  private reason = '';
  readonly metrics: Metrics;

  constructor(options: HealthCheckOptions) {
    for (const key of ['cacheMs', 'waitMs', 'maxAgeMs'] as const) {
      if (!Number.isFinite(options[key]) || options[key] < 0) throw new TypeError(`${key} must be a non-negative number of milliseconds`);
    }
    this.options = options;
    this.now = options.now ?? (() => performance.now());
    this.metrics = options.metrics ?? new Metrics();
  }

  /** Probes started so far (for tests and metrics). */
  probesStarted = 0;

  /**
   * The answer for one request:
   * - a result younger than `cacheMs`: that result;
   * - otherwise a probe is needed: the request starts one, or joins the one in flight.
   *   The request that starts it waits for it (sparse checks get fresh answers); requests that
   *   arrive while it runs get the previous result at once if it is younger than `maxAgeMs`
   *   (under load, nobody waits on the refresh), else they wait for the probe too;
   * - a wait is bounded by `waitMs`; past it, the previous result if younger than `maxAgeMs`,
   *   else `none`.
   */
  async answer(): Promise<Answer> {
    const file = this.options.maintenanceFile;
    const maintenance = file !== undefined && existsSync(file);
    this.metrics.maintenance = maintenance;
    if (maintenance) {
      this.note('maintenance', 'maintenance');
      return { kind: 'maintenance' };
    }
    const fresh = this.fresh(this.options.cacheMs);
    if (fresh) return fresh;
    if (this.closing.signal.aborted) return this.fallback('the endpoint is shutting down');

    let pending = this.inFlight;
    if (pending) {
      const stale = this.fresh(this.options.maxAgeMs);
      if (stale) return stale;
    } else {
      pending = this.start();
    }
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      pending,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), this.options.waitMs);
      }),
    ]);
    clearTimeout(timer);
    if (waited) return { kind: 'result', result: waited.result, ageMs: Math.max(0, this.now() - waited.at) };
    return this.fallback(`no answer from the probe within ${Math.round(this.options.waitMs)} ms`);
  }

  private fresh(limitMs: number): Answer | undefined {
    if (!this.last) return undefined;
    const ageMs = this.now() - this.last.at;
    return ageMs <= limitMs ? { kind: 'result', result: this.last.result, ageMs } : undefined;
  }

  private fallback(reason: string): Answer {
    return this.fresh(this.options.maxAgeMs) ?? { kind: 'none', reason };
  }

  /** The single probe in flight; every request without a fresh result shares it. */
  private start(): Promise<Stored> {
    this.probesStarted++;
    this.metrics.inFlight++;
    const run = (async (): Promise<Stored> => {
      try {
        const result = await this.options.probe(this.closing.signal);
        const stored = { result, at: this.now() };
        this.last = stored;
        this.metrics.recordProbe(result);
        this.note(result.healthy ? 'healthy' : 'unhealthy', result.reason, result);
        return stored;
      } finally {
        this.metrics.inFlight--;
        this.inFlight = undefined;
      }
    })();
    this.inFlight = run;
    // A probe rejects only for invalid options, which serve validates before it starts;
    // keep a rejection from going unhandled when no request is waiting any more.
    run.catch(() => {});
    return run;
  }

  private note(verdict: Verdict, reason: string, result?: ProbeResult): void {
    if (verdict === this.verdict && reason === this.reason) return;
    const change: VerdictChange = { from: this.verdict, to: verdict, reason, ...(result ? { result } : {}) };
    this.verdict = verdict;
    this.reason = reason;
    this.options.onChange?.(change);
  }

  /** Aborts the probe in flight, if any, and waits for it to end. */
  async close(): Promise<void> {
    this.closing.abort();
    await this.inFlight?.catch(() => undefined);
  }
}

export interface HealthServerOptions {
  /** Time a client has to send its request headers (ms). */
  headersTimeoutMs?: number;
  /** Time a client has to send its whole request (ms). */
  requestTimeoutMs?: number;
  /** Idle time before a keep-alive connection is closed (ms). */
  keepAliveTimeoutMs?: number;
  /** Largest request header block accepted (bytes). */
  maxHeaderSize?: number;
}

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

function wantsJson(req: IncomingMessage, query: string): boolean {
  if (new URLSearchParams(query).get('format') === 'json') return true;
  const accept = req.headers.accept;
  return typeof accept === 'string' && /(^|,)\s*application\/json\s*(;|,|$)/i.test(accept);
}

/**
 * The HTTP server. Paths: `/` and `/health` and `/ready` (readiness: 200 healthy, 503
 * otherwise), `/live` (liveness), `/metrics` (Prometheus). GET and HEAD only. Nothing of
 * the request is echoed back.
 */
export function createHealthServer(check: HealthCheck, options: HealthServerOptions = {}): Server {
  const server = createServer({
    maxHeaderSize: options.maxHeaderSize ?? 8192,
    headersTimeout: options.headersTimeoutMs ?? 2000,
    requestTimeout: options.requestTimeoutMs ?? 5000,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 5000,
    // How often node:http looks for clients past those timeouts (its default is 30 s).
    connectionsCheckingInterval: Math.min(500, options.headersTimeoutMs ?? 2000),
  });
  const metrics = check.metrics;

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
    if (!(HEALTH_PATHS as readonly string[]).includes(path)) {
      send(req, res, 404, text, 'not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(req, res, 405, text, 'method not allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    if (path === '/metrics') {
      send(req, res, 200, 'text/plain; version=0.0.4; charset=utf-8', metrics.render());
      return;
    }
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
        if (json) send(req, res, ok ? 200 : 503, 'application/json', `${JSON.stringify(answerJson(answer))}\n`);
        else send(req, res, ok ? 200 : 503, text, `${readinessLine(answer)}\n`);
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
export async function shutdownHealthServer(server: Server, check: HealthCheck, limitMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)))]);
  clearTimeout(timer);
  clearInterval(sweep);
  server.closeAllConnections();
  await check.close();
  await closed;
}
