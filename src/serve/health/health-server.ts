/**
 * The node's own paths, served from a HealthCheck for load balancers and Prometheus: `/`,
 * `/health` and `/ready` (readiness: 200 healthy, 503 otherwise), `/live` (liveness) and
 * `/metrics`, on the HTTP server of ../http beside the routes other features add.
 */
import type { Server } from 'node:http';
import {
  createHttpServer,
  jsonAnswer,
  PROM_TYPE,
  type HttpServerOptions,
  type Route,
  type RouteAnswer,
  shutdownHttpServer,
  textAnswer,
  wantsJson,
} from '../http/index.js';
import { answerJson, liveness, readinessLine } from './answers.js';
import type { HealthCheck } from './health-check.js';
import { Metrics } from './metrics.js';

export interface HealthServerOptions extends Omit<HttpServerOptions, 'routes' | 'onAnswer'> {
  /** More paths (e.g. the exporter's `/probe`, `/targets`); they win over the built-in ones. */
  routes?: Readonly<Record<string, Route>>;
  /** Appended to `/metrics` (the exporter's own gauges). */
  metricsExtra?: () => string;
  /**
   * Asked when the node itself is healthy, for `/`, `/health` and `/ready`: a reason to answer
   * 503 all the same (serve --cluster: this node is on the losing side of a split brain).
   */
  refuse?: () => Promise<string | undefined>;
}

export const HEALTH_PATHS = ['/', '/health', '/ready', '/live', '/metrics'] as const;

/** Readiness, with the refusal (if any) asked only of a node that is healthy itself. */
function readiness(check: HealthCheck, refuse: HealthServerOptions['refuse']): Route {
  return async (req, query) => {
    const answer = await check.answer();
    const ok = answer.kind === 'result' && answer.result.healthy;
    const refusal = ok && refuse ? await refuse() : undefined;
    const status = ok && refusal === undefined ? 200 : 503;
    if (!wantsJson(req, query)) return textAnswer(status, refusal ?? readinessLine(answer));
    return jsonAnswer(
      status,
      refusal === undefined ? answerJson(answer) : { ...answerJson(answer), healthy: false, reason: refusal },
    );
  };
}

function live(check: HealthCheck): Route {
  return async (req, query) => {
    const answer = await check.answer();
    const { live, line } = liveness(answer);
    const status = live ? 200 : 503;
    return wantsJson(req, query)
      ? jsonAnswer(status, { live, liveness: line, ...answerJson(answer) })
      : textAnswer(status, line);
  };
}

/**
 * The HTTP server. GET and HEAD only. Nothing of the request is echoed back. Without a check
 * (an exporter only) the node's paths are not there, and `/metrics` shows only `metricsExtra`.
 */
export function createHealthServer(check: HealthCheck | undefined, options: HealthServerOptions = {}): Server {
  const metrics = check?.metrics ?? new Metrics();
  const metricsRoute: Route = (): RouteAnswer => ({
    status: 200,
    contentType: PROM_TYPE,
    body: (check ? metrics.render() : '') + (options.metricsExtra?.() ?? ''),
  });
  const ready = check ? readiness(check, options.refuse) : undefined;
  const own: Record<string, Route> = check
    ? { '/': ready!, '/health': ready!, '/ready': ready!, '/live': live(check), '/metrics': metricsRoute }
    : { '/metrics': metricsRoute };
  const { routes, metricsExtra: _m, refuse: _r, ...http } = options;
  return createHttpServer({
    ...http,
    routes: { ...own, ...routes },
    onAnswer: (status) => metrics.recordAnswer(status),
  });
}

/**
 * Stops a health server: no new connections, idle keep-alive connections closed, requests
 * in flight answered (each is bounded by the check's wait), then the check closed. Anything
 * still open after `limitMs` is cut.
 */
export async function shutdownHealthServer(
  server: Server,
  check: HealthCheck | undefined,
  limitMs: number,
): Promise<void> {
  await shutdownHttpServer(server, limitMs, async () => {
    await check?.close();
  });
}
