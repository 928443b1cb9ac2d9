/**
 * The paths of serve --cluster: `/writer` (200 on exactly one node: the elected writer) and
 * `/cluster` (the cluster object of `galera-probe cluster --json`). Text is one line; JSON with
 * `?format=json` or `Accept: application/json`. Nothing of the request is echoed.
 */
import { jsonAnswer, type Route, textAnswer, wantsJson } from '../http/index.js';
import type { ClusterView } from './cluster-view.js';

export const CLUSTER_PATHS = ['/writer', '/cluster'] as const;

export function clusterRoutes(view: ClusterView): Record<(typeof CLUSTER_PATHS)[number], Route> {
  return {
    '/writer': async (req, query) => {
      const { ok, line, view: v } = await view.writer();
      const status = ok ? 200 : 503;
      return wantsJson(req, query)
        ? jsonAnswer(status, { writer: ok, reason: line, elected: v.writer, verdict: v.verdict })
        : textAnswer(status, line);
    },
    '/cluster': async (req, query) => {
      const { ok, line, view: v } = await view.cluster();
      const status = ok ? 200 : 503;
      return wantsJson(req, query) ? jsonAnswer(status, v) : textAnswer(status, line);
    },
  };
}
