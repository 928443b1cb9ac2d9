/** HTTP(S) requests for the tests of serve's endpoints. */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Milliseconds from sending the request to the end of the answer. */
  ms: number;
}

export interface GetOptions {
  /** Default 127.0.0.1. */
  host?: string;
  method?: string;
  headers?: Record<string, string>;
  /** `user:password` for basic auth. */
  auth?: string;
  /** Source address (127.0.0.2 ... for "another client"). */
  localAddress?: string;
  /** HTTPS, accepting any certificate. */
  tls?: boolean;
  /** Gives up after this long (default 15 s), rejecting. */
  timeoutMs?: number;
}

/** One request to 127.0.0.1 (or `o.host`) on its own connection (no pooling that would outlive the test). */
export function get(port: number, path: string, o: GetOptions = {}): Promise<Reply> {
  const started = performance.now();
  const limitMs = o.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const request = o.tls ? httpsRequest : httpRequest;
    const req = request(
      {
        host: o.host ?? '127.0.0.1',
        port,
        path,
        method: o.method ?? 'GET',
        agent: false,
        headers: o.headers ?? {},
        ...(o.auth !== undefined ? { auth: o.auth } : {}),
        ...(o.localAddress !== undefined ? { localAddress: o.localAddress } : {}),
        ...(o.tls ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ms: performance.now() - started }),
        );
      },
    );
    req.setTimeout(limitMs, () => req.destroy(new Error(`no answer within ${limitMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The same for a URL (`http://127.0.0.1:PORT/path?query`), giving only the status and the body. */
export async function getUrl(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  const { status, body } = await get(Number(u.port), `${u.pathname}${u.search}`, { headers });
  return { status, body };
}
