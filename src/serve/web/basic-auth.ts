/** Basic auth for the HTTP side (`basic_auth_users` of the web config), and the guard that asks for it. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type Guard, textAnswer } from '../http/index.js';
import { bcryptDigest, bcryptVerify, type BcryptHash } from './bcrypt.js';
import type { WebConfig } from './web-config.js';

/**
 * Basic auth against bcrypt hashes. bcrypt is slow on purpose (tens to hundreds of ms, on the
 * event loop), so a verdict is remembered by a SHA-256 of the user and password (never the
 * password), and fresh verifications are limited per second: a scraper with good credentials
 * pays once, someone guessing gets 429 past the limit.
 */
export class BasicAuth {
  readonly #users: Map<string, BcryptHash>;
  readonly #verdicts = new Map<string, boolean>();
  readonly #maxPerSecond: number;
  #windowStart = 0;
  #spent = 0;

  constructor(users: Map<string, BcryptHash>, maxPerSecond = 10) {
    this.#users = users;
    this.#maxPerSecond = maxPerSecond;
  }

  /** 'ok', 'denied', or 'busy' when too many fresh verifications ran this second. */
  check(header: string | undefined): 'ok' | 'denied' | 'busy' {
    const m = header === undefined ? null : /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header.trim());
    if (!m || m[1]!.length > 1024) return 'denied';
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return 'denied';
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const id = createHash('sha256').update(user).update('\0').update(password).digest('base64');
    const known = this.#verdicts.get(id);
    if (known !== undefined) return known ? 'ok' : 'denied';

    const now = Date.now();
    if (now - this.#windowStart >= 1000) {
      this.#windowStart = now;
      this.#spent = 0;
    }
    if (this.#spent >= this.#maxPerSecond) return 'busy';
    this.#spent++;
    const hash = this.#users.get(user);
    let ok = false;
    if (hash) {
      ok = bcryptVerify(password, hash);
    } else {
      // An unknown user costs the same as a known one: no telling which names exist.
      const any = this.#users.values().next().value as BcryptHash | undefined;
      if (any) timingSafeEqual(bcryptDigest(password, any.salt, any.cost), Buffer.alloc(23));
    }
    if (this.#verdicts.size >= 1000) this.#verdicts.clear();
    this.#verdicts.set(id, ok);
    return ok ? 'ok' : 'denied';
  }
}

/**
 * The request guard for the HTTP server: with basic_auth_users, the protected paths (every
 * path for `'all'`) need credentials; 401 asks for them, 429 when guessing is throttled. The
 * caller names the paths: this module knows no route.
 */
export function webGuard(config: WebConfig, protectedPaths: readonly string[] | 'all'): Guard | undefined {
  if (config.users.size === 0) return undefined;
  const auth = new BasicAuth(config.users);
  return (req, path) => {
    if (protectedPaths !== 'all' && !protectedPaths.includes(path)) return undefined;
    const verdict = auth.check(req.headers.authorization);
    if (verdict === 'ok') return undefined;
    if (verdict === 'busy') return textAnswer(429, 'too many authentication attempts', { 'Retry-After': '1' });
    return textAnswer(401, 'unauthorized', { 'WWW-Authenticate': 'Basic realm="galera-probe", charset="UTF-8"' });
  };
}
