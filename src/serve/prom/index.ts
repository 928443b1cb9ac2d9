/** Prometheus text format for serve: PromText and the gauges of a probe. Imports nothing else of serve. */
export { escapeLabelValue, formatValue, OUTCOMES, PromText, type Labels, type MetricType } from './prom-text.js';
export { nodeGauges, probeGauges, PROBE_OUTCOMES } from './gauges.js';
