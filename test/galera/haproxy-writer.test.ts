/**
 * One writer, end to end: three `galera-probe serve --cluster` (one per node, the same list)
 * behind a real HAProxy with a read backend (/health) and a write backend (/writer). A sampler
 * reads HAProxy's stats socket every 100 ms the whole time and records how many write servers
 * are UP: never more than one. Writes sent through HAProxy land on the writer only; a desynced
 * writer hands over to the next node and gets it back; a session held open on the old writer is
 * cut when HAProxy marks it DOWN (`on-marked-down shutdown-sessions`, the server options taken
 * from examples/haproxy-writer.cfg) and the next one lands on the new writer; a real split
 * brain puts node 3 DOWN in both backends while the writer stays on the majority side; healed,
 * all is as before.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { createConnection, type Connection } from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closedPort,
  cluster,
  healSplitBrain,
  node,
  ROOT,
  sleep,
  splitBrain,
  sql,
  waitAllSynced,
  waitFor,
  wsrepState,
} from './support/cluster.js';
import {
  newLab,
  servers,
  startHaproxy,
  startServe,
  stopAll,
  TCP_DEFAULTS,
  throughFrontend,
  waitStatus,
  type Lab,
} from './support/haproxy.js';

const INTER_MS = 500;
const FALL = 2;
/** The write backend's server options, as examples/haproxy-writer.cfg gives them. */
const WRITE_SERVER_OPTIONS = (() => {
  const example = readFileSync(join(ROOT, 'examples', 'haproxy-writer.cfg'), 'utf8');
  const section = example.slice(example.indexOf('listen galera-write'));
  const line = /^\s*default-server (.+)$/m.exec(section)?.[1];
  if (!line) throw new Error('examples/haproxy-writer.cfg: no default-server line in listen galera-write');
  return line.trim();
})();
/** Above HAProxy's time to mark a server DOWN (inter x fall = 1 s), with a margin. */
const WRITER_DELAY = '2s';

let lab: Lab;
let readPort = 0;
let writePort = 0;
let sampling = true;
let sampler: Promise<void> | undefined;
/** Per sample: the write servers UP. */
const samples: string[][] = [];
let sampleErrors = 0;

/** A MariaDB session through HAProxy's write frontend, kept open; `closed` settles when its socket closes. */
async function holdSession(): Promise<{
  conn: Connection;
  closed: Promise<number>;
  query: (q: string) => Promise<string>;
}> {
  const { user, password } = cluster().user.admin;
  const conn = createConnection({ host: '127.0.0.1', port: writePort, user, password, connectTimeout: 5000 });
  conn.on('error', () => {
    // The cut is expected: `closed` reports it.
  });
  const query = (q: string) =>
    new Promise<string>((resolve, reject) =>
      conn.query({ sql: q, rowsAsArray: true }, (err, rows) =>
        err ? reject(err) : resolve(Array.isArray(rows) ? String((rows as unknown[][])[0]?.[0]) : ''),
      ),
    );
  await query('SELECT 1');
  const stream = (conn as unknown as { stream: Socket }).stream;
  const closed = new Promise<number>((resolve) =>
    stream.destroyed ? resolve(Date.now()) : stream.once('close', () => resolve(Date.now())),
  );
  return { conn, closed, query };
}

async function writersUp(): Promise<string[]> {
  const rows = await servers(lab, 'galera-write');
  return Object.entries(rows)
    .filter(([, r]) => r['status'] === 'UP')
    .map(([name]) => name);
}

/** The most write servers UP at any sample since `from`. */
function maxUp(from = 0): number {
  return Math.max(0, ...samples.slice(from).map((s) => s.length));
}

async function waitOnlyWriter(name: string, limitMs = 30_000): Promise<void> {
  await waitFor(
    `${name} the only write server UP`,
    () => {
      const last = samples.at(-1);
      return last !== undefined && last.length === 1 && last[0] === name;
    },
    limitMs,
    100,
  );
}

