/**
 * One HTTP request on its own connection to a server on 127.0.0.1 (no pooling that would
 * outlive the test): status, headers and the body as text.
 */
import { type IncomingHttpHeaders, request } from 'node:http';

export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpGetOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Destroy the request when no byte moved for this long (ms); default: no limit. */
  timeoutMs?: number;
}

export function httpGet(port: number, path: string, options: HttpGetOptions = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    if (options.timeoutMs !== undefined) req.setTimeout(options.timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
