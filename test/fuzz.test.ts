/**
 * Every byte from the server is untrusted. These tests record what well-behaved fake servers
 * send during whole conversations (several auth paths, both resultset framings, ping), then
 * replay those conversations with seeded random damage (bit flips, edge bytes, cuts, repeats,
 * insertions, huge lengths) and check that each probe still ends as a classified result: no
 * rejection, no internal error, no hang past its deadline, no password in the result, and no
 * socket or timer left behind. A failure prints the seed and the case to replay it.
 *
 * GP_FUZZ_CASES sets the cases per conversation (default 150; CI runs the default).
 * GP_FUZZ_SEED sets the first seed (default 1).
 */
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OUTCOMES as ALL_OUTCOMES, probe, type ProbeOptions, type ProbeResult } from '../src/index.js';
import { framePacket } from '../src/protocol/writer.js';
import { parseGreeting } from '../src/protocol/handshake.js';
import { parseEof, parseErr, parseOk } from '../src/protocol/packets.js';
import { PacketFramer } from '../src/protocol/framer.js';
import { ProtocolError } from '../src/protocol/errors.js';
import {
  type FakeConnection,
  type FakeServer,
  galeraNode,
  NON_PRIMARY_NODE,
  type NodeScriptOptions,
  SYNCED_NODE,
} from './support/fake-server.js';
import { mutate, rng } from './support/damage.js';
import { serverPool } from './support/server-pool.js';
import { handleCounts, settle } from './support/resources.js';

const CASES = Number(process.env['GP_FUZZ_CASES'] ?? 150);
const FIRST_SEED = Number(process.env['GP_FUZZ_SEED'] ?? 1);
const PASSWORD = 'fuzz-secret-pw';
const TIMEOUT = 300;
/** A probe must end by its deadline; this much is allowed for a loaded machine. */
const LATE = 1500;
const CONCURRENCY = 24;
// Any outcome of a probe that ran to its end (nothing aborts these probes).
const OUTCOMES = new Set<string>(ALL_OUTCOMES.filter((o) => o !== 'aborted'));
const RSA_PUBLIC = readFileSync(new URL('../fixtures/tls/rsa-public.pem', import.meta.url));

/** What the server sent, in stages: stage i goes out once the client has sent `after` packets. */
interface Stage {
  after: number;
  bytes: Buffer;
  /** Set on the stage a case damaged. */
  damaged?: boolean;
}

/** Counts the client's packets with our own framer (the bytes are ours, so trusted here). */
class PacketCounter {
  #framer: PacketFramer | undefined = new PacketFramer();
  count = 0;
  add(chunk: Buffer): void {
    try {
      this.count += this.#framer?.push(chunk).length ?? 0;
    } catch {
      // TLS records after an SSLRequest are not packets: stop counting.
      this.#framer = undefined;
    }
  }
}

