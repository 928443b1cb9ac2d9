/**
 * Interoperability with a MySQL-protocol server nobody here wrote: mysql2's server side
 * (`mysql2.createServer()`, a dev dependency used by this suite only). Each scenario is played
 * by a mysql2 server and by our scripted fake server from the same answers, and the probe must
 * reach the same verdict against both, with the outcome, the phase, and no socket left; the
 * plain Galera states are also held to the verdict of the other suites' galeraNode().
 *
 * mysql2's server keeps counting sequence ids across commands (it answers the first command
 * after the login at 4, not at 1), which is what the probe's rule for answers is about
 * (src/protocol/channel.ts); the scenarios check that it really does.
 */
import { once } from 'node:events';
import type { Server as NetServer, Socket } from 'node:net';
import { createServer } from 'mysql2';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { probe, type ProbeOptions, type ProbeResult } from '../../src/index.js';
import { nativePasswordScramble } from '../../src/protocol/auth/native.js';
import { Capability, Command } from '../../src/protocol/constants.js';
import {
  type FakeConnection,
  type GaleraNodeState,
  galeraNode,
  NON_PRIMARY_NODE,
  SERVER_CAPS,
  SYNCED_NODE,
  withState,
} from '../support/fake-server.js';
import { probeLeavingNothing } from '../support/resources.js';
import { serverPool } from '../support/server-pool.js';

const PASSWORD = 'interop-secret-pw';
/** mysql2's server writes EOF packets, never the OK terminator: it must not offer DEPRECATE_EOF. */
const CAPABILITIES = SERVER_CAPS & ~Capability.DEPRECATE_EOF;

/** What a scripted node answers to one statement. */
type Answer =
  | { kind: 'rows'; rows: [string, string][] }
  | { kind: 'error'; errno: number; message: string }
  /** The column count, then the server closes: a close in the middle of the answer. */
  | { kind: 'close' };

type Responder = (sql: string) => Answer;

const DONOR_NODE = withState(SYNCED_NODE, { wsrep_local_state: '2', wsrep_local_state_comment: 'Donor/Desynced' });

/**
 * A Galera node answering by statement, not by position, so the suite keeps working when the
 * probe's pipeline grows: SHOW GLOBAL STATUS / VARIABLES give the rows it has of the names asked
 * for; a statement on a table gives ERR 1146 as on a server without that table; anything else
 * ERR 1064.
 */
