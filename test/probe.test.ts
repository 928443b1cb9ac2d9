import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { probe, type ProbeOptions, type ProbeResult } from '../src/index.js';
import { Capability } from '../src/protocol/constants.js';
import { PacketWriter } from '../src/protocol/writer.js';
import {
  answerShow,
  type FakeServer,
  galeraNode,
  NON_PRIMARY_NODE,
  SERVER_CAPS,
  SYNCED_NODE,
  withState,
} from './support/fake-server.js';
import { serverPool } from './support/server-pool.js';
import { probeLeavingNothing } from './support/resources.js';

const LIMIT = 300;
/** Generous: the machine is shared and noisy. The lower bound is exact. */
const MARGIN = 250;
const PASSWORD = 'sup3r-secret-pw';

const serve = serverPool();

function options(server: FakeServer, extra: ProbeOptions = {}): ProbeOptions {
  return { host: server.host, port: server.port, user: 'probe', password: PASSWORD, timeout: 5000, ...extra };
}

/** Probes, then checks the fake server saw the connection close and no handle of ours survives. */
async function probeAndCheckCleanup(server: FakeServer, opts: ProbeOptions): Promise<ProbeResult> {
  return await probeLeavingNothing(server, opts, PASSWORD);
}

function expectTimeout(result: ProbeResult, phase: string, limit = LIMIT): void {
  expect(result).toMatchObject({
    outcome: 'timeout',
    phase,
    healthy: false,
    error: { code: 'TIMEOUT', limitMs: limit },
  });
  expect(result.timings.total).toBeGreaterThanOrEqual(limit);
  expect(result.timings.total).toBeLessThan(limit + MARGIN);
}

