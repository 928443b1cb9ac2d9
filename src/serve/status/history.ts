/**
 * The status page's memory: one sample per look (about one a second), for the last 15 minutes,
 * in a ring of fixed size; served as runs (`[from, to, value]`), which is what a timeline draws.
 */
import type { NodeClass } from '../../cluster/rows.js';
import type { ClusterVerdict } from '../../cluster/types.js';

export interface StatusSample {
  /** When the look started, ms since the epoch. */
  at: number;
  /** The cluster verdict (null without --cluster). */
  verdict: ClusterVerdict | null;
  writer: string | null;
  /** Each target's class, in target order. */
  nodes: NodeClass[];
}

/** `[from, to, value]`: the value held from `from` until `to` (ms since the epoch). */
export type Run<T> = [number, number, T];

export interface HistoryJson {
  /** Samples kept at most, and how many are held now. */
  capacity: number;
  samples: number;
  verdict: Run<ClusterVerdict | null>[];
  writer: Run<string | null>[];
  nodes: { target: string; runs: Run<NodeClass>[] }[];
}

/** 15 minutes at one sample a second. */
export const HISTORY_CAPACITY = 900;

export class StatusHistory {
  readonly #ring: (StatusSample | undefined)[];
  /** Where the next sample goes. */
  #next = 0;
  #count = 0;

  constructor(
    readonly targets: readonly string[],
    readonly capacity = HISTORY_CAPACITY,
    /** A sample stands for this long when the next one is late or missing (ms). */
    readonly stepMs = 1000,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError('capacity must be a positive whole number');
    this.#ring = new Array<StatusSample | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.#count;
  }

  record(sample: StatusSample): void {
    if (sample.nodes.length !== this.targets.length)
      throw new TypeError(`a sample has ${sample.nodes.length} nodes, the history ${this.targets.length}`);
    this.#ring[this.#next] = sample;
    this.#next = (this.#next + 1) % this.capacity;
    this.#count = Math.min(this.capacity, this.#count + 1);
  }

  /** The samples held, oldest first. */
  samples(): StatusSample[] {
    const out: StatusSample[] = [];
    for (let i = 0; i < this.#count; i++)
      out.push(this.#ring[(this.#next - this.#count + i + this.capacity) % this.capacity]!);
    return out;
  }

  /**
   * Runs of equal values. A run ends where the next sample starts; the last, and any run before a
   * gap longer than three steps (serve was busy or stopped looking), ends one step after its sample.
   */
  toJSON(): HistoryJson {
    const samples = this.samples();
    const runs = <T>(value: (s: StatusSample) => T): Run<T>[] => {
      const out: Run<T>[] = [];
      for (const [i, s] of samples.entries()) {
        const next = samples[i + 1];
        const to = next && next.at - s.at <= 3 * this.stepMs ? next.at : s.at + this.stepMs;
        const last = out.at(-1);
        if (last && last[2] === value(s) && last[1] === s.at) last[1] = to;
        else out.push([s.at, to, value(s)]);
      }
      return out;
    };
    return {
      capacity: this.capacity,
      samples: samples.length,
      verdict: runs((s) => s.verdict),
      writer: runs((s) => s.writer),
      nodes: this.targets.map((target, i) => ({ target, runs: runs((s) => s.nodes[i]!) })),
    };
  }
}
