/**
 * Prometheus text exposition (format 0.0.4), written by hand: a `PromText` collects samples by
 * family, so that samples added for several targets still come out grouped under one HELP and
 * TYPE line each. Every metric serve shows is rendered through it.
 */
import { OUTCOMES } from '../../probe/types.js';

export type Labels = Readonly<Record<string, string>>;
export type MetricType = 'gauge' | 'counter' | 'histogram' | 'untyped';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label value as the text format wants it: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** HELP text: backslash and line feed escaped. */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/** A float as Prometheus writes it. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(Math.round(value * 1e9) / 1e9);
}

function formatLabels(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return '';
  return `{${names.map((n) => `${n}="${escapeLabelValue(labels[n]!)}"`).join(',')}}`;
}

interface Family {
  type: MetricType;
  help: string;
  samples: string[];
}

/** Samples grouped by family, rendered in the order families were first added. */
export class PromText {
  readonly #families = new Map<string, Family>();

  /**
   * The family `name`, made on first use. A family's type and help come from its first use; a
   * later use with another type is a programming error. Names are checked for the same reason:
   * they are ours.
   */
  #family(name: string, type: MetricType, help: string): Family {
    let family = this.#families.get(name);
    if (!family) {
      if (!METRIC_NAME.test(name)) throw new TypeError(`invalid metric name ${name}`);
      family = { type, help, samples: [] };
      this.#families.set(name, family);
    } else if (family.type !== type) {
      throw new TypeError(`metric ${name} added as ${type} and as ${family.type}`);
    }
    return family;
  }

  /** A family whose HELP and TYPE come out even while it has no sample yet. */
  declare(name: string, type: MetricType, help: string): void {
    this.#family(name, type, help);
  }

  /** Adds one sample. */
  add(name: string, type: MetricType, help: string, labels: Labels, value: number): void {
    this.#family(name, type, help).samples.push(sample(name, labels, value));
  }

  /**
   * Adds one histogram of `labels`: a `_bucket` sample per upper bound (`counts[i]` observations
   * at most `bounds[i]`, cumulative), the `+Inf` bucket, `_sum` and `_count`.
   */
  addHistogram(
    name: string,
    help: string,
    labels: Labels,
    h: { bounds: readonly number[]; counts: readonly number[]; count: number; sum: number },
  ): void {
    const samples = this.#family(name, 'histogram', help).samples;
    h.bounds.forEach((le, i) =>
      samples.push(sample(`${name}_bucket`, { ...labels, le: formatValue(le) }, h.counts[i]!)),
    );
    samples.push(sample(`${name}_bucket`, { ...labels, le: '+Inf' }, h.count));
    samples.push(sample(`${name}_sum`, labels, h.sum), sample(`${name}_count`, labels, h.count));
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, f] of this.#families)
      lines.push(`# HELP ${name} ${escapeHelp(f.help)}`, `# TYPE ${name} ${f.type}`, ...f.samples);
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }
}

function sample(name: string, labels: Labels, value: number): string {
  for (const label of Object.keys(labels))
    if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new TypeError(`invalid label name ${label}`);
  return `${name}${formatLabels(labels)} ${formatValue(value)}`;
}

/** Every outcome of a probe, in the order the counters and the one-hot gauges show them: the probe's own list. */
export { OUTCOMES };
