export { probe } from './probe/probe.js';
export type { ProbeOptions, SslMode, PemSource } from './probe/options.js';
export type { Check, NodeInfo, Outcome, Phase, ProbeError, ProbeEvent, ProbeResult, Timings } from './probe/types.js';
export { EXIT_CODES, exitCodeFor } from './probe/exit-codes.js';
export { VERSION } from './version.js';
export { HealthCheck, createHealthServer, shutdownHealthServer, readinessLine, liveness } from './serve/index.js';
export type { HealthCheckOptions, HealthServerOptions, Answer, Verdict, VerdictChange } from './serve/index.js';
export { Metrics } from './serve/metrics.js';
