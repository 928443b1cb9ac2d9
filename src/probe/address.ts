import { isIP, isIPv4 } from 'node:net';

/**
 * `net.isIP`, without its IPv6 test where the text cannot be IPv6. Node's IPv6 test compiles
 * a large regular expression the first time it runs, some 9 ms of a cold CLI start on the
 * benchmark machine; `host:port` and host names, which have fewer than two colons, skip it.
 */
export function ipVersion(text: string): 0 | 4 | 6 {
  const first = text.indexOf(':');
  if (first === -1 || text.indexOf(':', first + 1) === -1) return isIPv4(text) ? 4 : 0;
  return isIP(text) as 0 | 4 | 6;
}