function galeraResponder(
  state: GaleraNodeState,
  override: (sql: string) => Answer | undefined = () => undefined,
): Responder {
  return (sql) => {
    const special = override(sql);
    if (special) return special;
    const wanted = new Set([...sql.matchAll(/'([A-Za-z0-9_]+)'/g)].map((m) => m[1]));
    const source = /^SHOW GLOBAL STATUS\b/i.test(sql)
      ? state.status
      : /^SHOW GLOBAL VARIABLES\b/i.test(sql)
        ? state.variables
        : undefined;
    if (source) return { kind: 'rows', rows: Object.entries(source).filter(([name]) => wanted.has(name)) };
    const table = /\bFROM\s+([A-Za-z0-9_.`]+)/i.exec(sql)?.[1]?.replaceAll('`', '');
    if (table) return { kind: 'error', errno: 1146, message: `Table '${table}' doesn't exist` };
    return { kind: 'error', errno: 1064, message: 'You have an error in your SQL syntax' };
  };
}

/** One server's side of the runs: what it saw, and a promise for every connection's close. */
interface Played {
  readonly host: string;
  readonly port: number;
  readonly statements: string[];
  /** Sequence id of the first packet of each answer, in order (the mysql2 server only). */
  readonly answerIds: number[];
  quits: number;
  allClosed(): Promise<void>;
}

/** The server side of a mysql2 connection: methods mysql2 has but does not declare. */
interface Mysql2ServerConnection {
  serverHandshake(args: {
    protocolVersion: number;
    serverVersion: string;
    connectionId: number;
    statusFlags: number;
    characterSet: number;
    capabilityFlags: number;
    authCallback?: (
      params: { user: string; authPluginData1: Buffer; authPluginData2: Buffer; authToken: Buffer },
      callback: (err: Error | null, mysqlError?: { message: string; code: number }) => void,
    ) => void;
  }): void;
  on(event: 'query', listener: (sql: string) => void): void;
  on(event: 'quit' | 'end', listener: () => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  writeTextResult(rows: Record<string, string>[], columns: Mysql2Column[]): void;
  writeColumns(columns: Mysql2Column[]): void;
  writeError(args: { code: number; message: string }): void;
  writePacket(packet: unknown): void;
  sequenceId: number;
  stream: Socket;
}

interface Mysql2Column {
  catalog: string;
  schema: string;
  table: string;
  orgTable: string;
  name: string;
  orgName: string;
  characterSet: number;
  columnLength: number;
  columnType: number;
  flags: number;
  decimals: number;
}

function column(name: string): Mysql2Column {
  // 253: VAR_STRING, character set 45: utf8mb4, as SHOW answers.
  return {
    catalog: 'def',
    schema: '',
    table: '',
    orgTable: '',
    name,
    orgName: name,
    characterSet: 45,
    columnLength: 1024,
    columnType: 253,
    flags: 0,
    decimals: 0,
  };
}
const COLUMNS = [column('Variable_name'), column('Value')];

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

/** mysql2's server on a free loopback port, answering with `respond`. */
async function mysql2Node(respond: Responder): Promise<Played> {
  const closed: Promise<void>[] = [];
  const sockets = new Set<Socket>();
  const seen = { statements: [] as string[], answerIds: [] as number[], quits: 0 };
  const server = createServer((c) => {
    const conn = c as unknown as Mysql2ServerConnection;
    const socket = conn.stream;
    sockets.add(socket);
    closed.push(new Promise((resolve) => socket.once('close', () => (sockets.delete(socket), resolve()))));
    // Without a listener, mysql2 throws its 'Connection lost' error when the client goes.
    conn.on('error', () => {});
    let loggedIn = false;
    let answerStarts = false;
    const write = conn.writePacket.bind(conn);
    conn.writePacket = (packet) => {
      if (answerStarts) seen.answerIds.push(conn.sequenceId);
      answerStarts = false;
      write(packet);
    };
    conn.serverHandshake({
      protocolVersion: 10,
      serverVersion: '10.11.99-mysql2-scripted',
      connectionId: 7,
      statusFlags: 0x0002,
      characterSet: 45,
      capabilityFlags: CAPABILITIES,
      authCallback: ({ authPluginData1, authPluginData2, authToken }, callback) => {
        const expected = nativePasswordScramble(
          Buffer.from(PASSWORD),
          Buffer.concat([authPluginData1, authPluginData2]),
        );
        if (!expected.equals(authToken)) {
          callback(null, { code: 1045, message: "Access denied for user 'probe'@'localhost' (using password: YES)" });
          return;
        }
        loggedIn = true;
        callback(null);
      },
    });
    // COM_PING needs no listener: mysql2 answers OK. Mark where its answer starts.
    socket.prependListener('data', (chunk: Buffer) => {
      if (loggedIn && chunk.length > 4 && chunk[4] === Command.PING) answerStarts = true;
    });
    conn.on('quit', () => {
      seen.quits++;
      socket.end();
    });
    conn.on('query', (sql) => {
      seen.statements.push(sql);
      answerStarts = true;
      const answer = respond(sql);
      if (answer.kind === 'rows') {
        conn.writeTextResult(
          answer.rows.map(([name, value]) => ({ Variable_name: name, Value: value })),
          COLUMNS,
        );
      } else if (answer.kind === 'error') {
        conn.writeError({ code: answer.errno, message: answer.message });
      } else {
        conn.writeColumns(COLUMNS);
        socket.end();
      }
    });
  });
  // mysql2's Server wraps a net.Server (`_server`) and has no address(): listen on it directly,
  // on a port the system chooses.
  const inner = (server as unknown as { _server: NetServer })._server;
  inner.listen(0, '127.0.0.1');
  await once(inner, 'listening');
  stops.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => inner.close(resolve));
  });
  return Object.assign(seen, {
    host: '127.0.0.1',
    port: (inner.address() as { port: number }).port,
    allClosed: async () => void (await Promise.all(closed)),
  });
}

