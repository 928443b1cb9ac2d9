/**
 * The multi-target exporter behind `GET /probe?target=HOST:PORT[&auth_module=NAME]`, after
 * blackbox_exporter and mysqld_exporter: Prometheus names the target, the exporter probes it
 * within the scrape's own deadline and answers with `probe_success` and the node's gauges.
 *
 * Order of a request: parameters checked (400), the target checked against the allow list from
 * its text alone (403, before any DNS lookup or connection), the auth module looked up (400),
 * then the probe: one `HealthCheck` per target and module (single flight, `--cache`), in a
 * bounded map pruned when idle, and at most `maxConcurrentProbes` probes running at once.
 */
import type { ProbeOptions } from '../../probe/options.js';
import { probe as runProbe } from '../../probe/probe.js';
import type { ProbeResult } from '../../probe/types.js';
import { HealthCheck, type VerdictChange } from '../health/index.js';
import { PROM_TYPE, textAnswer, type RouteAnswer } from '../http/index.js';
import { probeGauges, PromText } from '../prom/index.js';
import { Slots } from './slots.js';
import { parseTargetAddress, TargetPolicyError, type TargetAddress, type TargetPolicy } from './target-policy.js';
import { now } from '../../util/clock.js';

export interface ExporterOptions {
  policy: TargetPolicy;
  /** Probe options without a target: credentials, TLS, checks. Used when no auth_module is named. */
  base: ProbeOptions;
  /** `auth_module=NAME` → the probe options for that module (option-file group `[client.NAME]`). */
  authModules?: ReadonlyMap<string, ProbeOptions>;
  /** `--timeout`: the longest a probe may take, whatever the scrape allows (ms). */
  timeoutMs: number;
  /** Taken off the scrape's timeout so the answer reaches Prometheus in time (ms). */
  timeoutOffsetMs: number;
  cacheMs: number;
  maxAgeMs: number;
  maxConcurrentProbes: number;
  /** Targets (with their module) remembered at once; default 10,000. */
  maxTargets?: number;
  /** A target not asked for this long is forgotten (ms); default 10 minutes. */
  idleMs?: number;
  /** Runs one probe; for tests and benchmarks. */
  probe?: (options: ProbeOptions) => Promise<ProbeResult>;
  /** A target's verdict changed (its first verdict included). */
  onChange?: (target: string, authModule: string | undefined, change: VerdictChange) => void;
  /** Milliseconds, monotonic; for tests. */
  now?: () => number;
}

/** What `/probe` answers. */
export type ExporterAnswer = RouteAnswer;

interface Entry {
  target: TargetAddress;
  check: HealthCheck;
  lastUsed: number;
}

/**
 * A target whose latest probe failed, or that has none yet, probes in the suspect lane of the
 * slots (at most half of them): silent targets cannot hold every slot while a healthy one waits.
 */
const suspect = (entry: Entry): boolean => !(entry.check.latest?.healthy ?? false);

const SWEEP_EVERY_MS = 10_000;
const MAX_MODULE_NAME = 64;

/** Bodies are fixed sentences: nothing of the request comes back. */
const refuse = (status: number, line: string): ExporterAnswer => textAnswer(status, line);

/**
 * The probe's budget from `X-Prometheus-Scrape-Timeout-Seconds`: the header less the offset
 * (half the header when the offset would eat it all), never more than `timeoutMs`. Without the
 * header, `timeoutMs`. Undefined for a header that is not a positive number of seconds.
 */
export function probeBudgetMs(
  header: string | string[] | undefined,
  timeoutMs: number,
  offsetMs: number,
): number | undefined {
  if (header === undefined) return timeoutMs;
  if (Array.isArray(header) || !/^\s*\d{1,6}(\.\d{1,9})?\s*$/.test(header)) return undefined;
  const scrapeMs = Number(header) * 1000;
  if (scrapeMs <= 0) return undefined;
  const budget = scrapeMs > offsetMs ? scrapeMs - offsetMs : scrapeMs / 2;
  return Math.max(1, Math.min(timeoutMs, budget));
}

export class Exporter {
  readonly #options: ExporterOptions;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #slots: Slots;
  readonly #answers = new Map<number, number>();
  #current: TargetPolicy;
  #lastSweep: number;
  #closed = false;

