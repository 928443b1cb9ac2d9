/**
 * serve's view of its cluster (`--cluster`): one HealthCheck per member of the list (each with
 * its own single flight and cache, so database load stays O(nodes) per cache interval), judged
 * together with `judgeCluster`. It answers /writer and /cluster, refuses /health and /ready on
 * the losing side of a split brain, and renders the per-target and cluster gauges.
 */
import { clusterResult, componentLabel, judgeCluster } from '../../cluster/judge.js';
import { CLUSTER_VERDICTS, type ClusterResult } from '../../cluster/types.js';
import type { ProbeResult } from '../../probe/types.js';
import { majorityOf } from '../../probe/verdict.js';
import { type HealthCheck, resultOf } from '../health/index.js';
import { nodeGauges, PromText } from '../prom/index.js';
import { now } from '../../util/clock.js';

export interface ClusterViewOptions {
  /** This node: one of `targets`. */
  self: string;
  /** The whole cluster in writer-preference order, the same list on every node. */
  targets: readonly string[];
  /** One check per target, keyed by target; this node's is the one /health uses. */
  checks: ReadonlyMap<string, HealthCheck>;
  expectSize?: number | undefined;
  /** A node that has just become the writer answers `becoming writer` this long (ms). */
  writerDelayMs: number;
  /** Called once per change of the cluster verdict or writer (including the first). */
  onChange?: (view: ClusterResult, previous: ClusterResult | undefined) => void;
  /** Milliseconds, monotonic; for tests. */
  now?: () => number;
}

export interface Reply {
  ok: boolean;
  line: string;
}

export class ClusterView {
  readonly #o: ClusterViewOptions;
  readonly #now: () => number;
  #last: { results: ProbeResult[]; view: ClusterResult } | undefined;
  #writerSince: number | undefined;
  /** The background refresh of splitBrainRefusal, at most one at a time. */
  #refresh: Promise<void> | undefined;

  constructor(options: ClusterViewOptions) {
    if (!options.targets.includes(options.self)) throw new TypeError(`${options.self} is not in the cluster list`);
    for (const t of options.targets) if (!options.checks.has(t)) throw new TypeError(`no check for ${t}`);
    this.#o = options;
    this.#now = options.now ?? now;
  }

