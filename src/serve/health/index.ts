/**
 * One target's check (single flight, cache, maintenance) and the node's own paths. The layer
 * the features (exporter, cluster view, status page) build on; it imports only http/ and prom/.
 */
export {
  HealthCheck,
  type Answer,
  type CheckVerdict,
  type HealthCheckOptions,
  type VerdictChange,
} from './health-check.js';
export { answerJson, liveness, readinessLine, resultOf } from './answers.js';
export { createHealthServer, HEALTH_PATHS, shutdownHealthServer, type HealthServerOptions } from './health-server.js';
export { DURATION_BUCKETS, Metrics } from './metrics.js';
