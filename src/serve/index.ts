/**
 * serve, for the library: a HealthCheck and the HTTP server of a node's health paths. The
 * folders below are serve's rooms: http/ and prom/ (shared, nothing else of serve), health/
 * (one target's check; the layer the features build on), and the features exporter/,
 * cluster-view/, status/ and web/, which never import each other. src/cli joins them.
 */
export {
  createHealthServer,
  HealthCheck,
  HEALTH_PATHS,
  liveness,
  Metrics,
  readinessLine,
  shutdownHealthServer,
} from './health/index.js';
export type { Answer, CheckVerdict, HealthCheckOptions, HealthServerOptions, VerdictChange } from './health/index.js';
