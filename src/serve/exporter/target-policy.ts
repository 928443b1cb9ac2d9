/**
 * Which targets the exporter may probe, decided from the text of the request alone: no DNS
 * lookup and no connection happens before a target is allowed. A target is allowed when it is
 * one of an exact list (a targets file, a cluster's members) or matches a pattern: a host glob
 * or a CIDR, each with a port.
 */
import { BlockList, isIPv4 } from 'node:net';
import { ipVersion } from '../../probe/address.js';

/** A TCP target, canonical: lower-case host, IPv6 in its shortest form. */
export interface TargetAddress {
  host: string;
  port: number;
  /** 4 or 6 for an IP address, 0 for a host name. */
  ip: 0 | 4 | 6;
  /** `host:port` or `[v6]:port`: the same target always has the same key. */
  key: string;
}

/** A malformed target or pattern. The message never contains the text that was refused. */
export class TargetPolicyError extends Error {
  override readonly name = 'TargetPolicyError';
}

const MAX_TARGET_LENGTH = 300;
const DEFAULT_PORT = 3306;

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** IPv6 in the form the WHATWG URL parser gives it (shortest, lower case). */
function canonicalV6(address: string): string | undefined {
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/**
 * A host name that a resolver will look up as a name: labels of letters, digits, `-` and `_`,
 * at most 253 characters. A name whose last label is numeric (`10.1`, `1.2.3.4.5`, `0x7f`)
 * is refused: resolvers read such text as an address in a form no pattern would expect.
 */
function isHostName(host: string): boolean {
  if (host.length > 253) return false;
  const labels = host.split('.');
  if (labels.some((l) => !/^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(l))) return false;
  return !/^(\d+|0x[0-9a-f]*)$/.test(labels[labels.length - 1]!);
}

/**
 * `host:port`, `[v6]:port`, or `host` / `[v6]` (port 3306). Throws TargetPolicyError for anything
 * else: unix sockets, zone ids, user info, numeric forms that are not dotted quads.
 */
export function parseTargetAddress(text: string): TargetAddress {
  if (text.length === 0 || text.length > MAX_TARGET_LENGTH) throw new TargetPolicyError('target: expected host:port');
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::([^:]*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
    if (ipVersion(host) !== 6) throw new TargetPolicyError('target: invalid IPv6 address');
  } else {
    const colon = text.indexOf(':');
    if (colon !== text.lastIndexOf(':'))
      throw new TargetPolicyError('target: an IPv6 address goes in brackets: [v6]:port');
    host = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
  }
  const port = portText === undefined ? DEFAULT_PORT : parsePort(portText);
  if (port === undefined) throw new TargetPolicyError('target: invalid port');
  if (bracketed) {
    const v6 = canonicalV6(host);
    if (v6 === undefined) throw new TargetPolicyError('target: invalid IPv6 address');
    // An IPv4-mapped address (::ffff:a.b.c.d) is that IPv4 address: IPv4 patterns decide it, [::/0] does not.
    const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
    if (mapped) {
      const hi = parseInt(mapped[1]!, 16);
      const lo = parseInt(mapped[2]!, 16);
      const v4 = `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
      return { host: v4, port, ip: 4, key: `${v4}:${port}` };
    }
    return { host: v6, port, ip: 6, key: `[${v6}]:${port}` };
  }
  const lower = host.toLowerCase();
  if (isIPv4(lower)) return { host: lower, port, ip: 4, key: `${lower}:${port}` };
  if (!isHostName(lower)) throw new TargetPolicyError('target: invalid host');
  return { host: lower, port, ip: 0, key: `${lower}:${port}` };
}

interface PortRange {
  from: number;
  to: number;
}

/**
 * A host glob split into labels. `family` 4: its labels are digits and wildcards (`10.0.1.*`),
 * so it matches IPv4 literals only; 0: a host-name pattern, which never matches an IP literal.
 */
type Pattern =
  | { kind: 'glob'; family: 0 | 4; labels: string[]; ports: PortRange; text: string; every: boolean }
  | { kind: 'cidr'; family: 4 | 6; list: BlockList; ports: PortRange; text: string; every: boolean };

/**
 * Whether `text` matches `glob`, where `*` is any run of characters and `?` one character.
 * Greedy two-pointer matching: on a mismatch it only moves the last `*` on by one character,
 * so the work is at most |glob| x |text| steps, never the exponential backtracking of a
 * regular expression such as `^.*a.*a.*a.*b$`.
 */
export function globMatch(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    const c = glob[g];
    if (c === '?' || (c !== undefined && c !== '*' && c === text[t])) {
      g++;
      t++;
    } else if (c === '*') {
      star = g++;
      resume = t;
    } else if (star >= 0) {
      g = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (glob[g] === '*') g++;
  return g === glob.length;
}

/** Label by label (a wildcard never crosses a dot): linear in the target's length for a given pattern. */
function labelsMatch(pattern: readonly string[], host: string): boolean {
  const labels = host.split('.');
  if (labels.length !== pattern.length) return false;
  for (let i = 0; i < labels.length; i++) if (!globMatch(pattern[i]!, labels[i]!)) return false;
  return true;
}

function parsePorts(text: string, pattern: string): PortRange {
  if (text === '*') return { from: 1, to: 65535 };
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const from = m ? parsePort(m[1]!) : undefined;
  const to = m ? (m[2] === undefined ? from : parsePort(m[2])) : undefined;
  if (from === undefined || to === undefined || to < from)
    throw new TargetPolicyError(
      `--allow-target ${JSON.stringify(pattern)}: expected a port, a range such as 3306-3309, or *`,
    );
  return { from, to };
}

/**
 * `HOSTGLOB:PORTS`, `CIDR:PORTS`, `[V6CIDR]:PORTS`; PORTS is a port, a range `A-B`, or `*`.
 * In a glob, `*` stands for any run of characters within one label and `?` for one character:
 * `*.db.example.com:3306`, `db-?.example.com:3306`, `10.0.1.*:3306`. A glob of digits and
 * wildcards (four labels) matches IPv4 literals only; any other glob matches host names only,
 * never an IP literal. A CIDR matches IP address targets of its own family only, never names
 * (that would need a DNS lookup): `10.0.0.0/8:3306`, `[fd00::/8]:3306`.
 */
export function parsePattern(text: string): Pattern {
  const bad = (why: string): never => {
    throw new TargetPolicyError(`--allow-target ${JSON.stringify(text)}: ${why}`);
  };
  const bracketed = /^\[([^\]]+)\]:(.+)$/.exec(text);
  const colon = text.lastIndexOf(':');
  const [hostPart, portPart] = bracketed
    ? [bracketed[1]!, bracketed[2]!]
    : colon < 0
      ? bad('a port is required, e.g. host:3306 or host:*')
      : [text.slice(0, colon), text.slice(colon + 1)];
  const ports = parsePorts(portPart, text);
  const cidr = /^(.+)\/(\d{1,3})$/.exec(hostPart);
  if (cidr || bracketed) {
    const address = cidr ? cidr[1]! : hostPart;
    const version = ipVersion(address);
    if (version === 0) bad('expected an IP address or a CIDR');
    if (bracketed && version !== 6) bad('only IPv6 goes in brackets');
    const prefix = cidr ? Number(cidr[2]) : version === 4 ? 32 : 128;
    if (prefix > (version === 4 ? 32 : 128)) bad('prefix too long');
    const list = new BlockList();
    list.addSubnet(address, prefix, version === 4 ? 'ipv4' : 'ipv6');
    return { kind: 'cidr', family: version === 4 ? 4 : 6, list, ports, text, every: prefix === 0 };
  }
  const host = hostPart.toLowerCase();
  if (host === '' || host.length > 253 || !/^[a-z0-9_.*?-]+$/.test(host))
    bad('expected a host glob (letters, digits, . - _ * ?), a CIDR, or [IPv6 CIDR]');
  const labels = host.split('.');
  if (labels.some((l) => l === '')) bad('a host glob has no empty labels');
  // Digits and wildcards only, with a digit or four labels: an IPv4 address pattern.
  const numeric = labels.every((l) => /^[0-9*?]+$/.test(l));
  const family = numeric && (labels.length === 4 || /\d/.test(host)) ? 4 : 0;
  if (family === 4 && labels.length !== 4)
    bad(
      `looks like an IPv4 address pattern but has ${labels.length} labels: write four labels (10.0.*.*) or a CIDR (10.0.0.0/16)`,
    );
  return { kind: 'glob', family, labels, ports, text, every: labels.every((l) => /^\*+$/.test(l)) };
}

/** What a pattern that allows every address or name of its kind allows, for a start-up warning. */
function everything(p: Pattern): string {
  if (p.kind === 'cidr') return p.text.startsWith('[') ? 'every IPv6 address' : 'every IPv4 address';
  if (p.family === 4) return 'every IPv4 address';
  return p.labels.length === 1
    ? 'every single-label host name (resolved with the search domains)'
    : `every host name of ${p.labels.length} labels`;
}

export interface TargetPolicyInit {
  /** Targets allowed as they are (`host:port`), e.g. a targets file's or a cluster's. */
  exact?: Iterable<string>;
  /** `--allow-target` patterns. */
  patterns?: Iterable<string>;
}

/** The allow list. Built once (and rebuilt on reload); `allows` does no I/O. */
export class TargetPolicy {
  readonly #exact = new Set<string>();
  readonly #patterns: Pattern[] = [];

  /** Throws TargetPolicyError for a malformed exact target or pattern. */
  constructor(init: TargetPolicyInit = {}) {
    for (const t of init.exact ?? []) this.#exact.add(parseTargetAddress(t).key);
    for (const p of init.patterns ?? []) this.#patterns.push(parsePattern(p));
  }

  /** Start-up warnings: patterns that allow every address or every name of their kind. */
  get warnings(): string[] {
    return this.#patterns
      .filter((p) => p.every)
      .map(
        (p) =>
          `warning: --allow-target ${JSON.stringify(p.text)} allows ${everything(p)}${p.ports.from === 1 && p.ports.to === 65535 ? ' on every port' : ''}: anyone who reaches /probe may make this exporter connect there`,
      );
  }

  /** Exact targets and patterns in all. */
  get size(): number {
    return this.#exact.size + this.#patterns.length;
  }

  allows(target: TargetAddress): boolean {
    if (this.#exact.has(target.key)) return true;
    for (const p of this.#patterns) {
      if (target.port < p.ports.from || target.port > p.ports.to) continue;
      if (p.kind === 'glob' && target.ip === p.family && labelsMatch(p.labels, target.host)) return true;
      if (p.kind === 'cidr' && target.ip === p.family && p.list.check(target.host, target.ip === 4 ? 'ipv4' : 'ipv6'))
        return true;
    }
    return false;
  }
}
