/**
 * Servers that stall in each phase of a probe, on loopback, for the deadline and leak
 * benchmarks (built on the test suite's scripted server):
 *
 *   connect   a listener that never accepts, its backlog full: further SYNs are dropped
 *   tls       greets offering TLS, then never answers the TLS handshake
 *   greeting  accepts, never writes
 *   auth      greets, then never answers the login
 *   query     greets, accepts the login, then never answers the query
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { probe } from '../src/probe/probe.js';
import type { Phase } from '../src/probe/types.js';
import { Capability } from '../src/protocol/constants.js';
import { type FakeServer, SERVER_CAPS, startFakeServer } from '../test/support/fake-server.js';

export const STALL_PHASES: readonly Phase[] = ['connect', 'tls', 'greeting', 'auth', 'query'];

export interface Stall {
  phase: Phase;
  host: string;
  port: number;
  close(): Promise<void>;
}

async function fake(phase: Phase, server: FakeServer): Promise<Stall> {
  return { phase, host: server.host, port: server.port, close: () => server.close() };
}

export async function startStall(phase: Phase): Promise<Stall> {
  switch (phase) {
    case 'greeting':
      return fake(phase, await startFakeServer(() => {}));
    case 'tls':
      return fake(
        phase,
        await startFakeServer((conn) => void conn.greeting({ capabilities: SERVER_CAPS | Capability.SSL })),
      );
    case 'auth':
      return fake(phase, await startFakeServer((conn) => void conn.greeting()));
    case 'query':
      return fake(
        phase,
        await startFakeServer(async (conn) => {
          conn.greeting();
          const response = await conn.readHandshakeResponse();
          if (response) conn.ok(response.sequenceId + 1);
        }),
      );
    case 'connect':
      return await backlogFull();
  }
}

/** A python3 listener with `listen(0)` that never accepts; filled by a few probes first. */
async function backlogFull(): Promise<Stall> {
  const child: ChildProcess = spawn(
    'python3',
    [
      '-c',
      'import socket,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(3600)',
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = Number(line.toString().trim());
  // These complete the handshake into the accept queue (never accepted) and fill it.
  await Promise.all(
    [0, 1, 2].map(() =>
      probe({ host: '127.0.0.1', port, connectTimeout: 150, greetingTimeout: 150, sslMode: 'DISABLED' }),
    ),
  );
  return {
    phase: 'connect',
    host: '127.0.0.1',
    port,
    close: async () => {
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    },
  };
}

/** Probe options that make a stall of `phase` end in that phase at `limitMs`. */
export function stallOptions(stall: Stall, limitMs: number, overallMs = 10_000): Parameters<typeof probe>[0] {
  const key = {
    connect: 'connectTimeout',
    tls: 'tlsTimeout',
    greeting: 'greetingTimeout',
    auth: 'authTimeout',
    query: 'queryTimeout',
  } as const;
  return {
    host: stall.host,
    port: stall.port,
    user: 'bench',
    timeout: overallMs,
    [key[stall.phase]]: limitMs,
    sslMode: stall.phase === 'tls' ? 'REQUIRED' : 'DISABLED',
  };
}

export interface StallProcess {
  stalls: Stall[];
  close(): Promise<void>;
}

/**
 * The five stalling servers in a child process of their own, so that what they keep (the
 * scripted server remembers every connection) does not count against the probing process.
 */
export async function startStallProcess(): Promise<StallProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./stall-server.ts', import.meta.url).pathname], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8');
  while (!out.includes('\n')) {
    const [chunk] = (await Promise.race([
      once(child.stdout!, 'data'),
      once(child, 'exit').then(() => [undefined]),
    ])) as [string | undefined];
    if (chunk === undefined) throw new Error('bench/stall-server.ts exited before it was ready');
    out += chunk;
  }
  const ports = JSON.parse(out) as Record<string, number>;
  const exited = once(child, 'exit');
  return {
    stalls: STALL_PHASES.map((phase) => ({ phase, host: '127.0.0.1', port: ports[phase]!, close: async () => {} })),
    close: async () => {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