const serve = serverPool();

/** Our scripted fake server answering the same way, each answer at sequence id 1. */
async function fakeNode(respond: Responder): Promise<Played> {
  const seen = { statements: [] as string[], answerIds: [] as number[], quits: 0 };
  const server = await serve(async (conn: FakeConnection) => {
    const nonce = conn.greeting({ capabilities: CAPABILITIES });
    const response = await conn.readHandshakeResponse();
    if (!response) return;
    if (!nativePasswordScramble(Buffer.from(PASSWORD), nonce).equals(response.authResponse)) {
      conn.err(
        response.sequenceId + 1,
        1045,
        "Access denied for user 'probe'@'localhost' (using password: YES)",
        '28000',
      );
      conn.socket.end();
      return;
    }
    conn.ok(response.sequenceId + 1);
    for (;;) {
      const p = await conn.readPacket();
      if (!p) return;
      if (p.payload[0] === Command.QUIT) {
        seen.quits++;
        conn.socket.end();
        return;
      }
      if (p.payload[0] === Command.PING) {
        conn.ok(1);
        continue;
      }
      const sql = p.payload.subarray(1).toString('utf8');
      seen.statements.push(sql);
      const answer = respond(sql);
      if (answer.kind === 'rows') conn.resultset(1, ['Variable_name', 'Value'], answer.rows, false);
      else if (answer.kind === 'error') conn.err(1, answer.errno, answer.message);
      else {
        conn.send(Buffer.from([COLUMNS.length]), 1);
        conn.socket.end();
        return;
      }
    }
  });
  return Object.assign(seen, { host: server.host, port: server.port, allClosed: () => server.allClosed() });
}

/** Probes, then checks the server saw the connection close and no socket or timer of ours survives. */
async function probeAndCheckCleanup(node: Played, extra: ProbeOptions): Promise<ProbeResult> {
  return await probeLeavingNothing(
    node,
    { host: node.host, port: node.port, user: 'probe', password: PASSWORD, timeout: 5000, ...extra },
    PASSWORD,
  );
}

/** What must agree between the two servers. */
function verdictOf(r: ProbeResult): unknown {
  return {
    healthy: r.healthy,
    outcome: r.outcome,
    phase: r.phase,
    reason: r.reason,
    code: r.error?.code,
    errno: r.error?.errno,
    galera: r.node && {
      clusterStatus: r.node.clusterStatus,
      localState: r.node.localState,
      localStateComment: r.node.localStateComment,
      ready: r.node.ready,
      clusterSize: r.node.clusterSize,
    },
  };
}

