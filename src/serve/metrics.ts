/**
 * The serve endpoint's metrics in the Prometheus text exposition format (version 0.0.4),
 * written by hand: a histogram of probe durations per phase, a counter of results by
 * outcome, the current verdict, probes in flight, and HTTP answers by status.
 */
import { PHASES, type Outcome, type Phase, type ProbeResult } from '../probe/types.js';

const OUTCOMES: readonly Outcome[] = ['healthy', 'unhealthy', 'unreachable', 'timeout', 'access-denied', 'protocol-error', 'server-error', 'aborted'];

/** Upper bounds in seconds: a loopback probe takes about a millisecond, a deadline seconds. */
export const DURATION_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

class Histogram {
  readonly counts: number[] = DURATION_BUCKETS.map(() => 0);
  count = 0;
  sum = 0;

  observe(seconds: number): void {
    this.count++;
    this.sum += seconds;
    for (let i = 0; i < DURATION_BUCKETS.length; i++) if (seconds <= DURATION_BUCKETS[i]!) this.counts[i]!++;
  }
}

/** A float as Prometheus writes it. */
function num(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(Math.round(value * 1e9) / 1e9);
}

export class Metrics {
  private readonly phases = new Map<Phase | 'total', Histogram>();
  private readonly outcomes = new Map<Outcome, number>(OUTCOMES.map((o) => [o, 0]));
  private readonly answers = new Map<number, number>();
  private healthy: boolean | undefined;
  private lastProbeAt: number | undefined;
  inFlight = 0;
  maintenance = false;

  /** Records one finished probe. `at` is the wall-clock time in ms. */
  recordProbe(result: ProbeResult, at: number = Date.now()): void {
    for (const phase of PHASES) {
      const ms = result.timings[phase];
      if (ms !== undefined) this.histogram(phase).observe(ms / 1000);
    }
    this.histogram('total').observe(result.timings.total / 1000);
    this.outcomes.set(result.outcome, (this.outcomes.get(result.outcome) ?? 0) + 1);
    this.healthy = result.healthy;
    this.lastProbeAt = at;
  }

  recordAnswer(status: number): void {
    this.answers.set(status, (this.answers.get(status) ?? 0) + 1);
  }

  private histogram(phase: Phase | 'total'): Histogram {
    let h = this.phases.get(phase);
    if (!h) {
      h = new Histogram();
      this.phases.set(phase, h);
    }
    return h;
  }

  render(): string {
    const lines: string[] = [];
    const family = (name: string, type: string, help: string): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };

    family('galera_probe_phase_duration_seconds', 'histogram', 'Time spent in each phase of a probe (phase="total": the whole probe).');
    for (const phase of [...PHASES, 'total'] as const) {
      const h = this.phases.get(phase);
      if (!h) continue;
      DURATION_BUCKETS.forEach((le, i) => lines.push(`galera_probe_phase_duration_seconds_bucket{phase="${phase}",le="${num(le)}"} ${h.counts[i]}`));
      lines.push(`galera_probe_phase_duration_seconds_bucket{phase="${phase}",le="+Inf"} ${h.count}`);
      lines.push(`galera_probe_phase_duration_seconds_sum{phase="${phase}"} ${num(h.sum)}`);
      lines.push(`galera_probe_phase_duration_seconds_count{phase="${phase}"} ${h.count}`);
    }

    family('galera_probe_results_total', 'counter', 'Probes finished, by outcome.');
    for (const [outcome, count] of this.outcomes) lines.push(`galera_probe_results_total{outcome="${outcome}"} ${count}`);

    family('galera_probe_healthy', 'gauge', 'The current verdict: 1 healthy, 0 not healthy, NaN before the first probe.');
    lines.push(`galera_probe_healthy ${this.healthy === undefined ? 'NaN' : this.healthy ? 1 : 0}`);

    family('galera_probe_last_probe_timestamp_seconds', 'gauge', 'When the last probe finished (Unix time), 0 before the first.');
    lines.push(`galera_probe_last_probe_timestamp_seconds ${this.lastProbeAt === undefined ? 0 : num(this.lastProbeAt / 1000)}`);

    family('galera_probe_probes_in_flight', 'gauge', 'Probes running now (at most one per target).');
    lines.push(`galera_probe_probes_in_flight ${this.inFlight}`);

    family('galera_probe_maintenance', 'gauge', '1 while the maintenance file exists.');
    lines.push(`galera_probe_maintenance ${this.maintenance ? 1 : 0}`);

    family('galera_probe_http_responses_total', 'counter', 'HTTP responses sent, by status code.');
    for (const [status, count] of [...this.answers].sort((a, b) => a[0] - b[0])) lines.push(`galera_probe_http_responses_total{code="${status}"} ${count}`);

    return `${lines.join('\n')}\n`;
  }
}
