/**
 * The Host header of an exporter request, checked against the names this exporter answers to:
 * DNS rebinding's defence. A page on another site that rebinds its own name to this exporter's
 * address can have a browser read `/probe` (same origin, as far as the browser knows), but its
 * requests carry that site's name as Host. An IP literal as Host is always accepted (a page
 * that names an address is cross-origin: the browser keeps the answer from it), and so is a
 * request without Host (HTTP/1.0: no browser sends one).
 */
import { isIP } from 'node:net';
import { globMatch } from './target-policy.js';

/** A malformed --allow-host name. */
export class HostCheckError extends Error {
  override readonly name = 'HostCheckError';
}

/** The host of a Host header, lower case, without port or trailing dot; undefined when malformed. */
export function hostOfHeader(value: string): { host: string; ip: boolean } | undefined {
  const v = value.trim().toLowerCase();
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(v);
  if (bracketed) return isIP(bracketed[1]!) === 6 ? { host: bracketed[1]!, ip: true } : undefined;
  const m = /^([a-z0-9_.-]{1,253})(?::\d{1,5})?$/.exec(v);
  if (!m) return undefined;
  const host = m[1]!.replace(/\.$/, '');
  return { host, ip: isIP(host) === 4 };
}

/** Names (globs as in --allow-target's host part, `*` for any) a Host header may carry. */
export class HostAllowList {
  readonly #any: boolean;
  readonly #names: string[][];

  /** Throws HostCheckError for a malformed name. */
  constructor(names: Iterable<string>) {
    const list = [...names].map((n) => n.toLowerCase().replace(/\.$/, ''));
    for (const n of list) {
      if (!/^[a-z0-9_.*?-]{1,253}$/.test(n) || n.split('.').some((l) => l === ''))
        throw new HostCheckError(
          `--allow-host ${JSON.stringify(n)}: expected a host name or a glob such as *.example.com`,
        );
    }
    this.#any = list.includes('*');
    this.#names = list.map((n) => n.split('.'));
  }

  /** Whether a request with this Host header may use the exporter's paths. */
  allows(header: string | undefined): boolean {
    if (this.#any || header === undefined) return true;
    const parsed = hostOfHeader(header);
    if (!parsed) return false;
    if (parsed.ip) return true;
    const labels = parsed.host.split('.');
    return this.#names.some((glob) => glob.length === labels.length && glob.every((g, i) => globMatch(g, labels[i]!)));
  }
}
