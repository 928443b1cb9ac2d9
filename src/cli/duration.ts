import { UsageError } from './usage.js';

/** `500ms`, `2s`, `1.5s` or a bare number of seconds, to milliseconds; undefined when malformed or not positive. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s)?\s*$/.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]) * (m[2] === 'ms' ? 1 : 1000);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * A duration option that may also be 0 (`0`, `0s`, `0ms`), in ms: `fallback` when not given; a
 * usage error naming `examples` when malformed or over `maxMs`.
 */
export function durationOption(
  values: Readonly<Record<string, unknown>>,
  name: string,
  fallback: number,
  maxMs: number,
  examples: string,
): number {
  const text = values[name];
  if (typeof text !== 'string') return fallback;
  const ms = /^\s*0+(\.0+)?\s*(ms|s)?\s*$/.test(text) ? 0 : parseDuration(text);
  if (ms === undefined || ms > maxMs)
    throw new UsageError(`--${name}: expected a duration such as ${examples}, got ${JSON.stringify(text)}`);
  return ms;
}
