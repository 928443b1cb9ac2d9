/** `500ms`, `2s`, `1.5s` or a bare number of seconds, to milliseconds; undefined when malformed or not positive. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s)?\s*$/.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]) * (m[2] === 'ms' ? 1 : 1000);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}
