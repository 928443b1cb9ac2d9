/**
 * The status page's sampler: it looks once a second through a look function its caller gives
 * (serve's checks or cluster view: their single flight and cache, no probe beyond one per
 * target per `--cache`) and remembers the last 15 minutes.
 */
import { nodeClass } from '../../cluster/rows.js';
import type { ClusterResult } from '../../cluster/types.js';
import type { ProbeResult } from '../../probe/types.js';
import { StatusHistory } from './history.js';
import { statusModel } from './page.js';

/** One look: the cluster (with --cluster) or this node. */
export type Look = { cluster: ClusterResult } | { node: ProbeResult };

export interface StatusSamplerOptions {
  /** This serve's own target. */
  self: string;
  /** Targets in order (the --cluster list, or this node alone). */
  targets: readonly string[];
  mode: 'cluster' | 'node';
  look: () => Promise<Look>;
  /** Between looks (ms); default 1000. */
  everyMs?: number;
  capacity?: number;
  /** ms since the epoch; for tests. */
  clock?: () => number;
}

export class StatusSampler {
  readonly history: StatusHistory;
  readonly #o: StatusSamplerOptions;
  readonly #clock: () => number;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #closed = false;
  #last: { at: number; look: Look } | undefined;
  /** Resolves after the first look (or on close). */
  readonly first: Promise<void>;
  #firstDone!: () => void;

  constructor(options: StatusSamplerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? (() => Date.now());
    this.history = new StatusHistory(options.targets, options.capacity);
    this.first = new Promise((resolve) => (this.#firstDone = resolve));
  }

  /** Looks now and then every `everyMs`; a look still running when the next is due is not doubled. */
  start(): this {
    if (this.#timer || this.#closed) return this;
    void this.sample();
    this.#timer = setInterval(() => void this.sample(), this.#o.everyMs ?? 1000);
    return this;
  }

  /** One look, recorded (skipped while the previous one runs). */
  sample(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#inFlight ??= (async () => {
      const at = this.#clock();
      try {
        const look = await this.#o.look();
        if (this.#closed) return;
        this.#last = { at, look };
        const c = 'cluster' in look ? look.cluster : undefined;
        const nodes = c
          ? this.#o.targets.map((t) => c.nodes.find((n) => n.target === t))
          : [(look as { node: ProbeResult }).node];
        this.history.record({
          at,
          verdict: c?.verdict ?? null,
          writer: c?.writer ?? null,
          nodes: nodes.map((n) => (n ? nodeClass(n) : 'down')),
        });
      } catch {
        // A look that failed is a gap in the history, not a crash of serve.
      } finally {
        this.#inFlight = undefined;
        this.#firstDone();
      }
    })();
    return this.#inFlight;
  }

  /** The model of the last look. */
  model(): ReturnType<typeof statusModel> {
    const look = this.#last?.look;
    return statusModel({
      self: this.#o.self,
      mode: this.#o.mode,
      at: this.#last?.at ?? null,
      cluster: look && 'cluster' in look ? look.cluster : undefined,
      node: look && 'node' in look ? look.node : undefined,
      history: this.history.toJSON(),
    });
  }

  /** Stops looking; the timer is cleared and a look still running records nothing. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#firstDone();
  }
}