  constructor(options: ExporterOptions) {
    for (const key of ['timeoutMs', 'timeoutOffsetMs', 'cacheMs', 'maxAgeMs'] as const) {
      if (!Number.isFinite(options[key]) || options[key] < 0)
        throw new TypeError(`${key} must be a non-negative number of milliseconds`);
    }
    this.#options = options;
    this.#now = options.now ?? now;
    this.#slots = new Slots(options.maxConcurrentProbes);
    this.#current = options.policy;
    this.#lastSweep = this.#now();
  }

  get policy(): TargetPolicy {
    return this.#current;
  }

  /** A new allow list (a reloaded targets file): targets no longer allowed are forgotten now. */
  setPolicy(policy: TargetPolicy): void {
    this.#current = policy;
    for (const [key, entry] of this.#entries) {
      if (policy.allows(entry.target)) continue;
      this.#entries.delete(key);
      void entry.check.close();
    }
  }

  /** Targets remembered now (each with its module). */
  get size(): number {
    return this.#entries.size;
  }

  /** Answers `GET /probe?<query>`; `scrapeTimeout` is the X-Prometheus-Scrape-Timeout-Seconds header. */
  async probe(query: string, scrapeTimeout: string | string[] | undefined): Promise<ExporterAnswer> {
    const answer = await this.#answer(query, scrapeTimeout);
    this.#answers.set(answer.status, (this.#answers.get(answer.status) ?? 0) + 1);
    return answer;
  }