/** Runs one probe through a proxy to `server` and returns the server's bytes grouped by what the client had sent. */
async function record(server: FakeServer, options: ProbeOptions): Promise<{ stages: Stage[]; result: ProbeResult }> {
  const stages: Stage[] = [];
  const counter = new PacketCounter();
  const proxy: Server = createServer((client) => {
    const upstream = createConnection({ host: server.host, port: server.port });
    client.on('data', (chunk: Buffer) => {
      counter.add(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      const last = stages.at(-1);
      if (last && last.after === counter.count) last.bytes = Buffer.concat([last.bytes, chunk]);
      else stages.push({ after: counter.count, bytes: chunk });
      client.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  const { port } = proxy.address() as { port: number };
  try {
    const result = await probe({ ...options, host: '127.0.0.1', port });
    // Let the server's last bytes (if any) reach the proxy.
    await server.allClosed();
    return { stages, result };
  } finally {
    await new Promise((resolve) => proxy.close(resolve));
  }
}

interface Case {
  stages: Stage[];
  /** Close the connection right after the damaged stage instead of going on. */
  closeAfter: boolean;
  describe: string;
}

/** A server that plays `stages` to each connection, in step with the client's packets. */
async function replay(c: Case): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const counter = new PacketCounter();
    let next = 0;
    const sendDue = (): void => {
      while (next < c.stages.length && c.stages[next]!.after <= counter.count && !socket.destroyed) {
        const stage = c.stages[next++]!;
        socket.write(stage.bytes);
        if (c.closeAfter && stage.damaged) {
          socket.end();
          return;
        }
      }
    };
    socket.on('data', (chunk: Buffer) => {
      counter.add(chunk);
      sendDue();
    });
    socket.on('end', () => socket.end());
    sendDue();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function damage(stages: Stage[], seed: number, name: string): Case {
  const random = rng(seed);
  const which = Math.floor(random() * stages.length);
  const { bytes, ops } = mutate(stages[which]!.bytes, random);
  const closeAfter = random() < 0.5;
  const damaged: Stage[] = stages.map((s, i) => (i === which ? { after: s.after, bytes, damaged: true } : { ...s }));
  return {
    stages: damaged,
    closeAfter,
    describe: `${name} seed ${seed}: stage ${which} ${ops.join(' ')}${closeAfter ? ' then close' : ''}`,
  };
}

/** Checks one finished probe; returns what was wrong, or nothing. */
function problems(result: ProbeResult, elapsed: number): string[] {
  const found: string[] = [];
  if (!OUTCOMES.has(result.outcome)) found.push(`outcome ${result.outcome}`);
  if (/^internal error/.test(result.reason) || result.error?.code === 'UNKNOWN')
    found.push(`unclassified: ${result.reason}`);
  if (elapsed > TIMEOUT + LATE) found.push(`took ${elapsed.toFixed(0)} ms`);
  if (result.outcome === 'timeout' && result.phase === undefined) found.push('timeout without a phase');
  if (result.healthy !== (result.outcome === 'healthy')) found.push('healthy disagrees with outcome');
  const json = JSON.stringify(result);
  if (json.includes(PASSWORD)) found.push('the password is in the result');
  return found;
}

async function fuzz(
  name: string,
  stages: Stage[],
  options: ProbeOptions,
): Promise<{ failures: string[]; outcomes: Record<string, number> }> {
  const failures: string[] = [];
  const outcomes: Record<string, number> = {};
  const seeds = Array.from({ length: CASES }, (_, i) => FIRST_SEED + i);
  const worker = async (): Promise<void> => {
    for (let seed = seeds.shift(); seed !== undefined; seed = seeds.shift()) {
      const c = damage(stages, seed, name);
      const server = await replay(c);
      const started = performance.now();
      try {
        const result = await probe({ ...options, host: '127.0.0.1', port: server.port, timeout: TIMEOUT });
        outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
        for (const p of problems(result, performance.now() - started)) failures.push(`${c.describe}: ${p}`);
      } catch (err) {
        failures.push(`${c.describe}: rejected: ${String(err)}`);
      } finally {
        await server.close();
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { failures, outcomes };
}

const serve = serverPool();

/** The conversations to damage: each is recorded from a fake server once, then checked healthy. */
const CONVERSATIONS: { name: string; node: NodeScriptOptions; options: ProbeOptions; state?: typeof SYNCED_NODE }[] = [
  { name: 'native, DEPRECATE_EOF', node: { password: PASSWORD }, options: {} },
  { name: 'native, EOF packets', node: { password: PASSWORD, deprecateEof: false }, options: {} },
  { name: 'non-Primary node', node: { password: PASSWORD }, options: {}, state: NON_PRIMARY_NODE },
  { name: 'check alive (ping)', node: { password: PASSWORD }, options: { check: 'alive' } },
  // Answers that do not start at sequence id 1, as from servers that keep counting across
  // commands (mysql2's): the first packet of each answer sets the base.
  {
    name: 'answers at a running count, EOF packets',
    node: { password: PASSWORD, deprecateEof: false, replyId: (n) => 4 + 7 * n },
    options: {},
  },
  { name: 'answers wrapping past 255', node: { password: PASSWORD, replyId: () => 253 }, options: {} },
  { name: 'ping answered at 0', node: { password: PASSWORD, replyId: () => 0 }, options: { check: 'alive' } },
  {
    name: 'caching_sha2 with the RSA key exchange',
    node: {
      plugin: 'caching_sha2_password',
      authenticate: async (conn: FakeConnection, response) => {
        conn.send(Buffer.from([0x01, 0x04]), response.sequenceId + 1);
        const ask = await conn.readPacket();
        if (!ask) return undefined;
        conn.send(Buffer.concat([Buffer.from([0x01]), RSA_PUBLIC]), ask.sequenceId + 1);
        const encrypted = await conn.readPacket();
        return encrypted ? encrypted.sequenceId + 1 : undefined;
      },
    },
    // Asking the server for its key is opt-in: without it the probe withholds the password.
    options: { getServerPublicKey: true },
  },
  {
    name: 'switch to parsec (ext-salt, signature)',
    node: {
      authenticate: async (conn: FakeConnection, response) => {
        conn.send(
          Buffer.concat([Buffer.from([0xfe]), Buffer.from('parsec\0'), Buffer.alloc(32, 9)]),
          response.sequenceId + 1,
        );
        const ask = await conn.readPacket();
        if (!ask) return undefined;
        conn.send(Buffer.concat([Buffer.from([0x01, 0x50, 0x00]), Buffer.alloc(18, 3)]), ask.sequenceId + 1);
        const signature = await conn.readPacket();
        return signature ? signature.sequenceId + 1 : undefined;
      },
    },
    options: {},
  },
  {
    name: 'switch to client_ed25519',
    node: {
      authenticate: async (conn: FakeConnection, response) => {
        const nonce = Buffer.alloc(32, 7);
        conn.send(
          Buffer.concat([Buffer.from([0xfe]), Buffer.from('client_ed25519\0'), nonce]),
          response.sequenceId + 1,
        );
        const signature = await conn.readPacket();
        return signature ? signature.sequenceId + 1 : undefined;
      },
    },
    options: {},
  },
];

describe('damaged conversations end as classified results', () => {
  for (const conv of CONVERSATIONS) {
    it(`${conv.name}: ${CASES} damaged replays`, { timeout: 120_000 }, async () => {
      const options: ProbeOptions = { user: 'probe', password: PASSWORD, sslMode: 'DISABLED', ...conv.options };
      const server = await serve(galeraNode(conv.state ?? SYNCED_NODE, conv.node));
      const { stages, result } = await record(server, options);
      // The recording itself is a sound conversation: a verdict, not an error.
      expect(['healthy', 'unhealthy']).toContain(result.outcome);
      expect(stages.length).toBeGreaterThanOrEqual(3);

      // The undamaged replay gives the same verdict: the replay server is faithful.
      const faithful = await replay({ stages, closeAfter: false, describe: 'undamaged' });
      try {
        const again = await probe({ ...options, host: '127.0.0.1', port: faithful.port, timeout: 2000 });
        expect([again.outcome, again.reason]).toEqual([result.outcome, result.reason]);
      } finally {
        await faithful.close();
      }

      const before = handleCounts();
      // PREFERRED: a flipped SSL capability bit takes the client into TLS against a server that cannot speak it.
      const { failures, outcomes } = await fuzz(conv.name, stages, { ...options, sslMode: 'PREFERRED' });
      expect(failures).toEqual([]);
      // The damage reaches past the first packet: more than one kind of ending is seen.
      expect(Object.keys(outcomes).length).toBeGreaterThanOrEqual(2);
      await settle();
      const after = handleCounts();
      expect(after['TCPSocketWrap'] ?? 0).toBeLessThanOrEqual(before['TCPSocketWrap'] ?? 0);
      expect(after['TCPServerWrap'] ?? 0).toBeLessThanOrEqual(before['TCPServerWrap'] ?? 0);
      expect(after['Timeout'] ?? 0).toBeLessThanOrEqual(before['Timeout'] ?? 0);
    });
  }
});

describe('parsers given random bytes', () => {
  const random = rng(FIRST_SEED);
  const randomBytes = (max: number): Buffer =>
    Buffer.from(Array.from({ length: Math.floor(random() * max) }, () => Math.floor(random() * 256)));
  /** Runs `parse` on each input: it may return or throw ProtocolError, nothing else. */
  const check = (parse: (b: Buffer) => unknown, inputs: Buffer[]): string[] => {
    const wrong: string[] = [];
    for (const input of inputs) {
      try {
        parse(input);
      } catch (err) {
        if (!(err instanceof ProtocolError)) wrong.push(`${input.toString('hex')}: ${String(err)}`);
      }
    }
    return wrong;
  };
  const greeting = (() => {
    const w = Buffer.concat([
      Buffer.from([10]),
      Buffer.from('10.11.18-MariaDB\0'),
      Buffer.from([42, 0, 0, 0]),
      Buffer.alloc(8, 1),
      Buffer.from([0, 0xff, 0xf7, 45, 2, 0, 0xff, 0x81, 21]),
      Buffer.alloc(10),
      Buffer.alloc(12, 2),
      Buffer.from([0]),
      Buffer.from('mysql_native_password\0'),
    ]);
    return w;
  })();

  it('the greeting parser: 5,000 damaged greetings and 5,000 random payloads', () => {
    const inputs = [
      ...Array.from({ length: 5000 }, (_, i) => mutate(greeting, rng(FIRST_SEED + i)).bytes),
      ...Array.from({ length: 5000 }, () => Buffer.concat([Buffer.from([10]), randomBytes(120)])),
    ];
    expect(check(parseGreeting, inputs)).toEqual([]);
  });

  it('OK, ERR and EOF parsers: 5,000 random payloads each, with their header byte', () => {
    expect(
      check(
        parseOk,
        Array.from({ length: 5000 }, () => Buffer.concat([Buffer.from([0x00]), randomBytes(40)])),
      ),
    ).toEqual([]);
    expect(
      check(
        parseErr,
        Array.from({ length: 5000 }, () => Buffer.concat([Buffer.from([0xff]), randomBytes(40)])),
      ),
    ).toEqual([]);
    expect(
      check(
        parseEof,
        Array.from({ length: 5000 }, () => Buffer.concat([Buffer.from([0xfe]), randomBytes(8)])),
      ),
    ).toEqual([]);
  });

  it('the framer: any split of a valid stream gives the same packets; random streams give packets or ProtocolError', () => {
    const payloads = Array.from({ length: 20 }, () => randomBytes(300));
    const stream = Buffer.concat(payloads.map((p, i) => framePacket(p, i % 256)));
    for (let round = 0; round < 200; round++) {
      const framer = new PacketFramer();
      const got: Buffer[] = [];
      for (let at = 0; at < stream.length;) {
        const len = 1 + Math.floor(random() * 64);
        for (const p of framer.push(stream.subarray(at, at + len))) got.push(Buffer.from(p.payload));
        at += len;
      }
      expect(got).toEqual(payloads);
    }
    const wrong = check(
      (b) => {
        const framer = new PacketFramer(4096);
        for (const _ of framer.push(b));
      },
      Array.from({ length: 5000 }, () => randomBytes(200)),
    );
    expect(wrong).toEqual([]);
  });
});
