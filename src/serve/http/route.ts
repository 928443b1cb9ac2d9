/**
 * What a path answers: the route type every feature's paths share, and the small answers they
 * build (one line of text, or JSON). Nothing of a request is echoed back in any of them.
 */
import type { IncomingMessage } from 'node:http';

export interface RouteAnswer {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

export type Route = (req: IncomingMessage, query: string) => RouteAnswer | Promise<RouteAnswer>;

/**
 * Decides before any route runs: a refusal (401, 403, 429) or undefined to go on; at once, or
 * once a worker thread has checked a password.
 */
export type Guard = (req: IncomingMessage, path: string) => RouteAnswer | undefined | Promise<RouteAnswer | undefined>;

export const TEXT_TYPE = 'text/plain; charset=utf-8';
export const JSON_TYPE = 'application/json';
/** Prometheus text exposition format 0.0.4. */
export const PROM_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** One line of text. */
export function textAnswer(status: number, line: string, headers?: Record<string, string>): RouteAnswer {
  return { status, contentType: TEXT_TYPE, body: `${line}\n`, ...(headers ? { headers } : {}) };
}

/** A JSON document on one line. */
export function jsonAnswer(status: number, value: unknown): RouteAnswer {
  return { status, contentType: JSON_TYPE, body: `${JSON.stringify(value)}\n` };
}

/** JSON when asked for with `?format=json` or `Accept: application/json`; text otherwise. */
export function wantsJson(req: IncomingMessage, query: string): boolean {
  if (new URLSearchParams(query).get('format') === 'json') return true;
  const accept = req.headers.accept;
  return typeof accept === 'string' && /(^|,)\s*application\/json\s*(;|,|$)/i.test(accept);
}