beforeAll(async () => {
  await waitAllSynced();
  sql(
    1,
    'CREATE DATABASE IF NOT EXISTS gp_writer; CREATE TABLE IF NOT EXISTS gp_writer.writes (id INT AUTO_INCREMENT PRIMARY KEY, port INT NOT NULL)',
  );
  sql(1, 'DELETE FROM gp_writer.writes');
  lab = newLab();
  readPort = await closedPort();
  writePort = await closedPort();
  const list = cluster()
    .nodes.map(({ n }) => node(n).target)
    .join(',');
  const servePorts: number[] = [];
  for (const { n } of cluster().nodes) {
    servePorts.push(
      await startServe(lab, n, [
        '--cache',
        '250ms',
        '--timeout',
        '1s',
        '--cluster',
        list,
        '--writer-delay',
        WRITER_DELAY,
      ]),
    );
  }
  const backend = (name: string, path: string, port: number): string[] => [
    `listen ${name}`,
    `  bind 127.0.0.1:${port}`,
    `  balance ${name === 'galera-write' ? 'first' : 'roundrobin'}`,
    `  option httpchk GET ${path}`,
    '  http-check expect status 200',
    `  default-server ${name === 'galera-write' ? WRITE_SERVER_OPTIONS : `inter ${INTER_MS}ms fall ${FALL} rise 2 on-marked-down shutdown-sessions`}`,
    ...cluster().nodes.map(({ n, port: p }, i) => `  server node${n} 127.0.0.1:${p} check port ${servePorts[i]}`),
  ];
  await startHaproxy(lab, [
    ...TCP_DEFAULTS,
    ...backend('galera-read', '/health', readPort),
    ...backend('galera-write', '/writer', writePort),
  ]);
  // HAProxy starts every server UP until its checks say otherwise: wait for the steady state,
  // then sample for the rest of the file.
  await waitStatus(lab, 'galera-write', 'node2', (s) => s.startsWith('DOWN'), 15_000);
  await waitStatus(lab, 'galera-write', 'node3', (s) => s.startsWith('DOWN'), 15_000);
  await waitStatus(lab, 'galera-write', 'node1', (s) => s === 'UP', 15_000);
  sampler = (async () => {
    while (sampling) {
      try {
        samples.push(await writersUp());
      } catch {
        // A stats read that timed out on a loaded machine is a missed sample, not a result.
        sampleErrors++;
      }
      await sleep(100);
    }
  })();
}, 120_000);

afterAll(async () => {
  sampling = false;
  // Whatever happens below, HAProxy and the serves are stopped.
  try {
    await sampler;
    console.info(
      `haproxy-writer: ${samples.length} samples of the write backend, ${sampleErrors} missed, at most ${maxUp()} write server(s) UP at once`,
    );
  } finally {
    if (lab) await stopAll(lab);
  }
  for (const { n } of cluster().nodes) {
    try {
      sql(n, "SET GLOBAL wsrep_desync=OFF, GLOBAL wsrep_provider_options='gmcast.isolate=0'");
    } catch {
      // A node that is down is brought back by the next file's start-up wait, or below.
    }
  }
  try {
    sql(1, 'DROP DATABASE IF EXISTS gp_writer');
  } catch {
    // Best effort.
  }
  await waitAllSynced();
}, 300_000);