describe('a healthy Galera node', () => {
  for (const deprecateEof of [true, false]) {
    it(`is healthy, with its fields, and is left with COM_QUIT (DEPRECATE_EOF ${deprecateEof ? 'on' : 'off'})`, async () => {
      const server = await serve(galeraNode(SYNCED_NODE, { password: PASSWORD, deprecateEof }));
      const result = await probeAndCheckCleanup(server, options(server));
      expect(result).toMatchObject({
        target: server.target,
        healthy: true,
        outcome: 'healthy',
        reason: 'synced',
        node: {
          version: '10.11.18-MariaDB-fake',
          clusterStatus: 'Primary',
          localState: 4,
          localStateComment: 'Synced',
          ready: true,
          connected: true,
          desync: false,
          rejectQueries: 'NONE',
          readOnly: false,
          clusterSize: 3,
          localRecvQueue: 0,
          authPlugin: 'mysql_native_password',
          tls: false,
        },
      });
      expect(result.phase).toBeUndefined();
      expect(Object.keys(result.timings).sort()).toEqual(['auth', 'connect', 'greeting', 'query', 'total']);
      expect(server.connections).toHaveLength(1);
      expect(server.connections[0]!.quitReceived).toBe(true);
    });
  }

  it('names itself in the connection attributes', async () => {
    let attrs: Map<string, string> | undefined;
    const server = await serve(async (conn) => {
      conn.greeting();
      attrs = (await conn.readHandshakeResponse())?.attrs;
      conn.ok(2);
      await conn.serveCommands(() => ({ rows: [] }), true);
    });
    await probe(options(server, { check: 'alive' }));
    expect(attrs?.get('program_name')).toBe('galera-probe');
    expect(attrs?.get('_client_name')).toBe('galera-probe');
  });

  it('with check alive only pings', async () => {
    const queries: string[] = [];
    const server = await serve(async (conn) => {
      conn.greeting();
      await conn.readHandshakeResponse();
      conn.ok(2);
      await conn.serveCommands((sql) => (queries.push(sql), { rows: [] }), true);
    });
    const result = await probeAndCheckCleanup(server, options(server, { check: 'alive' }));
    expect(result).toMatchObject({ healthy: true, outcome: 'healthy', reason: 'alive' });
    expect(queries).toEqual([]);
  });

  it('over a unix socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-sock-'));
    const path = join(dir, 'mysqld.sock');
    try {
      const onSocket = await serve(galeraNode(SYNCED_NODE), path);
      const result = await probeAndCheckCleanup(onSocket, { socketPath: path, user: 'probe', timeout: 2000 });
      expect(result).toMatchObject({ target: path, healthy: true, outcome: 'healthy' });
      const missing = await probe({ socketPath: join(dir, 'nope.sock'), timeout: 2000 });
      expect(missing).toMatchObject({ outcome: 'unreachable', phase: 'connect', error: { code: 'ENOENT' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the two SHOW statements', () => {
  for (const deprecateEof of [true, false]) {
    it(`go out together, in one write, and their answers are read in order (DEPRECATE_EOF ${deprecateEof ? 'on' : 'off'})`, async () => {
      // A server that reads all three statements before it answers any: with one statement at
      // a time, the probe would wait for the first answer and time out in query.
      const server = await serve(async (conn) => {
        conn.greeting({ capabilities: deprecateEof ? SERVER_CAPS : SERVER_CAPS & ~Capability.DEPRECATE_EOF });
        const response = await conn.readHandshakeResponse();
        if (!response) return;
        conn.ok(response.sequenceId + 1);
        const packets = [await conn.readPacket(), await conn.readPacket(), await conn.readPacket()];
        const state = { ...SYNCED_NODE, members: [['u1', 'n1', '127.0.0.1:3311']] };
        for (const p of packets) {
          if (!p) return;
          expect(p.sequenceId).toBe(0);
          const reply = answerShow(state, p.payload.subarray(1).toString('utf8'));
          if (reply === 'silence' || 'errno' in reply) throw new Error('unexpected statement');
          conn.resultset(1, reply.columns ?? ['Variable_name', 'Value'], reply.rows, deprecateEof);
        }
        await conn.serveCommands(() => 'silence', deprecateEof);
      });
      const result = await probeAndCheckCleanup(server, options(server, { queryTimeout: LIMIT }));
      expect(result).toMatchObject({
        healthy: true,
        reason: 'synced',
        node: { clusterSize: 3, readOnly: false, members: [{ uuid: 'u1', name: 'n1', address: '127.0.0.1:3311' }] },
      });
      expect(server.connections[0]!.quitReceived).toBe(true);
    });
  }

  it('an error to the status statement decides the verdict; the answers after it are still read in order', async () => {
    // The status statement fails: 1047, as on a node that is not ready.
    const failing = await serve(async (conn) => {
      conn.greeting();
      const response = await conn.readHandshakeResponse();
      if (!response) return;
      conn.ok(response.sequenceId + 1);
      await conn.serveCommands(
        (sql) =>
          /STATUS/.test(sql)
            ? { errno: 1047, message: 'WSREP has not yet prepared node for application use' }
            : answerShow(SYNCED_NODE, sql),
        true,
      );
    });
    const result = await probeAndCheckCleanup(failing, options(failing));
    expect(result).toMatchObject({
      healthy: false,
      outcome: 'unhealthy',
      reason: 'not ready: WSREP has not yet prepared node for application use',
    });
  });
});

describe('verdicts from the node', () => {
  it('non-Primary is unhealthy and says so', async () => {
    const server = await serve(galeraNode(NON_PRIMARY_NODE));
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({
      healthy: false,
      outcome: 'unhealthy',
      reason: 'non-Primary',
      node: { clusterSize: 1 },
    });
    expect(server.connections[0]!.quitReceived).toBe(true);
  });

  it('a node without wsrep is not a Galera node', async () => {
    const server = await serve(galeraNode({ status: {}, variables: { read_only: 'OFF' } }, { version: '8.0.40' }));
    const result = await probe(options(server));
    expect(result).toMatchObject({
      healthy: false,
      outcome: 'unhealthy',
      reason: 'not a Galera node (no wsrep status)',
    });
  });

  it('donor is healthy only when allowed', async () => {
    const donor = withState(
      SYNCED_NODE,
      { wsrep_local_state: '2', wsrep_local_state_comment: 'Donor/Desynced' },
      { wsrep_desync: 'ON' },
    );
    const server = await serve(galeraNode(donor));
    expect(await probe(options(server))).toMatchObject({
      healthy: false,
      reason: 'not synced: Donor/Desynced (state 2)',
    });
    expect(await probe(options(server, { availableWhenDonor: true }))).toMatchObject({
      healthy: true,
      outcome: 'healthy',
    });
  });

  it('a query answered with ERR 1047 means not ready', async () => {
    const server = await serve(async (conn) => {
      conn.greeting();
      await conn.readHandshakeResponse();
      conn.ok(2);
      await conn.serveCommands(
        () => ({ errno: 1047, message: 'WSREP has not yet prepared node for application use' }),
        true,
      );
    });
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({
      healthy: false,
      outcome: 'unhealthy',
      reason: 'not ready: WSREP has not yet prepared node for application use',
    });
  });

  it('another query ERR is a server error in phase query', async () => {
    const server = await serve(async (conn) => {
      conn.greeting();
      await conn.readHandshakeResponse();
      conn.ok(2);
      await conn.serveCommands(() => ({ errno: 1227, message: 'Access denied; you need the PROCESS privilege' }), true);
    });
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({
      outcome: 'server-error',
      phase: 'query',
      error: { code: 'SERVER_ERROR', errno: 1227, sqlState: 'HY000' },
    });
  });
});

describe('deadlines: a server that', () => {
  it('never writes after accept times out in greeting', async () => {
    const server = await serve(() => {});
    expectTimeout(await probeAndCheckCleanup(server, options(server, { greetingTimeout: LIMIT })), 'greeting');
  });

  it('sends the greeting then goes silent times out in auth', async () => {
    const server = await serve((conn) => void conn.greeting());
    const result = await probeAndCheckCleanup(server, options(server, { authTimeout: LIMIT }));
    expectTimeout(result, 'auth');
    expect(result.node?.version).toBe('10.11.18-MariaDB-fake');
  });

  it('accepts auth then never answers the query times out in query', async () => {
    const server = await serve(async (conn) => {
      conn.greeting();
      await conn.readHandshakeResponse();
      conn.ok(2);
      await conn.serveCommands(() => 'silence', true);
    });
    expectTimeout(await probeAndCheckCleanup(server, options(server, { queryTimeout: LIMIT })), 'query');
  });

  it('trickles the greeting one byte at a time still times out at the phase limit', async () => {
    const server = await serve(async (conn) => {
      const greeting = new PacketWriter(128).u8(10).nulString('10.11.18-MariaDB').u32(1).zeros(80).finish(0);
      await conn.trickle(greeting, 20);
    });
    expectTimeout(await probeAndCheckCleanup(server, options(server, { greetingTimeout: LIMIT })), 'greeting');
  });

  it('trickles under the overall deadline: the overall deadline holds', async () => {
    const server = await serve(async (conn) => {
      conn.greeting();
      await conn.readHandshakeResponse();
      await conn.trickle(Buffer.from([7, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0]), 40);
    });
    const result = await probeAndCheckCleanup(server, options(server, { timeout: LIMIT }));
    expectTimeout(result, 'auth');
    expect(result.reason).toContain('overall deadline');
  });

  it('does not accept in time times out in connect', async () => {
    // A listener that never accepts, with its backlog full: further SYNs are dropped.
    const child: ChildProcess = spawn('python3', [
      '-c',
      'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(20)',
    ]);
    try {
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      const port = Number(line.toString().trim());
      const fillers = await Promise.all(
        [0, 1, 2].map(() => probe({ host: '127.0.0.1', port, connectTimeout: 150, greetingTimeout: 150 })),
      );
      expect(fillers.every((r) => !r.healthy)).toBe(true);
      const result = await probe({ host: '127.0.0.1', port, connectTimeout: LIMIT });
      expectTimeout(result, 'connect');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('with every phase ending at the overall deadline, one timer serves them all', async () => {
    const server = await serve(galeraNode(SYNCED_NODE, { password: PASSWORD }));
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      expect(await probeAndCheckCleanup(server, options(server))).toMatchObject({ healthy: true });
      // The deadline's timer (5 s away), then the close's (500 ms).
      expect(spy.mock.calls.filter(([, ms]) => (ms ?? 0) > 1000)).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('aborted by the caller ends at once with outcome aborted', async () => {
    const server = await serve(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await probeAndCheckCleanup(server, options(server, { signal: controller.signal }));
    expect(result).toMatchObject({ outcome: 'aborted', phase: 'greeting', error: { code: 'ABORTED' } });
    expect(result.timings.total).toBeLessThan(100 + MARGIN);
    expect(await probe(options(server, { signal: AbortSignal.abort() }))).toMatchObject({
      outcome: 'aborted',
      phase: 'connect',
    });
  });
});

describe('broken servers', () => {
  it('refusing is unreachable in connect', async () => {
    const probeServer = createServer();
    probeServer.listen(0, '127.0.0.1');
    await once(probeServer, 'listening');
    const port = (probeServer.address() as { port: number }).port;
    await new Promise<void>((resolve) => probeServer.close(() => resolve()));
    const result = await probe({ host: '127.0.0.1', port });
    expect(result).toMatchObject({
      outcome: 'unreachable',
      phase: 'connect',
      reason: 'connection refused',
      error: { code: 'ECONNREFUSED' },
    });
  });

  it('resetting is unreachable in greeting', async () => {
    const server = await serve(async (conn) => {
      // After the client has surely seen the connection established.
      await new Promise((resolve) => setTimeout(resolve, 30));
      conn.socket.resetAndDestroy();
    });
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({ outcome: 'unreachable', phase: 'greeting', error: { code: 'ECONNRESET' } });
  });

  it('closing mid-packet is unreachable and says so', async () => {
    const server = await serve((conn) => {
      conn.write(Buffer.from([60, 0, 0, 0, 10, 0x35, 0x2e]));
      conn.socket.end();
    });
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({ outcome: 'unreachable', phase: 'greeting', error: { code: 'CONNECTION_CLOSED' } });
    expect(result.reason).toBe('the server closed the connection in the middle of a packet during greeting');
  });

  for (const [errno, message] of [
    [1040, 'Too many connections'],
    [1129, "Host '127.0.0.1' is blocked because of many connection errors"],
  ] as const) {
    it(`sending ERR ${errno} first is a server error in greeting`, async () => {
      const server = await serve((conn) => {
        conn.err(0, errno, message, undefined);
        conn.socket.end();
      });
      const result = await probeAndCheckCleanup(server, options(server));
      expect(result).toMatchObject({
        outcome: 'server-error',
        phase: 'greeting',
        error: { code: 'SERVER_ERROR', errno, message },
      });
    });
  }

  it('claiming an oversized packet is a protocol error at once', async () => {
    const server = await serve((conn) => conn.write(Buffer.from([0xff, 0xff, 0x7f, 0])));
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({ outcome: 'protocol-error', phase: 'greeting', error: { code: 'PACKET_TOO_LARGE' } });
    expect(result.timings.total).toBeLessThan(MARGIN);
  });

  it('speaking another protocol (an SSH banner) is a protocol error', async () => {
    const server = await serve((conn) => conn.write(Buffer.from('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n')));
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({ outcome: 'protocol-error', phase: 'greeting' });
  });

  it('protocol version 9 is refused', async () => {
    const server = await serve((conn) => void conn.greeting({ protocolVersion: 9 }));
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({
      outcome: 'protocol-error',
      phase: 'greeting',
      error: { code: 'UNSUPPORTED_PROTOCOL' },
    });
  });

  it('a truncated greeting is a protocol error naming the field', async () => {
    const server = await serve((conn) => conn.send(Buffer.from([10, 0x35, 0x00, 1, 0]), 0));
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({ outcome: 'protocol-error', phase: 'greeting', error: { code: 'MALFORMED_PACKET' } });
    expect(result.reason).toContain('connection id');
  });

  it('a packet out of sequence is a protocol error', async () => {
    const server = await serve(async (conn) => {
      conn.greeting();
      await conn.readHandshakeResponse();
      conn.ok(5);
    });
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({ outcome: 'protocol-error', phase: 'auth', error: { code: 'PACKET_OUT_OF_ORDER' } });
  });

  it('a malformed row is a protocol error, not an exception', async () => {
    const server = await serve(async (conn) => {
      conn.greeting();
      await conn.readHandshakeResponse();
      conn.ok(2);
      await conn.readPacket();
      conn.send(Buffer.from([2]), 1);
      conn.send(Buffer.from([0xfc, 0xff]), 2);
    });
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({ outcome: 'protocol-error', phase: 'query' });
  });
});

describe('authentication', () => {
  it('a wrong password is access denied with the server error', async () => {
    const server = await serve(galeraNode(SYNCED_NODE, { password: 'the-right-one' }));
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({
      outcome: 'access-denied',
      phase: 'auth',
      error: { code: 'ACCESS_DENIED', errno: 1045, sqlState: '28000' },
    });
  });

  it('an empty password sends an empty auth response', async () => {
    let response: Buffer | undefined;
    const server = await serve(async (conn) => {
      conn.greeting();
      response = (await conn.readHandshakeResponse())?.authResponse;
      conn.ok(2);
      await conn.serveCommands(() => ({ rows: [] }), true);
    });
    await probe(options(server, { password: '', check: 'alive' }));
    expect(response).toEqual(Buffer.alloc(0));
  });

  it('follows one switch to mysql_native_password with a new nonce', async () => {
    const server = await serve(async (conn) => {
      conn.greeting({ plugin: 'caching_sha2_password' });
      await conn.readHandshakeResponse();
      const nonce = Buffer.alloc(20, 7);
      conn.send(
        Buffer.concat([Buffer.from([0xfe]), Buffer.from('mysql_native_password\0'), nonce, Buffer.from([0])]),
        2,
      );
      const answer = await conn.readPacket();
      const { nativePasswordScramble } = await import('../src/protocol/auth/native.js');
      if (answer?.sequenceId === 3 && answer.payload.equals(nativePasswordScramble(Buffer.from(PASSWORD), nonce)))
        conn.ok(4);
      else conn.err(4, 1045, 'Access denied');
      await conn.serveCommands(() => ({ rows: [] }), true);
    });
    const result = await probeAndCheckCleanup(server, options(server, { check: 'alive' }));
    expect(result).toMatchObject({ healthy: true, node: { authPlugin: 'mysql_native_password' } });
  });

  it('a switch to an unsupported plugin ends at once naming the plugin', async () => {
    const server = await serve(async (conn) => {
      conn.greeting();
      await conn.readHandshakeResponse();
      conn.send(Buffer.from('\xfeauth_gssapi_client\0data\0', 'latin1'), 2);
      await conn.readPacket();
    });
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({ outcome: 'access-denied', phase: 'auth', error: { code: 'AUTH_UNSUPPORTED' } });
    expect(result.reason).toContain('auth_gssapi_client');
  });

  it('a second switch is refused', async () => {
    const server = await serve(async (conn) => {
      conn.greeting();
      await conn.readHandshakeResponse();
      conn.send(Buffer.from('\xfemysql_native_password\0aaaaaaaaaaaaaaaaaaaa\0', 'latin1'), 2);
      await conn.readPacket();
      conn.send(Buffer.from('\xfemysql_native_password\0bbbbbbbbbbbbbbbbbbbb\0', 'latin1'), 4);
      await conn.readPacket();
    });
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({ outcome: 'protocol-error', phase: 'auth', error: { code: 'UNEXPECTED_PACKET' } });
  });

  it('a server without PLUGIN_AUTH still works with native scrambles', async () => {
    const server = await serve(async (conn) => {
      conn.greeting({
        capabilities: SERVER_CAPS & ~Capability.PLUGIN_AUTH & ~Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA,
      });
      const response = await conn.readHandshakeResponse();
      if (response && response.authResponse.length === 20) conn.ok(2);
      else conn.err(2, 1045, 'bad');
      await conn.serveCommands(() => ({ rows: [] }), true);
    });
    expect(await probe(options(server, { check: 'alive' }))).toMatchObject({ healthy: true });
  });
});

describe('options', () => {
  it('rejects invalid options with the option name', async () => {
    await expect(probe({ port: 0 })).rejects.toThrow(/option port/);
    await expect(probe({ timeout: -1 })).rejects.toThrow(/option timeout/);
    await expect(probe({ queryTimeout: Number.NaN })).rejects.toThrow(/option queryTimeout/);
    // @ts-expect-error: checking the run-time validation of a bad value
    await expect(probe({ check: 'nope' })).rejects.toThrow(/option check/);
    await expect(probe({ sslCa: '/nonexistent/ca.pem' })).rejects.toThrow(/option sslCa/);
    await expect(probe({ expectSize: 0 })).rejects.toThrow(/option expectSize/);
    await expect(probe({ maxRecvQueue: -1 })).rejects.toThrow(/option maxRecvQueue/);
  });
});

describe('the members of the Primary component', () => {
  const MEMBERS = [
    ['u1', 'node1', '127.0.0.1:3311'],
    ['u2', 'node2', '127.0.0.1:3312'],
  ];

  it('are read in the same round trip and reported', async () => {
    const server = await serve(galeraNode({ ...SYNCED_NODE, members: MEMBERS }));
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result.healthy).toBe(true);
    expect(result.node?.members).toEqual([
      { uuid: 'u1', name: 'node1', address: '127.0.0.1:3311' },
      { uuid: 'u2', name: 'node2', address: '127.0.0.1:3312' },
    ]);
    expect(result.node).not.toHaveProperty('membersUnavailable');
  });

  it.each([
    [
      'a user without SELECT on the table',
      {
        errno: 1142,
        message: "SELECT command denied to user 'p'@'localhost' for table `mysql`.`wsrep_cluster_members`",
      },
      '1142 SELECT',
    ],
    ['a server without the table (Galera 3)', undefined, '1146 Table'],
  ])('%s: the probe still succeeds, without members, saying why', async (_, members, why) => {
    // withState keeps no members: the table is missing.
    const server = await serve(galeraNode(members ? { ...SYNCED_NODE, members } : withState(SYNCED_NODE, {})));
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({ healthy: true, outcome: 'healthy' });
    expect(result.node).not.toHaveProperty('members');
    expect(result.node?.membersUnavailable).toMatch(new RegExp(`^${why}`));
  });

  it('a non-Primary node answers the SELECT with 1047: unhealthy for being non-Primary, not a server error', async () => {
    const server = await serve(galeraNode(NON_PRIMARY_NODE));
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({ healthy: false, outcome: 'unhealthy', reason: 'non-Primary' });
    expect(result.node?.membersUnavailable).toMatch(/^1047 /);
  });

  it('more rows than any cluster has is a protocol error, not a list kept in memory', async () => {
    const many = Array.from({ length: 300 }, (_, i) => [`u${i}`, `n${i}`, `127.0.0.1:${1000 + i}`]);
    const server = await serve(galeraNode({ ...SYNCED_NODE, members: many }));
    const result = await probeAndCheckCleanup(server, options(server));
    expect(result).toMatchObject({ healthy: false, outcome: 'protocol-error', phase: 'query' });
    expect(result.reason).toMatch(/wsrep_cluster_members holds 300 rows/);
  });

  it('--expect-size refuses the node of a minority component; --max-recv-queue a lagging one', async () => {
    const alone = await serve(
      galeraNode({ ...SYNCED_NODE, status: { ...SYNCED_NODE.status, wsrep_cluster_size: '1' } }),
    );
    expect(await probeAndCheckCleanup(alone, options(alone, { expectSize: 3 }))).toMatchObject({
      healthy: false,
      outcome: 'unhealthy',
      reason: 'minority component: 1 of 3 nodes',
    });
    const lagging = await serve(
      galeraNode({ ...SYNCED_NODE, status: { ...SYNCED_NODE.status, wsrep_local_recv_queue: '120' } }),
    );
    expect(await probeAndCheckCleanup(lagging, options(lagging, { maxRecvQueue: 100 }))).toMatchObject({
      healthy: false,
      reason: 'lagging: recv queue 120 > 100',
    });
  });
});
