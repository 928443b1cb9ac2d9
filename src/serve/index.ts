export { HealthCheck } from './health-check.js';
export type { HealthCheckOptions, Answer, Verdict, VerdictChange } from './health-check.js';
export { createHealthServer, shutdownHealthServer, readinessLine, liveness, HEALTH_PATHS } from './server.js';
export type { HealthServerOptions } from './server.js';
export { Metrics } from './metrics.js';
