/**
 * One target's state in serve: a `HealthCheck` protects the node from its own health checks
 * (one probe in flight, shared by every request; results reused for a short while).
 */
import { existsSync } from 'node:fs';
import type { ProbeResult } from '../../probe/types.js';
import { Metrics } from './metrics.js';
import { now } from '../../util/clock.js';

export interface HealthCheckOptions {
  /**
   * Runs one probe. The signal aborts it when the check is closed; `budgetMs` is the time it
   * has, when the request that started it gave one (the exporter's scrape timeout).
   */
  probe: (signal: AbortSignal, budgetMs: number | undefined) => Promise<ProbeResult>;
  /** A result is reused for this long after it arrived (ms); 0 probes for every request (still one at a time). */
  cacheMs: number;
  /**
   * A request waits at most this long for the probe in flight (ms): the probe's overall
   * deadline plus a margin, so it normally gets the probe's own answer.
   */
  waitMs: number;
  /**
   * The previous result may still be served while a newer probe runs, up to this age (ms):
   * to requests that arrive during the refresh, and when a wait runs out. Never older.
   */
  maxAgeMs: number;
  /** While this file exists, answers are `maintenance` and the database is not touched. */
  maintenanceFile?: string;
  /** Called once per change of verdict (including the first). */
  onChange?: (change: VerdictChange) => void;
  metrics?: Metrics;
  /** Milliseconds, monotonic; for tests. */
  now?: () => number;
}

/** A check's verdict (the probe's own verdict, `src/probe/verdict.ts`, is another thing). */
export type CheckVerdict = 'healthy' | 'unhealthy' | 'maintenance';

export interface VerdictChange {
  from: CheckVerdict | undefined;
  to: CheckVerdict;
  reason: string;
  result?: ProbeResult;
}

/** What a request gets. */
export type Answer =
  | { kind: 'result'; result: ProbeResult; ageMs: number }
  | { kind: 'maintenance' }
  /** The probe in flight outlived the wait and no result young enough exists. */
  | { kind: 'none'; reason: string };

interface Stored {
  result: ProbeResult;
  at: number;
  /** The budget the probe ran with (Infinity: none given). */
  budgetMs: number;
}

interface Run {
  promise: Promise<Stored>;
  budgetMs: number;
}

/** Probes of one check running at once, at most: one, and one more for a longer budget. */
const MAX_RUNS = 2;

/**
 * Whether a stored result may answer a request with `budgetMs`: a success always; a failure only
 * if its probe had at least as long. A probe cut short by a 1 ms scrape never answers a 10 s one.
 */
const serves = (stored: Stored, budgetMs: number): boolean => stored.result.healthy || stored.budgetMs >= budgetMs;

export class HealthCheck {
  readonly #options: HealthCheckOptions;
  readonly #now: () => number;
  readonly #closing = new AbortController();
  #last: Stored | undefined;
  #runs: Run[] = [];
  #verdict: CheckVerdict | undefined;
  #reason = '';
  readonly metrics: Metrics;

  constructor(options: HealthCheckOptions) {
    for (const key of ['cacheMs', 'waitMs', 'maxAgeMs'] as const) {
      if (!Number.isFinite(options[key]) || options[key] < 0)
        throw new TypeError(`${key} must be a non-negative number of milliseconds`);
    }
    this.#options = options;
    this.#now = options.now ?? now;
    this.metrics = options.metrics ?? new Metrics();
  }

  /** Probes started so far (for tests and metrics). */
  probesStarted = 0;

  /** The latest result, whatever its age, without probing (for /metrics); undefined before the first. */
  get latest(): ProbeResult | undefined {
    return this.#last?.result;
  }

