/**
 * Fake servers scoped to one test: a test file calls `serverPool()` once at the top, starts its
 * servers through the function it returns, and every one of them is closed after each test.
 */
import { afterEach } from 'vitest';
import { type FakeServer, type Script, startFakeServer } from './fake-server.js';

export type StartServer = (script: Script, host?: string) => Promise<FakeServer>;

export function serverPool(): StartServer {
  let open: FakeServer[] = [];
  afterEach(async () => {
    const closing = open;
    open = [];
    await Promise.all(closing.map((s) => s.close()));
  });
  return async (script, host) => {
    const server = await startFakeServer(script, host);
    open.push(server);
    return server;
  };
}
