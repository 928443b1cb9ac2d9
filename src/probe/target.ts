import { ipVersion } from './address.js';

/** Where a probe goes: a TCP host and port, or a unix socket. */
export interface Target {
  host?: string;
  port?: number;
  socketPath?: string;
}

/** A target text that is none of the accepted forms. A TypeError, as every invalid option of the library. */
export class TargetError extends TypeError {
  override readonly name = 'TargetError';
}

/** `host:port`, `host`, `[v6addr]:port`, `[v6addr]`, a bare IPv6 address, or a unix socket path. */
export function parseTarget(text: string): Target {
  if (text.includes('/')) return { socketPath: text };
  const port = (p: string): number => {
    if (p.length < 1 || p.length > 5 || !every(p, isDigit) || Number(p) < 1 || Number(p) > 65535)
      throw new TargetError(`invalid port in target ${JSON.stringify(text)}`);
    return Number(p);
  };
  const bracketed = text.startsWith('[') ? /^\[([^\]]+)\](?::(.*))?$/.exec(text) : null;
  if (bracketed) {
    if (ipVersion(bracketed[1]!) !== 6) throw new TargetError(`invalid IPv6 address in target ${JSON.stringify(text)}`);
    return bracketed[2] === undefined ? { host: bracketed[1]! } : { host: bracketed[1]!, port: port(bracketed[2]) };
  }
  if (ipVersion(text) === 6) return { host: text };
  const colon = text.lastIndexOf(':');
  const host = colon < 0 ? text : text.slice(0, colon);
  if (host === '' || !every(host, isHostChar)) throw new TargetError(`invalid host in target ${JSON.stringify(text)}`);
  return colon < 0 ? { host } : { host, port: port(text.slice(colon + 1)) };
}

// Character tests by code, not regular expressions, on the path every check takes: V8 compiles
// a regular expression on its first use, to machine code after one run, some 0.1 million
// instructions each (BENCHMARKS.md, section 13).
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
/** [A-Za-z0-9._-] */
const isHostChar = (c: number): boolean =>
  isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 95 || c === 45;

function every(s: string, ok: (c: number) => boolean): boolean {
  for (let i = 0; i < s.length; i++) if (!ok(s.charCodeAt(i))) return false;
  return true;
}
