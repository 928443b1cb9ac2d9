/**
 * The paths of serve --cluster: `/writer` (200 on exactly one node: the elected writer) and
 * `/cluster` (the cluster object of `galera-probe cluster --json`). Text is one line; JSON with
 * `?format=json` or `Accept: application/json`. Nothing of the request is echoed.
 */
import type { ClusterView } from './cluster-view.js';
import { type Route, wantsJson } from './server.js';

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';

export function clusterRoutes(view: ClusterView): Record<string, Route> {
  return {
    '/writer': async (req, query) => {
      const { ok, line, view: v } = await view.writer();
      const status = ok ? 200 : 503;
      if (wantsJson(req, query)) return { status, contentType: JSON_TYPE, body: `${JSON.stringify({ writer: ok, reason: line, elected: v.writer, verdict: v.verdict })}\n` };
      return { status, contentType: TEXT, body: `${line}\n` };
    },
    '/cluster': async (req, query) => {
      const { ok, line, view: v } = await view.cluster();
      const status = ok ? 200 : 503;
      if (wantsJson(req, query)) return { status, contentType: JSON_TYPE, body: `${JSON.stringify(v)}\n` };
      return { status, contentType: TEXT, body: `${line}\n` };
    },
  };
}
