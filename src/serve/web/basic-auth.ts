/**
 * Basic auth for the HTTP side (`basic_auth_users` of the web config), and the guard that asks
 * for it. bcrypt runs on worker threads (bcrypt-pool.ts), never on the event loop.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type Guard, type RouteAnswer, textAnswer, wantsJson } from '../http/index.js';
import type { BcryptHash } from './bcrypt.js';
import { BcryptPool } from './bcrypt-pool.js';
import type { WebConfig } from './web-config.js';

/** `basic_auth_users`' verdict for one request. */
export type AuthVerdict = 'ok' | 'denied' | 'busy';

export interface BasicAuthOptions {
  /** Fresh verifications a client address may start per second (default 5); past it, 'busy'. */
  perClientPerSecond?: number;
  /** Verifications of one client address waiting or running at once (default 2). */
  perClientPending?: number;
  /** Where digests are computed (default: a pool of worker threads of its own). */
  pool?: BcryptPool;
  /** Milliseconds; for tests. */
  now?: () => number;
}

interface ClientBudget {
  windowStart: number;
  spent: number;
  pending: number;
}

/** A client's budget is per IPv4 address, per /64 for IPv6 (one host may hold a whole /64). */
function clientKey(address: string | undefined): string {
  if (address === undefined) return '';
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4) return v4[1]!;
  return address.toLowerCase().split(':').slice(0, 4).join(':');
}

const MAX_BAD_VERDICTS = 1000;
const MAX_GOOD_PER_USER = 8;
const MAX_CLIENTS = 10_000;

/**
 * Basic auth against bcrypt hashes. bcrypt is slow on purpose, so:
 * - digests are computed on worker threads (BcryptPool): the event loop, and so every load
 *   balancer's check, never waits for one;
 * - a verdict is remembered by a SHA-256 of the user and password (never the password). A
 *   verdict for a right password is never evicted (at most a few per user); wrong ones are
 *   forgotten a thousand at a time;
 * - fresh verifications are budgeted per client address (a few per second, two at a time), and
 *   the pool's queue is bounded: a guesser gets 429, and a scraper from another address is not
 *   made to wait for the guesser's hashes;
 * - an unknown user is verified against a dummy hash of the highest cost in use, so it costs
 *   what the costliest user costs.
 */
export class BasicAuth {
  readonly #users: Map<string, BcryptHash>;
  readonly #dummy: BcryptHash;
  readonly #good = new Map<string, string>();
  readonly #goodPerUser = new Map<string, number>();
  readonly #bad = new Set<string>();
  readonly #clients = new Map<string, ClientBudget>();
  readonly #pool: BcryptPool;
  readonly #ownPool: boolean;
  readonly #perSecond: number;
  readonly #perClientPending: number;
  readonly #now: () => number;

