/**
 * The serve endpoint's own metrics, rendered through PromText: a histogram of probe durations
 * per phase, a counter of results by outcome, the current verdict, probes in flight, and HTTP
 * answers by status.
 */
import { PHASES, type Outcome, type Phase, type ProbeResult } from '../../probe/types.js';
import { OUTCOMES, PromText } from '../prom/index.js';

/** Upper bounds in seconds: a loopback probe takes about a millisecond, a deadline seconds. */
export const DURATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

class Histogram {
  readonly bounds = DURATION_BUCKETS;
  readonly counts: number[] = DURATION_BUCKETS.map(() => 0);
  count = 0;
  sum = 0;

  observe(seconds: number): void {
    this.count++;
    this.sum += seconds;
    for (let i = 0; i < DURATION_BUCKETS.length; i++) if (seconds <= DURATION_BUCKETS[i]!) this.counts[i]!++;
  }
}

export class Metrics {
  readonly #phases = new Map<Phase | 'total', Histogram>();
  readonly #outcomes = new Map<Outcome, number>(OUTCOMES.map((o) => [o, 0]));
  readonly #answers = new Map<number, number>();
  #healthy: boolean | undefined;
  #lastProbeAt: number | undefined;
  inFlight = 0;
  maintenance = false;

  /** Records one finished probe. `at` is the wall-clock time in ms. */
  recordProbe(result: ProbeResult, at: number = Date.now()): void {
    for (const phase of PHASES) {
      const ms = result.timings[phase];
      if (ms !== undefined) this.#histogram(phase).observe(ms / 1000);
    }
    this.#histogram('total').observe(result.timings.total / 1000);
    this.#outcomes.set(result.outcome, (this.#outcomes.get(result.outcome) ?? 0) + 1);
    this.#healthy = result.healthy;
    this.#lastProbeAt = at;
  }

  recordAnswer(status: number): void {
    this.#answers.set(status, (this.#answers.get(status) ?? 0) + 1);
  }

  #histogram(phase: Phase | 'total'): Histogram {
    let h = this.#phases.get(phase);
    if (!h) {
      h = new Histogram();
      this.#phases.set(phase, h);
    }
    return h;
  }

  /** Adds these metrics to `out` (every family, even those without a sample yet). */
  addTo(out: PromText): PromText {
    const phaseHelp = 'Time spent in each phase of a probe (phase="total": the whole probe).';
    out.declare('galera_probe_phase_duration_seconds', 'histogram', phaseHelp);
    for (const phase of [...PHASES, 'total'] as const) {
      const h = this.#phases.get(phase);
      if (h) out.addHistogram('galera_probe_phase_duration_seconds', phaseHelp, { phase }, h);
    }
    out.declare('galera_probe_results_total', 'counter', 'Probes finished, by outcome.');
    for (const [outcome, count] of this.#outcomes)
      out.add('galera_probe_results_total', 'counter', 'Probes finished, by outcome.', { outcome }, count);
    const gauge = (name: string, help: string, value: number): void => out.add(name, 'gauge', help, {}, value);
    gauge(
      'galera_probe_healthy',
      'The current verdict: 1 healthy, 0 not healthy, NaN before the first probe.',
      this.#healthy === undefined ? NaN : this.#healthy ? 1 : 0,
    );
    gauge(
      'galera_probe_last_probe_timestamp_seconds',
      'When the last probe finished (Unix time), 0 before the first.',
      this.#lastProbeAt === undefined ? 0 : this.#lastProbeAt / 1000,
    );
    gauge('galera_probe_probes_in_flight', 'Probes running now (at most one per target).', this.inFlight);
    gauge('galera_probe_maintenance', '1 while the maintenance file exists.', this.maintenance ? 1 : 0);
    const answersHelp = 'HTTP responses sent, by status code.';
    out.declare('galera_probe_http_responses_total', 'counter', answersHelp);
    for (const [status, count] of [...this.#answers].sort((a, b) => a[0] - b[0]))
      out.add('galera_probe_http_responses_total', 'counter', answersHelp, { code: String(status) }, count);
    return out;
  }

  render(): string {
    return this.addTo(new PromText()).render();
  }
}