  /**
   * The result `answer()` would give at once, without a promise: one younger than `cacheMs`,
   * when no maintenance file is configured (its existence is checked per request). Otherwise
   * undefined, and the caller takes the `answer()` path.
   */
  cachedResult(): ProbeResult | undefined {
    if (this.#options.maintenanceFile !== undefined) return undefined;
    const fresh = this.#fresh(this.#options.cacheMs, Infinity);
    return fresh?.kind === 'result' ? fresh.result : undefined;
  }

  /**
   * The answer for one request:
   * - a result younger than `cacheMs`: that result;
   * - otherwise a probe is needed: the request starts one, or joins the one in flight.
   *   The request that starts it waits for it (sparse checks get fresh answers); requests that
   *   arrive while it runs get the previous result at once if it is younger than `maxAgeMs`
   *   (under load, nobody waits on the refresh), else they wait for the probe too;
   * - a wait is bounded by `waitMs`; past it, the previous result if younger than `maxAgeMs`,
   *   else `none`.
   * With `budgetMs` (the exporter: each scrape's own time), a request joins only a probe with
   * at least its budget, or starts one with its own (two at most: the second for a longer
   * budget); a failure from a shorter probe never answers it, cached or not (issue 19, item 4).
   */
  async answer(budgetMs?: number): Promise<Answer> {
    const file = this.#options.maintenanceFile;
    const maintenance = file !== undefined && existsSync(file);
    this.metrics.maintenance = maintenance;
    if (maintenance) {
      this.#note('maintenance', 'maintenance');
      return { kind: 'maintenance' };
    }
    const budget = budgetMs ?? Infinity;
    const fresh = this.#fresh(this.#options.cacheMs, budget);
    if (fresh) return fresh;
    if (this.#closing.signal.aborted) return this.#fallback('the endpoint is shutting down', budget);

    // Join a probe in flight with at least this budget; else start one (a second one at most,
    // for a longer budget); else join the longest.
    let pending = this.#runs.find((r) => r.budgetMs >= budget);
    if (pending) {
      const stale = this.#fresh(this.#options.maxAgeMs, budget);
      if (stale) return stale;
    } else if (this.#runs.length < MAX_RUNS) {
      pending = this.#start(budgetMs);
    } else {
      pending = this.#runs.reduce((a, b) => (b.budgetMs > a.budgetMs ? b : a));
    }
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      pending.promise,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), this.#options.waitMs);
      }),
    ]);
    clearTimeout(timer);
    if (waited && serves(waited, budget))
      return { kind: 'result', result: waited.result, ageMs: Math.max(0, this.#now() - waited.at) };
    return this.#fallback(
      waited
        ? 'the probe in flight had a shorter budget'
        : `no answer from the probe within ${Math.round(this.#options.waitMs)} ms`,
      budget,
    );
  }

  /** Whether a probe is running now. */
  get probing(): boolean {
    return this.#runs.length > 0;
  }

  #fresh(limitMs: number, budgetMs: number): Answer | undefined {
    if (!this.#last || !serves(this.#last, budgetMs)) return undefined;
    const ageMs = this.#now() - this.#last.at;
    return ageMs <= limitMs ? { kind: 'result', result: this.#last.result, ageMs } : undefined;
  }

  #fallback(reason: string, budgetMs: number): Answer {
    return this.#fresh(this.#options.maxAgeMs, budgetMs) ?? { kind: 'none', reason };
  }

  /** A probe in flight; every request without a fresh result shares one with enough budget. */
  #start(budgetMs: number | undefined): Run {
    this.probesStarted++;
    this.metrics.inFlight++;
    const run: Run = {
      budgetMs: budgetMs ?? Infinity,
      promise: (async (): Promise<Stored> => {
        try {
          const result = await this.#options.probe(this.#closing.signal, budgetMs);
          const stored = { result, at: this.#now(), budgetMs: budgetMs ?? Infinity };
          this.metrics.recordProbe(result);
          // A failure within a shorter budget answers its own requests, but does not replace a
          // result of a longer one that is still young enough to serve (nor change the verdict).
          const last = this.#last;
          if (
            !last ||
            result.healthy ||
            stored.budgetMs >= last.budgetMs ||
            stored.at - last.at > this.#options.maxAgeMs
          ) {
            this.#last = stored;
            this.#note(result.healthy ? 'healthy' : 'unhealthy', result.reason, result);
          }
          return stored;
        } finally {
          this.metrics.inFlight--;
          this.#runs = this.#runs.filter((r) => r !== run);
        }
      })(),
    };
    this.#runs.push(run);
    // A probe rejects only for invalid options, which serve validates before it starts;
    // keep a rejection from going unhandled when no request is waiting any more.
    run.promise.catch(() => {});
    return run;
  }

  #note(verdict: CheckVerdict, reason: string, result?: ProbeResult): void {
    if (verdict === this.#verdict && reason === this.#reason) return;
    const change: VerdictChange = { from: this.#verdict, to: verdict, reason, ...(result ? { result } : {}) };
    this.#verdict = verdict;
    this.#reason = reason;
    this.#options.onChange?.(change);
  }

  /** Aborts the probe in flight, if any, and waits for it to end. */
  async close(): Promise<void> {
    this.#closing.abort();
    await Promise.all(this.#runs.map((r) => r.promise.catch(() => undefined)));
  }
}