  constructor(users: Map<string, BcryptHash>, options: BasicAuthOptions = {}) {
    this.#users = users;
    const cost = Math.max(4, ...[...users.values()].map((h) => h.cost));
    this.#dummy = { variant: '2b', cost, salt: randomBytes(16), digest: randomBytes(23) };
    this.#ownPool = options.pool === undefined;
    this.#pool = options.pool ?? new BcryptPool();
    this.#perSecond = options.perClientPerSecond ?? 5;
    this.#perClientPending = options.perClientPending ?? 2;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The verdict for an Authorization header from `client` (the remote address): at once for a
   * remembered verdict or a refusal, otherwise once a worker has computed the digest.
   */
  check(header: string | undefined, client: string | undefined): AuthVerdict | Promise<AuthVerdict> {
    const m = header === undefined ? null : /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header.trim());
    if (!m || m[1]!.length > 1024) return 'denied';
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return 'denied';
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const id = createHash('sha256').update(user).update('\0').update(password).digest('base64');
    if (this.#good.has(id)) return 'ok';
    if (this.#bad.has(id)) return 'denied';

    const key = clientKey(client);
    const budget = this.#budget(key);
    if (budget.spent >= this.#perSecond || budget.pending >= this.#perClientPending) return 'busy';
    const hash = this.#users.get(user) ?? this.#dummy;
    const pending = this.#pool.digest(Buffer.from(password, 'utf8'), hash.salt, hash.cost);
    if (!pending) return 'busy';
    budget.spent++;
    budget.pending++;
    return pending.then(
      (digest) => {
        budget.pending--;
        // The dummy's digest is random: no password matches it.
        const ok = timingSafeEqual(digest, hash.digest) && hash !== this.#dummy;
        this.#remember(id, user, ok);
        return ok ? 'ok' : 'denied';
      },
      () => {
        budget.pending--;
        return 'busy';
      },
    );
  }

  #budget(key: string): ClientBudget {
    const now = this.#now();
    let budget = this.#clients.get(key);
    if (!budget) {
      if (this.#clients.size >= MAX_CLIENTS) {
        for (const [k, b] of this.#clients) if (b.pending === 0 && now - b.windowStart >= 1000) this.#clients.delete(k);
      }
      budget = { windowStart: now, spent: 0, pending: 0 };
      this.#clients.set(key, budget);
    }
    if (now - budget.windowStart >= 1000) {
      budget.windowStart = now;
      budget.spent = 0;
    }
    return budget;
  }

  #remember(id: string, user: string, ok: boolean): void {
    if (ok) {
      // Never evicted. A user has one password, give or take bcrypt's 72-byte cut: a few ids.
      const count = this.#goodPerUser.get(user) ?? 0;
      if (count >= MAX_GOOD_PER_USER) return;
      this.#goodPerUser.set(user, count + 1);
      this.#good.set(id, user);
      return;
    }
    if (this.#bad.size >= MAX_BAD_VERDICTS) this.#bad.clear();
    this.#bad.add(id);
  }

  /** Stops the workers (when the pool is its own). */
  async close(): Promise<void> {
    if (this.#ownPool) await this.#pool.close();
  }
}

/** Whether a request asks for the JSON form (`?format=json` or `Accept: application/json`). */
function asksForJson(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return wantsJson(req, q < 0 ? '' : url.slice(q + 1));
}

/** What the guard protects: paths (or all), and paths whose JSON form only (their line stays open). */
export interface Protected {
  paths: readonly string[] | 'all';
  /** The load balancers' paths: the line for anyone, the JSON details (members, addresses, version) behind the guard. */
  jsonOf?: readonly string[];
}

export interface WebGuard {
  guard: Guard;
  /** Stops the bcrypt workers. */
  close: () => Promise<void>;
}

/**
 * The request guard for the HTTP server: with basic_auth_users, the protected paths (every
 * path for `'all'`) need credentials, and so do the JSON forms of `jsonOf` (the load balancers'
 * paths). One rule: a load-balancer path answers its line to anyone; details need the guard.
 * 401 asks for credentials, 429 when guessing is throttled. The caller names the paths: this
 * module knows no route.
 */
export function webGuard(config: WebConfig, guarded: Protected): WebGuard | undefined {
  if (config.users.size === 0) return undefined;
  const auth = new BasicAuth(config.users);
  const answer = (verdict: AuthVerdict): RouteAnswer | undefined => {
    if (verdict === 'ok') return undefined;
    if (verdict === 'busy') return textAnswer(429, 'too many authentication attempts', { 'Retry-After': '1' });
    return textAnswer(401, 'unauthorized', { 'WWW-Authenticate': 'Basic realm="galera-probe", charset="UTF-8"' });
  };
  const guard: Guard = (req, path) => {
    const { paths, jsonOf = [] } = guarded;
    if (paths !== 'all' && !paths.includes(path) && !(jsonOf.includes(path) && asksForJson(req))) return undefined;
    const verdict = auth.check(req.headers.authorization, req.socket.remoteAddress);
    return typeof verdict === 'string' ? answer(verdict) : verdict.then(answer);
  };
  return { guard, close: () => auth.close() };
}