  /**
   * The cluster as the checks see it now: every target's answer (cached, or the probe in flight
   * joined, each bounded by its check's wait), judged. Judged again only when a result changed.
   */
  async current(): Promise<ClusterResult> {
    const last = this.#last;
    // Under load every check's result is fresh and unchanged: no promise per target.
    if (last && this.#o.targets.every((t, i) => this.#o.checks.get(t)!.cachedResult() === last.results[i]))
      return last.view;
    const started = this.#now();
    const answers = await Promise.all(this.#o.targets.map((t) => this.#o.checks.get(t)!.answer()));
    return this.#judged(
      answers.map((a, i) => resultOf(this.#o.targets[i]!, a)),
      started,
    );
  }

  /** The judgement of these results: the last one when they are the same, else a new one (noted). */
  #judged(results: ProbeResult[], started: number): ClusterResult {
    const last = this.#last;
    if (last && last.results.every((r, i) => r === results[i])) return last.view;
    const view = clusterResult(
      judgeCluster(results, { expectSize: this.#o.expectSize }),
      results,
      this.#now() - started,
    );
    this.#last = { results, view };
    if (view.writer === this.#o.self) this.#writerSince ??= this.#now();
    else this.#writerSince = undefined;
    if (
      !last ||
      last.view.verdict !== view.verdict ||
      last.view.writer !== view.writer ||
      last.view.reason !== view.reason
    )
      this.#o.onChange?.(view, last?.view);
    return view;
  }

  /** `/writer`: 200 on the elected writer once it has been the writer for the delay; 503 with why otherwise. */
  async writer(): Promise<Reply & { view: ClusterResult }> {
    const view = await this.current();
    if (view.writer === null) return { ok: false, line: `no writer: ${view.verdict}`, view };
    if (view.writer !== this.#o.self) return { ok: false, line: `not the writer: ${view.writer} is`, view };
    const since = this.#writerSince ?? this.#now();
    if (this.#now() - since < this.#o.writerDelayMs) return { ok: false, line: 'becoming writer', view };
    return { ok: true, line: 'writer', view };
  }

  /** `/cluster`: 200 when healthy, or degraded with a writer. */
  async cluster(): Promise<Reply & { view: ClusterResult }> {
    const view = await this.current();
    const ok = view.verdict === 'healthy' || (view.verdict === 'degraded' && view.writer !== null);
    return { ok, line: `cluster ${view.verdict}: ${view.reason}; writer ${view.writer ?? 'none'}`, view };
  }

  /**
   * For /health and /ready: with two or more Primary components, a node outside the one holding
   * a strict majority of the list (or of --expect-size) is refused. A small component alone is a
   * legitimate Primary and is not refused here.
   */
  async splitBrainRefusal(): Promise<string | undefined> {
    // This node's own health must not wait on a peer that stays silent: judge the latest
    // results of every check now, and refresh them in the background (single flight per
    // check). Only before every peer has answered once does it wait, bounded by the checks.
    const latest = this.#o.targets.map((t) => this.#o.checks.get(t)!.latest);
    let view: ClusterResult;
    if (latest.every((r): r is ProbeResult => r !== undefined)) {
      view = this.#judged(latest, this.#now());
      this.#refresh ??= this.current()
        .catch(() => undefined)
        .then(() => {
          this.#refresh = undefined;
        });
    } else {
      view = await this.current();
    }
    if (view.verdict !== 'split-brain') return undefined;
    const primaries = view.components.filter((c) => c.primary);
    const mine = primaries.find((c) => c.targets.includes(this.#o.self));
    // Not in a Primary component at all: its own verdict already refuses it.
    if (!mine) return undefined;
    const base = this.#o.expectSize ?? this.#o.targets.length;
    const majority = primaries.find((c) => !c.minority && c.size >= majorityOf(base));
    if (majority === mine) return undefined;
    return majority
      ? `split-brain: this node's component ${componentLabel(mine)} is the minority`
      : `split-brain: no component holds a majority of ${base}; this node's is ${componentLabel(mine)}`;
  }

  /**
   * Gauges from the latest results, without probing, added to `out` (shared with the
   * exporter's, so each family comes out once): per target `galera_probe_up`, its health and
   * its wsrep gauges; for the cluster the verdict, the writer and the Primary components.
   */
  metrics(out: PromText = new PromText()): PromText {
    const results = this.#o.targets.map((t) => this.#o.checks.get(t)!.latest);
    for (const [i, target] of this.#o.targets.entries()) {
      const r = results[i];
      const answered = r !== undefined && (r.outcome === 'healthy' || r.outcome === 'unhealthy');
      out.add(
        'galera_probe_up',
        'gauge',
        'Whether the target answered its last probe (healthy or not): 1, else 0.',
        { target },
        answered ? 1 : 0,
      );
      out.add(
        'galera_probe_target_healthy',
        'gauge',
        "The target's own verdict in its last probe: 1 healthy, 0 otherwise.",
        { target },
        r?.healthy ? 1 : 0,
      );
      if (r) nodeGauges(out, r, { target });
    }
    if (results.every((r) => r !== undefined)) {
      // The judgement of these very results when the view has one; judged here otherwise.
      const last = this.#last;
      const view =
        last && last.results.every((r, i) => r === results[i])
          ? last.view
          : judgeCluster(results as ProbeResult[], { expectSize: this.#o.expectSize });
      for (const verdict of CLUSTER_VERDICTS) {
        out.add(
          'galera_probe_cluster_verdict',
          'gauge',
          'The cluster verdict: 1 for the current one.',
          { verdict },
          view.verdict === verdict ? 1 : 0,
        );
      }
      for (const target of this.#o.targets) {
        out.add(
          'galera_probe_writer',
          'gauge',
          'The elected writer: 1 for it, 0 for the others.',
          { target },
          view.writer === target ? 1 : 0,
        );
      }
      out.add(
        'galera_probe_primary_components',
        'gauge',
        'Primary components seen among the targets (more than 1 is a split brain).',
        {},
        view.components.filter((c) => c.primary).length,
      );
    }
    return out;
  }
}