describe('HAProxy with a read backend (/health) and a write backend (/writer)', () => {
  it('exactly one write server UP while the cluster is healthy, and writes land on it only', async () => {
    const from = samples.length;
    await sleep(1500);
    expect(samples.slice(from).every((s) => s.length === 1 && s[0] === 'node1')).toBe(true);
    for (let i = 0; i < 12; i++)
      await throughFrontend(writePort, 'INSERT INTO gp_writer.writes (port) VALUES (@@port)', cluster().user.admin);
    const perPort = sql(2, 'SELECT port, COUNT(*) FROM gp_writer.writes GROUP BY port');
    expect(perPort).toEqual([[String(node(1).port), '12']]);
    // Reads still spread over every node.
    const ports = new Set<number>();
    for (let i = 0; i < 9; i++) ports.add(Number((await throughFrontend(readPort, 'SELECT @@port'))[0]![0]));
    expect(ports.size).toBe(3);
  });

  it('a desynced writer hands over to node 2 and gets it back, never two writers UP', async () => {
    const from = samples.length;
    sql(1, 'SET GLOBAL wsrep_desync=ON');
    try {
      await waitFor('node 1 Donor/Desynced', () => wsrepState(1).state === 2, 30_000);
      await waitOnlyWriter('node2');
      expect((await throughFrontend(writePort, 'SELECT @@port'))[0]![0]).toBe(String(node(2).port));
    } finally {
      sql(1, 'SET GLOBAL wsrep_desync=OFF');
    }
    await waitOnlyWriter('node1');
    expect(maxUp(from)).toBe(1);
    // There was a moment with none: the new writer waited out --writer-delay.
    expect(samples.slice(from).some((s) => s.length === 0)).toBe(true);
  });

  it('a write session held open on the old writer is cut when it is marked DOWN (on-marked-down shutdown-sessions); the next one lands on the new writer', async () => {
    expect(WRITE_SERVER_OPTIONS).toMatch(/\bon-marked-down shutdown-sessions\b/);
    await waitOnlyWriter('node1');
    const held = await holdSession();
    let cutAt: number | undefined;
    void held.closed.then((t) => (cutAt = t));
    try {
      expect(await held.query('SELECT @@port')).toBe(String(node(1).port));
      // Idle, but alive: nothing cuts it while node 1 is the writer.
      await sleep(1500);
      expect(cutAt).toBeUndefined();
      expect(await held.query('SELECT @@port')).toBe(String(node(1).port));

      sql(1, 'SET GLOBAL wsrep_desync=ON');
      const handoverAt = Date.now();
      await waitStatus(lab, 'galera-write', 'node1', (s) => s.startsWith('DOWN'), 15_000);
      const downSeenAt = Date.now();
      // HAProxy closes it when it marks node 1 DOWN (seen by polling its stats every 100 ms).
      const cut = await Promise.race([held.closed, sleep(5000).then(() => undefined)]);
      expect(cut, 'the session to the old writer was not closed').toBeDefined();
      expect(cut!).toBeGreaterThanOrEqual(handoverAt);
      expect(cut! - downSeenAt).toBeLessThan(2000);
      await expect(held.query('SELECT 1')).rejects.toThrow();

      // The next session goes to the new writer, once it has waited out --writer-delay.
      await waitOnlyWriter('node2');
      const next = await holdSession();
      try {
        expect(await next.query('SELECT @@port')).toBe(String(node(2).port));
        await next.query('INSERT INTO gp_writer.writes (port) VALUES (@@port)');
      } finally {
        next.conn.destroy();
      }
      console.info(
        `haproxy-writer: the held session was cut ${cut! - handoverAt} ms after the hand-over began (node 1 DOWN seen after ${downSeenAt - handoverAt} ms)`,
      );
    } finally {
      held.conn.destroy();
      sql(1, 'SET GLOBAL wsrep_desync=OFF');
    }
    await waitOnlyWriter('node1');
    expect(sql(1, `SELECT COUNT(*) FROM gp_writer.writes WHERE port = ${node(2).port}`)).toEqual([['1']]);
  });

  it('a real split brain: node 3 DOWN in both backends, the writer stays node 1; healed, all back', async () => {
    const from = samples.length;
    await splitBrain(3);
    try {
      await waitStatus(lab, 'galera-read', 'node3', (s) => s.startsWith('DOWN'), 15_000);
      // Node 3 alone is Primary and Synced: only the cluster view refuses it. It stays DOWN well
      // past serve's cache and HAProxy's rise (2 checks, 500 ms apart).
      const three = wsrepState(3);
      expect([three.status, three.state, three.size]).toEqual(['Primary', 4, 1]);
      for (let i = 0; i < 15; i++) {
        expect((await servers(lab, 'galera-read'))['node3']?.['status']).toMatch(/^DOWN/);
        await sleep(200);
      }
      expect(lab.logs.get(3)).toMatch(/cluster [a-z-]+ -> split-brain/);
      const read = await servers(lab, 'galera-read');
      expect(read['node3']?.['status']).toMatch(/^DOWN/);
      expect(read['node1']?.['status']).toBe('UP');
      const write = await servers(lab, 'galera-write');
      expect(write['node3']?.['status']).toMatch(/^DOWN/);
      expect((await throughFrontend(writePort, 'SELECT @@port'))[0]![0]).toBe(String(node(1).port));
      expect(maxUp(from)).toBe(1);
      expect(samples.slice(from).every((s) => !s.includes('node3'))).toBe(true);
    } finally {
      await healSplitBrain(3);
    }
    await waitStatus(lab, 'galera-read', 'node3', (s) => s === 'UP', 30_000);
    await waitOnlyWriter('node1');
    expect(maxUp(from)).toBe(1);
  });
});