// mysql2's server prints a warning on stderr for every command it receives at id 0 (it expected
// its own running count): keep those out of the test output, and count them.
let outOfOrderWarnings = 0;
beforeEach(() => {
  outOfOrderWarnings = 0;
  const original = console.error;
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('Warning: got packets out of order')) outOfOrderWarnings++;
    else original(...args);
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

interface Scenario {
  name: string;
  respond: Responder;
  options?: ProbeOptions;
  expected: { outcome: string; phase?: string; reason?: string | RegExp; errno?: number };
  /** The probe reads an answer (so mysql2's running count shows in it). */
  answers: boolean;
  /** A plain Galera state: also compared with the suites' standard fake node, galeraNode(state). */
  state?: GaleraNodeState;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'a synced node',
    respond: galeraResponder(SYNCED_NODE),
    state: SYNCED_NODE,
    expected: { outcome: 'healthy', reason: 'synced' },
    answers: true,
  },
  {
    name: 'a non-Primary node',
    respond: galeraResponder(NON_PRIMARY_NODE),
    state: NON_PRIMARY_NODE,
    expected: { outcome: 'unhealthy', reason: 'non-Primary' },
    answers: true,
  },
  {
    name: 'a donor node',
    respond: galeraResponder(DONOR_NODE),
    state: DONOR_NODE,
    expected: { outcome: 'unhealthy', reason: 'not synced: Donor/Desynced (state 2)' },
    answers: true,
  },
  {
    name: 'a donor node, with availableWhenDonor',
    respond: galeraResponder(DONOR_NODE),
    state: DONOR_NODE,
    options: { availableWhenDonor: true },
    expected: { outcome: 'healthy', reason: 'donor: Donor/Desynced, available when donor' },
    answers: true,
  },
  {
    name: 'ping (check alive)',
    respond: galeraResponder(SYNCED_NODE),
    state: SYNCED_NODE,
    options: { check: 'alive' },
    expected: { outcome: 'healthy', reason: 'alive' },
    answers: true,
  },
  {
    name: 'ERR 1047 to SHOW GLOBAL STATUS (a node not ready)',
    respond: galeraResponder(SYNCED_NODE, (sql) =>
      /^SHOW GLOBAL STATUS/i.test(sql)
        ? { kind: 'error', errno: 1047, message: 'WSREP has not yet prepared node for application use' }
        : undefined,
    ),
    expected: { outcome: 'unhealthy', reason: 'not ready: WSREP has not yet prepared node for application use' },
    answers: true,
  },
  {
    name: 'ERR 1227 to SHOW GLOBAL VARIABLES',
    respond: galeraResponder(SYNCED_NODE, (sql) =>
      /^SHOW GLOBAL VARIABLES/i.test(sql)
        ? { kind: 'error', errno: 1227, message: 'Access denied; you need the PROCESS privilege' }
        : undefined,
    ),
    expected: { outcome: 'server-error', phase: 'query', errno: 1227 },
    answers: true,
  },
  {
    name: 'a close in the middle of the answer to SHOW GLOBAL STATUS',
    respond: galeraResponder(SYNCED_NODE, (sql) => (/^SHOW GLOBAL STATUS/i.test(sql) ? { kind: 'close' } : undefined)),
    expected: { outcome: 'unreachable', phase: 'query' },
    answers: true,
  },
  {
    name: 'a wrong password',
    respond: galeraResponder(SYNCED_NODE),
    options: { password: 'not-the-password' },
    expected: { outcome: 'access-denied', phase: 'auth', errno: 1045 },
    answers: false,
  },
];

describe("mysql2's server, scripted as Galera nodes: the same verdicts as our fake nodes", () => {
  for (const s of SCENARIOS) {
    it(s.name, async () => {
      const results: ProbeResult[] = [];
      for (const start of [mysql2Node, fakeNode]) {
        const node = await start(s.respond);
        const result = await probeAndCheckCleanup(node, s.options ?? {});
        const label = `${start === mysql2Node ? 'mysql2' : 'fake'} server: ${result.outcome} ${result.phase ?? ''} ${result.reason}`;
        expect(result, label).toMatchObject({ outcome: s.expected.outcome, healthy: s.expected.outcome === 'healthy' });
        expect(result.phase, label).toBe(s.expected.phase);
        if (typeof s.expected.reason === 'string') expect(result.reason, label).toBe(s.expected.reason);
        if (s.expected.errno !== undefined) expect(result.error?.errno, label).toBe(s.expected.errno);
        if (s.expected.outcome === 'healthy' || s.expected.outcome === 'unhealthy') expect(node.quits, label).toBe(1);
        if (s.options?.check !== 'alive' && s.answers) {
          // The statements are answered by what they ask, whatever else the pipeline holds.
          expect(
            node.statements.some((sql) => /^SHOW GLOBAL STATUS/i.test(sql)),
            label,
          ).toBe(true);
        }
        if (start === mysql2Node && s.answers) {
          // The point of the suite: mysql2 answered at its running count, not at 1, and
          // complained that our commands start at 0.
          expect(node.answerIds.length, label).toBeGreaterThan(0);
          expect(node.answerIds[0], label).toBe(4);
          expect(outOfOrderWarnings, label).toBeGreaterThan(0);
        }
        results.push(result);
      }
      expect(verdictOf(results[0]!)).toEqual(verdictOf(results[1]!));
      if (s.state) {
        const standard = await serve(galeraNode(s.state, { password: PASSWORD }));
        const result = await probe({
          host: standard.host,
          port: standard.port,
          user: 'probe',
          password: PASSWORD,
          timeout: 5000,
          ...s.options,
        });
        expect(verdictOf(result), 'galeraNode').toEqual(verdictOf(results[0]!));
      }
    });
  }
});
