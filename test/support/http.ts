/** HTTP requests for the tests of serve's endpoints. */
import { request } from 'node:http';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request to 127.0.0.1 on its own connection (no pooling that would outlive the test). */
export function get(
  port: number,
  path: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers ?? {}, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
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