  async #answer(query: string, scrapeTimeout: string | string[] | undefined): Promise<ExporterAnswer> {
    const params = new URLSearchParams(query);
    const targets = params.getAll('target');
    if (targets.length === 0 || targets[0] === '') return refuse(400, 'missing target parameter');
    if (targets.length > 1) return refuse(400, 'more than one target parameter');
    let target: TargetAddress;
    try {
      target = parseTargetAddress(targets[0]!);
    } catch (err) {
      if (err instanceof TargetPolicyError) return refuse(400, 'malformed target: expected host:port or [ipv6]:port');
      throw err;
    }
    if (!this.#current.allows(target)) return refuse(403, 'target not allowed');

    const modules = params.getAll('auth_module');
    if (modules.length > 1) return refuse(400, 'more than one auth_module parameter');
    // Option-file group names are lower case.
    const module = modules[0]?.toLowerCase();
    let base = this.#options.base;
    if (module !== undefined) {
      const found = module.length <= MAX_MODULE_NAME ? this.#options.authModules?.get(module) : undefined;
      if (!found) return refuse(400, 'unknown auth_module');
      base = found;
    }
    const budgetMs = probeBudgetMs(scrapeTimeout, this.#options.timeoutMs, this.#options.timeoutOffsetMs);
    if (budgetMs === undefined) return refuse(400, 'invalid X-Prometheus-Scrape-Timeout-Seconds header');
    if (this.#closed) return refuse(503, 'shutting down');

    const entry = this.#entry(target, module, base);
    if (!entry) return refuse(503, 'too many targets');
    entry.lastUsed = this.#now();
    // Each request has its own budget: it joins a probe with at least as much, or starts one;
    // a request joining a probe started for a longer scrape still answers within its own.
    let timer: NodeJS.Timeout | undefined;
    const answer = await Promise.race([
      entry.check.answer(budgetMs),
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), budgetMs + 250))),
    ]);
    clearTimeout(timer);

    const out = new PromText();
    if (answer?.kind === 'result') {
      probeGauges(out, answer.result);
      out.add(
        'galera_probe_result_age_seconds',
        'gauge',
        'Age of the result shown (results younger than --cache are reused).',
        {},
        answer.ageMs / 1000,
      );
    } else {
      // No result in time: the probe in flight outlived this scrape.
      out.add('probe_success', 'gauge', 'Whether the node should get traffic: 1 healthy, 0 otherwise.', {}, 0);
    }
    return { status: 200, contentType: PROM_TYPE, body: out.render() };
  }

  #entry(target: TargetAddress, module: string | undefined, base: ProbeOptions): Entry | undefined {
    const key = module === undefined ? target.key : `${target.key} ${module}`;
    const found = this.#entries.get(key);
    if (found) return found;
    this.#sweep();
    if (this.#entries.size >= (this.#options.maxTargets ?? 10_000) && !this.#forgetOneFailed()) return undefined;
    const entry: Entry = {
      target,
      lastUsed: this.#now(),
      check: new HealthCheck({
        probe: (signal, budgetMs) => this.#run(entry, base, signal, budgetMs ?? this.#options.timeoutMs),
        cacheMs: this.#options.cacheMs,
        maxAgeMs: this.#options.maxAgeMs,
        waitMs: this.#options.timeoutMs + 1000,
        ...(this.#options.onChange
          ? { onChange: (c: VerdictChange) => this.#options.onChange?.(target.key, module, c) }
          : {}),
        now: this.#now,
      }),
    };
    this.#entries.set(key, entry);
    return entry;
  }

  /** Forgets targets not asked for within `idleMs` (none with a probe running). */
  #sweep(): void {
    const now = this.#now();
    const full = this.#entries.size >= (this.#options.maxTargets ?? 10_000);
    if (!full && now - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now;
    const idleMs = this.#options.idleMs ?? 600_000;
    for (const [key, entry] of this.#entries) {
      if (now - entry.lastUsed <= idleMs || entry.check.probing) continue;
      this.#entries.delete(key);
      void entry.check.close();
    }
  }

  /**
   * A full table: forgets the failed target (latest probe failed, or none yet, and none
   * running) asked for least recently. False when every target is healthy or busy.
   */
  #forgetOneFailed(): boolean {
    let oldest: [string, Entry] | undefined;
    for (const pair of this.#entries) {
      const entry = pair[1];
      if (!suspect(entry) || entry.check.probing) continue;
      if (!oldest || entry.lastUsed < oldest[1].lastUsed) oldest = pair;
    }
    if (!oldest) return false;
    this.#entries.delete(oldest[0]);
    void oldest[1].check.close();
    return true;
  }

  /**
   * One probe of an entry: wait for a slot (at most half the budget, so that the probe keeps
   * the other half), then probe with what remains of the budget.
   */
  async #run(entry: Entry, base: ProbeOptions, signal: AbortSignal, budgetMs: number): Promise<ProbeResult> {
    const started = this.#now();
    const slotWaitMs = budgetMs / 2;
    const lane = suspect(entry);
    const granted = await this.#slots.acquire(slotWaitMs, signal, lane);
    const waited = this.#now() - started;
    if (!granted) {
      const aborted = signal.aborted;
      const reason = aborted
        ? 'the exporter is shutting down'
        : `no probe slot came free within ${Math.round(slotWaitMs)} ms (--max-concurrent-probes)`;
      return {
        target: entry.target.key,
        healthy: false,
        outcome: aborted ? 'aborted' : 'timeout',
        reason,
        error: {
          code: aborted ? 'ABORTED' : 'TIMEOUT',
          message: reason,
          ...(aborted ? {} : { limitMs: Math.round(slotWaitMs) }),
        },
        timings: { total: Math.round(waited) },
      };
    }
    try {
      const run = this.#options.probe ?? runProbe;
      // The request's target replaces serve's own (a unix socket included).
      const { socketPath: _own, ...options } = base;
      return await run({
        ...options,
        host: entry.target.host,
        port: entry.target.port,
        timeout: Math.max(1, budgetMs - waited),
        signal,
      });
    } finally {
      this.#slots.release(lane);
    }
  }

  /** The exporter's own state, in Prometheus text. */
  metrics(out: PromText = new PromText()): PromText {
    out.add(
      'galera_probe_exporter_targets',
      'gauge',
      'Targets (with their auth module) the exporter remembers.',
      {},
      this.#entries.size,
    );
    out.add('galera_probe_exporter_probes_running', 'gauge', 'Probes running now.', {}, this.#slots.inUse);
    out.add(
      'galera_probe_exporter_probes_waiting',
      'gauge',
      'Probes waiting for a slot (--max-concurrent-probes).',
      {},
      this.#slots.waiting,
    );
    out.add(
      'galera_probe_exporter_probe_slots',
      'gauge',
      'Probes that may run at once (--max-concurrent-probes).',
      {},
      this.#slots.max,
    );
    for (const [code, count] of [...this.#answers].sort((a, b) => a[0] - b[0])) {
      out.add(
        'galera_probe_exporter_requests_total',
        'counter',
        '/probe requests answered, by HTTP status.',
        { code: String(code) },
        count,
      );
    }
    return out;
  }

  /** Aborts the probes in flight and waits for them. */
  async close(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((e) => e.check.close()));
  }
}
