/**
 * `/status`, `/status.js`, `/status.css` and `/status.json`: a page for people, from the
 * sampler's last look. The routes only read it; a page left open never probes anything itself.
 */
import type { Route, RouteAnswer } from '../http/index.js';
import { STATUS_CSS, STATUS_JS } from './assets.js';
import { statusHtml } from './page.js';
import type { StatusSampler } from './sampler.js';

/** Only this origin's script, style and data; no frames, forms or base tricks. */
export const STATUS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const STATUS_PATHS = ['/status', '/status.js', '/status.css', '/status.json'] as const;

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
