import { expect } from 'vitest';
import { probe, type ProbeOptions, type ProbeResult } from '../../src/index.js';
/** Counts of live handles by kind, to check a probe left nothing behind. */
export function handleCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Waits a few turns of the event loop for closes to be reported. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Probes, then checks the server saw the connection close, no timer or socket handle of the
 * probe survives, and `secret` (the password) is nowhere in the result.
 */
export async function probeLeavingNothing(
  server: { allClosed(): Promise<void> },
  opts: ProbeOptions,
  secret?: string,
): Promise<ProbeResult> {
  const before = handleCounts();
  const result = await probe(opts);
  await server.allClosed();
  await settle();
  const after = handleCounts();
  expect(after['Timeout'] ?? 0).toBeLessThanOrEqual(before['Timeout'] ?? 0);
  expect(after['TCPSocketWrap'] ?? 0).toBeLessThanOrEqual(before['TCPSocketWrap'] ?? 0);
  if (secret !== undefined) expect(JSON.stringify(result)).not.toContain(secret);
  return result;
}
