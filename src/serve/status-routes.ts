/**
 * `/status`, `/status.js`, `/status.css` and `/status.json`: a page for people, kept by one
 * sampler that looks once a second through the checks serve already has (their single flight
 * and cache: no probe beyond one per target per `--cache`) and remembers the last 15 minutes.
 * The routes only read the sampler's last look; a page left open never probes anything itself.
 */
import { nodeClass } from '../cluster/rows.js';
import type { ClusterResult } from '../cluster/types.js';
import type { ProbeResult } from '../probe/types.js';
import type { ClusterView } from './cluster-view.js';
import type { Answer, HealthCheck } from './health-check.js';
import type { Route, RouteAnswer } from './server.js';
import { STATUS_CSS, STATUS_JS } from './status-assets.js';
import { StatusHistory } from './status-history.js';
import { statusHtml, statusModel } from './status-page.js';

/** Only this origin's script, style and data; no frames, forms or base tricks. */
export const STATUS_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const STATUS_PATHS = ['/status', '/status.js', '/status.css', '/status.json'] as const;

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
        const nodes = c ? this.#o.targets.map((t) => c.nodes.find((n) => n.target === t)) : [(look as { node: ProbeResult }).node];
        this.history.record({ at, verdict: c?.verdict ?? null, writer: c?.writer ?? null, nodes: nodes.map((n) => (n ? nodeClass(n) : 'down')) });
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

/** A check's answer as a result (maintenance and no answer in time as unhealthy and timeout). */
function resultOf(target: string, answer: Answer): ProbeResult {
  if (answer.kind === 'result') return answer.result;
  if (answer.kind === 'maintenance') return { target, healthy: false, outcome: 'unhealthy', reason: 'maintenance', timings: { total: 0 } };
  return { target, healthy: false, outcome: 'timeout', reason: answer.reason, error: { code: 'TIMEOUT', message: answer.reason }, timings: { total: 0 } };
}

/** The sampler for serve: the cluster view's look with --cluster, else this node's check. */
export function statusSampler(input: { self: string; check: HealthCheck; view?: ClusterView | undefined; targets?: readonly string[] | undefined; everyMs?: number }): StatusSampler {
  const { view, check, self } = input;
  return new StatusSampler({
    self,
    targets: view && input.targets ? input.targets : [self],
    mode: view ? 'cluster' : 'node',
    look: view ? async () => ({ cluster: await view.current() }) : async () => ({ node: resultOf(self, await check.answer()) }),
    ...(input.everyMs !== undefined ? { everyMs: input.everyMs } : {}),
  });
}

const HTML = 'text/html; charset=utf-8';
const page = (contentType: string, body: string): RouteAnswer => ({
  status: 200,
  contentType,
  body,
  headers: { 'Content-Security-Policy': STATUS_CSP, 'Referrer-Policy': 'no-referrer' },
});

/** The four paths, reading the sampler (the page waits for the first look when there is none yet). */
export function statusRoutes(sampler: StatusSampler): Record<(typeof STATUS_PATHS)[number], Route> {
  return {
    '/status': async () => {
      await sampler.first;
      return page(HTML, statusHtml(sampler.model(), Date.now()));
    },
    '/status.json': async () => {
      await sampler.first;
      return page('application/json', `${JSON.stringify(sampler.model())}\n`);
    },
    '/status.js': () => page('text/javascript; charset=utf-8', STATUS_JS),
    '/status.css': () => page('text/css; charset=utf-8', STATUS_CSS),
  };
}
