/**
 * The serve endpoint: answers, statuses and headers of every path; the rules that protect the
 * node (one probe in flight, cache, max age, maintenance file); HTTP hygiene (slow clients,
 * large headers, no reflection); shutdown; and the `serve` command as a process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probe } from '../src/probe/probe.js';
import {
  createHealthServer,
  HealthCheck,
  shutdownHealthServer,
  type HealthCheckOptions,
  type VerdictChange,
} from '../src/serve/index.js';
import type { ProbeResult } from '../src/probe/types.js';
import { SERVE_HELP } from '../src/cli/help.js';
import { parseListen } from '../src/cli/serve-command.js';
import { mutate, rng } from './support/damage.js';
import { handleCounts, settle } from './support/resources.js';
import {
  type FakeServer,
  galeraNode,
  NON_PRIMARY_NODE,
  type Script,
  startFakeServer,
  SYNCED_NODE,
  withState,
} from './support/fake-server.js';
import { get } from './support/http.js';
import { spawnServe } from './support/serve-process.js';

const DONOR_NODE = withState(
  SYNCED_NODE,
  { wsrep_local_state: '2', wsrep_local_state_comment: 'Donor/Desynced' },
  { wsrep_desync: 'ON' },
);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let fakes: FakeServer[] = [];
let running: { server: Server; check: HealthCheck }[] = [];
let dirs: string[] = [];

afterEach(async () => {
  for (const { server, check } of running) await shutdownHealthServer(server, check, 2000);
  await Promise.all(fakes.map((f) => f.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  fakes = [];
  running = [];
  dirs = [];
});

/**
 * Writes raw bytes on a new connection (then half-closes it when `end`) and resolves with all
 * that came back once the server closed it, or with what came and `[open after N ms]`.
 */
function exchange(port: number, bytes: string | Buffer, o: { end?: boolean; limitMs?: number } = {}): Promise<string> {
  const limitMs = o.limitMs ?? 5000;
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => (o.end ? socket.end(bytes) : socket.write(bytes)));
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(`${received}[open after ${limitMs} ms]`);
    }, limitMs);
    socket.setEncoding('latin1').on('data', (d: string) => (received += d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

async function node(script: Script): Promise<FakeServer> {
  const f = await startFakeServer(script);
  fakes.push(f);
  return f;
}

/** A health endpoint on an ephemeral port over a real probe of `fake`. */
async function endpoint(
  fake: FakeServer | { host: string; port: number },
  o: Partial<HealthCheckOptions> = {},
  http = {},
): Promise<{ port: number; check: HealthCheck; server: Server }> {
  const check = new HealthCheck({
    probe: (signal) => probe({ host: fake.host, port: fake.port, user: 'monitor', timeout: 1000, signal }),
    cacheMs: 1000,
    maxAgeMs: 5000,
    waitMs: 2000,
    ...o,
  });
  const server = createHealthServer(check, http);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.push({ server, check });
  return { port: (server.address() as { port: number }).port, check, server };
}

describe('endpoints', () => {
  it('GET /, /health and /ready: 200 and the reason for a synced node, Content-Length set', async () => {
    const fake = await node(galeraNode(SYNCED_NODE));
    const { port } = await endpoint(fake);
    for (const path of ['/', '/health', '/ready']) {
      const r = await get(port, path);
      expect(r.status).toBe(200);
      expect(r.body).toBe('synced\n');
      expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(r.headers['content-length']).toBe(String(Buffer.byteLength(r.body)));
      expect(r.headers['cache-control']).toBe('no-store');
    }
  });

  it('a non-Primary node: 503 "not ready: non-Primary" for readiness, 503 for /live', async () => {
    const { port } = await endpoint(await node(galeraNode(NON_PRIMARY_NODE)));
    expect(await get(port, '/health')).toMatchObject({ status: 503, body: 'not ready: non-Primary\n' });
    expect(await get(port, '/live')).toMatchObject({ status: 503, body: 'not live: non-Primary\n' });
  });

  it('a donor is not ready, but alive: an orchestrator must not kill it', async () => {
    const { port } = await endpoint(await node(galeraNode(DONOR_NODE)));
    expect(await get(port, '/ready')).toMatchObject({
      status: 503,
      body: 'not ready: not synced: Donor/Desynced (state 2)\n',
    });
    expect(await get(port, '/live')).toMatchObject({ status: 200, body: 'live: Primary, Donor/Desynced\n' });
  });

  it('nothing listening: 503 with the outcome and phase, and not live', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createTcpServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    const { port } = await endpoint({ host: '127.0.0.1', port: closed });
    const r = await get(port, '/health');
    expect(r.status).toBe(503);
    expect(r.body).toMatch(/^unreachable in connect: .+\n$/);
    expect((await get(port, '/live')).status).toBe(503);
  });

  it('JSON with ?format=json or Accept: application/json: the CLI result object', async () => {
    const { port } = await endpoint(await node(galeraNode(SYNCED_NODE)));
    const byQuery = await get(port, '/health?format=json');
    expect(byQuery.status).toBe(200);
    expect(byQuery.headers['content-type']).toBe('application/json');
    expect(JSON.parse(byQuery.body)).toMatchObject({
      healthy: true,
      outcome: 'healthy',
      reason: 'synced',
      node: { clusterSize: 3 },
      timings: {},
    });
    const byAccept = await get(port, '/ready', { headers: { Accept: 'text/html, application/json;q=0.9' } });
    expect(JSON.parse(byAccept.body)).toMatchObject({ healthy: true });
    const live = await get(port, '/live?format=json');
    expect(JSON.parse(live.body)).toMatchObject({
      live: true,
      liveness: 'live: Primary, Synced',
      outcome: 'healthy',
      reason: 'synced',
    });
  });

  it('HEAD: the same status and Content-Length, no body', async () => {
    const { port } = await endpoint(await node(galeraNode(SYNCED_NODE)));
    for (const path of ['/health', '/live', '/metrics', '/', '/nope']) {
      const g = await get(port, path);
      const h = await get(port, path, { method: 'HEAD' });
      expect(h.status).toBe(g.status);
      expect(h.body).toBe('');
      if (path !== '/metrics') expect(h.headers['content-length']).toBe(g.headers['content-length']);
      else expect(Number(h.headers['content-length'])).toBeGreaterThan(0);
    }
  });

  it('other methods: 405 with Allow; unknown paths: 404 that does not echo the request', async () => {
    const fake = await node(galeraNode(SYNCED_NODE));
    const { port } = await endpoint(fake);
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const r = await get(port, '/health', { method });
      expect(r.status).toBe(405);
      expect(r.headers['allow']).toBe('GET, HEAD');
    }
    const r = await get(port, '/%3Cscript%3Ealert(1)%3C/script%3E?x=<b>', {
      headers: { 'X-Evil': 'reflected-header' },
    });
    expect(r).toMatchObject({ status: 404, body: 'not found\n' });
    expect(JSON.stringify(r.headers)).not.toMatch(/script|reflected-header/);
    // None of this touched the database.
    expect(fake.connections).toHaveLength(0);
  });

  it('/metrics: Prometheus text with phase histograms, outcome counters, verdict and in-flight gauges', async () => {
    const { port } = await endpoint(await node(galeraNode(SYNCED_NODE)), { cacheMs: 0 });
    await get(port, '/health');
    await get(port, '/health');
    const r = await get(port, '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const lines = r.body.trimEnd().split('\n');
    // Every sample belongs to a family declared with HELP and TYPE before it.
    const declared = new Set<string>();
    for (const line of lines) {
      const meta = /^# (HELP|TYPE) (\w+) /.exec(line);
      if (meta) {
        declared.add(meta[2]!);
        continue;
      }
      const m = /^(\w+?)(_bucket|_sum|_count)?(\{[^}]*\})? (\S+)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(declared.has(m![1]!) || declared.has(`${m![1]}${m![2] ?? ''}`), line).toBe(true);
      expect(Number.isNaN(Number(m![4])) && m![4] !== 'NaN', line).toBe(false);
    }
    const value = (name: string): number => Number(lines.find((l) => l.startsWith(`${name} `))?.split(' ')[1]);
    expect(value('galera_probe_results_total{outcome="healthy"}')).toBe(2);
    expect(value('galera_probe_results_total{outcome="timeout"}')).toBe(0);
    expect(value('galera_probe_healthy')).toBe(1);
    expect(value('galera_probe_probes_in_flight')).toBe(0);
    expect(value('galera_probe_http_responses_total{code="200"}')).toBe(2);
    // Buckets are cumulative and +Inf equals the count.
    for (const phase of ['connect', 'greeting', 'auth', 'query', 'total']) {
      const buckets = lines
        .filter((l) => l.startsWith(`galera_probe_phase_duration_seconds_bucket{phase="${phase}",`))
        .map((l) => Number(l.split(' ')[1]));
      expect(buckets.length).toBeGreaterThan(2);
      for (let i = 1; i < buckets.length; i++) expect(buckets[i]).toBeGreaterThanOrEqual(buckets[i - 1]!);
      expect(buckets.at(-1)).toBe(value(`galera_probe_phase_duration_seconds_count{phase="${phase}"}`));
      expect(buckets.at(-1)).toBe(2);
    }
  });
});

describe('protecting the node', () => {
  it('concurrent requests share one probe: 50 requests, one connection to the database', async () => {
    // A node that takes 200 ms to greet, so that all requests arrive while the probe runs.
    const slow = galeraNode(SYNCED_NODE);
    const fake = await node(async (conn) => {
      await sleep(200);
      await slow(conn);
    });
    const { port, check } = await endpoint(fake);
    const replies = await Promise.all(Array.from({ length: 50 }, () => get(port, '/health')));
    expect(replies.every((r) => r.status === 200 && r.body === 'synced\n')).toBe(true);
    expect(fake.connections).toHaveLength(1);
    expect(check.probesStarted).toBe(1);
  });

  it('a result is reused for the cache time, then probed again', async () => {
    const fake = await node(galeraNode(SYNCED_NODE));
    const { port } = await endpoint(fake, { cacheMs: 300 });
    for (let i = 0; i < 10; i++) expect((await get(port, '/health')).status).toBe(200);
    expect(fake.connections).toHaveLength(1);
    await sleep(400);
    expect((await get(port, '/health')).status).toBe(200);
    expect(fake.connections).toHaveLength(2);
  });

  it('cache 0: every request after the last probe ended starts a new one', async () => {
    const fake = await node(galeraNode(SYNCED_NODE));
    const { port } = await endpoint(fake, { cacheMs: 0 });
    for (let i = 0; i < 5; i++) await get(port, '/health');
    expect(fake.connections).toHaveLength(5);
  });

  it('the first request after start waits for the probe and gets its real answer', async () => {
    const slow = galeraNode(NON_PRIMARY_NODE);
    const { port } = await endpoint(
      await node(async (conn) => {
        await sleep(300);
        await slow(conn);
      }),
    );
    const started = performance.now();
    expect(await get(port, '/health')).toMatchObject({ status: 503, body: 'not ready: non-Primary\n' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  describe('max age (a probe that outlives the wait)', () => {
    // A scripted probe function and clock: the first probe answers, later ones hang.
    function scripted(maxAgeMs: number): { check: HealthCheck; clock: { t: number } } {
      const clock = { t: 0 };
      let calls = 0;
      const healthy = {
        target: 't',
        healthy: true,
        outcome: 'healthy',
        reason: 'synced',
        timings: { total: 1 },
      } as ProbeResult;
      const check = new HealthCheck({
        probe: async (signal) => {
          calls++;
          if (calls === 1) return healthy;
          return await new Promise<ProbeResult>((resolve) =>
            signal.addEventListener('abort', () =>
              resolve({ ...healthy, healthy: false, outcome: 'aborted', reason: 'aborted' }),
            ),
          );
        },
        cacheMs: 1000,
        maxAgeMs,
        waitMs: 50,
        now: () => clock.t,
      });
      return { check, clock };
    }

    it('serves the previous result while it is younger than --max-age', async () => {
      const { check, clock } = scripted(5000);
      expect(await check.answer()).toMatchObject({ kind: 'result', result: { healthy: true } });
      clock.t = 3000; // stale for the cache, young enough for max age
      expect(await check.answer()).toMatchObject({ kind: 'result', ageMs: 3000, result: { healthy: true } });
      await check.close();
    });

    it('never serves a result older than --max-age', async () => {
      const { check, clock } = scripted(5000);
      await check.answer();
      clock.t = 5001;
      expect(await check.answer()).toMatchObject({ kind: 'none', reason: 'no answer from the probe within 50 ms' });
      await check.close();
    });

    /** A probe function whose answers the test releases one by one. */
    function gated(maxAgeMs: number): {
      check: HealthCheck;
      clock: { t: number };
      release: () => void;
      calls: () => number;
    } {
      const clock = { t: 0 };
      const waiting: (() => void)[] = [];
      let calls = 0;
      const check = new HealthCheck({
        probe: async () => {
          const n = ++calls;
          await new Promise<void>((resolve) => waiting.push(resolve));
          return {
            target: 't',
            healthy: n % 2 === 1,
            outcome: n % 2 === 1 ? 'healthy' : 'unhealthy',
            reason: `probe ${n}`,
            timings: { total: 1 },
          } as ProbeResult;
        },
        cacheMs: 1000,
        maxAgeMs,
        waitMs: 5000,
        now: () => clock.t,
      });
      return { check, clock, release: () => waiting.shift()?.(), calls: () => calls };
    }

    it('during a refresh, other requests get the previous result at once; the one that started it waits', async () => {
      const { check, clock, release, calls } = gated(2000);
      const first = check.answer();
      release();
      expect(await first).toMatchObject({ kind: 'result', result: { reason: 'probe 1' } });
      clock.t = 1500; // past the cache, within max age
      const starter = check.answer();
      expect(calls()).toBe(2);
      expect(await check.answer()).toMatchObject({ kind: 'result', ageMs: 1500, result: { reason: 'probe 1' } });
      expect(await check.answer()).toMatchObject({ kind: 'result', result: { reason: 'probe 1' } });
      expect(calls()).toBe(2);
      release();
      expect(await starter).toMatchObject({ kind: 'result', ageMs: 0, result: { reason: 'probe 2' } });
      expect(await check.answer()).toMatchObject({ result: { reason: 'probe 2' } });
    });

    it('during a refresh, a previous result older than --max-age is not served: everyone waits', async () => {
      const { check, clock, release } = gated(2000);
      const first = check.answer();
      release();
      await first;
      clock.t = 2500;
      const a = check.answer();
      const b = check.answer();
      let settled = false;
      void b.then(() => (settled = true));
      await sleep(20);
      expect(settled).toBe(false);
      release();
      expect(await a).toMatchObject({ result: { reason: 'probe 2' } });
      expect(await b).toMatchObject({ result: { reason: 'probe 2' } });
    });

    it('over HTTP that is 503 "unknown: ..."', async () => {
      const { check, clock } = scripted(0);
      await check.answer();
      clock.t = 2000;
      const server = createHealthServer(check);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      running.push({ server, check });
      const r = await get((server.address() as { port: number }).port, '/health');
      expect(r).toMatchObject({ status: 503, body: 'unknown: no answer from the probe within 50 ms\n' });
    });
  });

  it('--maintenance-file: 503 "maintenance" without touching the database, alive; back when removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-maint-'));
    dirs.push(dir);
    const file = join(dir, 'drain');
    const fake = await node(galeraNode(SYNCED_NODE));
    const { port } = await endpoint(fake, { maintenanceFile: file, cacheMs: 0 });
    writeFileSync(file, '');
    expect(await get(port, '/health')).toMatchObject({ status: 503, body: 'maintenance\n' });
    expect(JSON.parse((await get(port, '/health?format=json')).body)).toEqual({
      healthy: false,
      outcome: 'maintenance',
      reason: 'maintenance',
    });
    expect(await get(port, '/live')).toMatchObject({ status: 200, body: 'live: maintenance (not checked)\n' });
    expect(fake.connections).toHaveLength(0);
    rmSync(file);
    expect(await get(port, '/health')).toMatchObject({ status: 200, body: 'synced\n' });
    expect(fake.connections).toHaveLength(1);
  });

  it('reports each change of verdict once', async () => {
    const changes: VerdictChange[] = [];
    const states = [true, true, false, false, true];
    let i = 0;
    const check = new HealthCheck({
      probe: async () => {
        const ok = states[i++]!;
        return {
          target: 't',
          healthy: ok,
          outcome: ok ? 'healthy' : 'unhealthy',
          reason: ok ? 'synced' : 'non-Primary',
          timings: { total: 1 },
        } as ProbeResult;
      },
      cacheMs: 0,
      maxAgeMs: 0,
      waitMs: 1000,
      onChange: (c) => changes.push(c),
    });
    for (let n = 0; n < states.length; n++) await check.answer();
    expect(changes.map((c) => `${c.from ?? 'start'} -> ${c.to}: ${c.reason}`)).toEqual([
      'start -> healthy: synced',
      'healthy -> unhealthy: non-Primary',
      'unhealthy -> healthy: synced',
    ]);
  });
});

describe('HTTP hygiene', () => {
  it('a client that never finishes its headers is cut off', async () => {
    const { port } = await endpoint(
      await node(galeraNode(SYNCED_NODE)),
      {},
      { headersTimeoutMs: 300, requestTimeoutMs: 600 },
    );
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8').on('data', (d: string) => (received += d));
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n'); // and nothing more
    const started = performance.now();
    await new Promise((resolve) => socket.once('close', resolve));
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(3000);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('oversized headers: 431 and closed', async () => {
    const { port } = await endpoint(await node(galeraNode(SYNCED_NODE)));
    const r = await exchange(port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(r).toMatch(/^HTTP\/1\.1 431 /);
  });

  it('a malformed request: 400 and closed, and the server goes on answering', async () => {
    const { port } = await endpoint(await node(galeraNode(SYNCED_NODE)));
    const r = await exchange(port, '\x16\x03\x01 not http at all\r\n\r\n');
    expect(r).toMatch(/^HTTP\/1\.1 400 /);
    expect(r).not.toContain('not http');
    expect((await get(port, '/health')).status).toBe(200);
  });

  it('300 damaged requests: each answered or closed within 5 s, none reflected, and the server goes on answering', async () => {
    const { port } = await endpoint(await node(galeraNode(SYNCED_NODE)));
    const MARK = 'zq9mark';
    const valid = [
      `GET /health?format=json&${MARK}=1 HTTP/1.1\r\nHost: ${MARK}.example\r\nAccept: application/json\r\nX-${MARK}: ${MARK}\r\n\r\n`,
      `HEAD /live HTTP/1.1\r\nHost: x\r\nUser-Agent: ${MARK}\r\nConnection: keep-alive\r\n\r\n`,
      `GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\n${MARK}`,
      `GET /ready HTTP/1.0\r\nCookie: ${MARK}\r\n\r\n`,
    ].map((r) => Buffer.from(r, 'latin1'));
    const wrong: string[] = [];
    const seeds = Array.from({ length: 300 }, (_, i) => i + 1);
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let seed = seeds.shift(); seed !== undefined; seed = seeds.shift()) {
          const random = rng(seed);
          const { bytes, ops } = mutate(valid[Math.floor(random() * valid.length)]!, random);
          const reply = await exchange(port, bytes, { end: true });
          const what = `seed ${seed} (${ops.join(' ')})`;
          if (reply.includes('[open after ')) wrong.push(`${what}: no close`);
          if (reply.includes(MARK)) wrong.push(`${what}: request data in the reply`);
          if (reply !== '' && !/^HTTP\/1\.[01] \d{3} /.test(reply))
            wrong.push(`${what}: not an HTTP reply: ${JSON.stringify(reply.slice(0, 40))}`);
        }
      }),
    );
    expect(wrong).toEqual([]);
    expect((await get(port, '/health')).status).toBe(200);
  });

  it('keep-alive: several requests on one connection', async () => {
    const { port } = await endpoint(await node(galeraNode(SYNCED_NODE)));
    const replies = await exchange(
      port,
      'GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(replies.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    expect(replies).toContain('synced\n');
    expect(replies).toContain('live: Primary, Synced\n');
  });
});

describe('shutdown', () => {
  it('answers the request in flight, then leaves no socket, server or timer behind', async () => {
    await sleep(100); // what earlier tests closed is gone
    await settle();
    const before = handleCounts();
    const slow = galeraNode(SYNCED_NODE);
    const fake = await node(async (conn) => {
      await sleep(300);
      await slow(conn);
    });
    const check = new HealthCheck({
      probe: (signal) => probe({ host: fake.host, port: fake.port, user: 'monitor', timeout: 1000, signal }),
      cacheMs: 1000,
      maxAgeMs: 5000,
      waitMs: 2000,
    });
    const server = createHealthServer(check);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const pending = get((server.address() as { port: number }).port, '/health');
    await sleep(50);
    await shutdownHealthServer(server, check, 3000);
    const r = await pending;
    expect(r).toMatchObject({ status: 200, body: 'synced\n' });
    expect(r.headers['connection']).toBe('close');
    await fake.close();
    fakes = fakes.filter((f) => f !== fake);
    await settle();
    const after = handleCounts();
    for (const kind of ['TCPSocketWrap', 'TCPServerWrap', 'Timeout'])
      expect(after[kind] ?? 0, kind).toBeLessThanOrEqual(before[kind] ?? 0);
  });

  it('aborts a probe that is still running when the time for the stop runs out', async () => {
    const fake = await node(() => {}); // accepts, never greets
    const check = new HealthCheck({
      probe: (signal) => probe({ host: fake.host, port: fake.port, user: 'monitor', timeout: 5000, signal }),
      cacheMs: 1000,
      maxAgeMs: 5000,
      waitMs: 6000,
    });
    const server = createHealthServer(check);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const pending = get((server.address() as { port: number }).port, '/health').catch((err: Error) => err);
    await sleep(50);
    const started = performance.now();
    await shutdownHealthServer(server, check, 200);
    expect(performance.now() - started).toBeLessThan(1500);
    const r = await pending;
    // Cut: either no answer (the connection was closed) or the aborted probe's 503.
    if (!(r instanceof Error)) expect(r.status).toBe(503);
    await fake.allClosed();
  });
});

describe('--listen', () => {
  it('parses ADDR:PORT, [IPV6]:PORT, :PORT and PORT', () => {
    expect(parseListen('127.0.0.1:9200')).toEqual({ host: '127.0.0.1', port: 9200 });
    expect(parseListen('[::1]:9201')).toEqual({ host: '::1', port: 9201 });
    expect(parseListen(':9202')).toEqual({ host: '0.0.0.0', port: 9202 });
    expect(parseListen('9203')).toEqual({ host: '0.0.0.0', port: 9203 });
    expect(parseListen('localhost:9204')).toEqual({ host: 'localhost', port: 9204 });
    for (const bad of ['', 'x', '1.2.3.4:', '1.2.3.4:99999', '[nope]:1', 'a b:1', '::1:9200x'])
      expect(() => parseListen(bad), bad).toThrow(/--listen/);
  });
});

describe('galera-probe serve, the process', () => {
  const bin = join(import.meta.dirname, '..', 'bin', 'galera-probe');
  let children: ChildProcess[] = [];
  beforeEach(() => {
    children = [];
  });
  afterEach(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  function start(args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof spawnServe> {
    const started = spawnServe(['--no-defaults', ...args], env);
    children.push(started.child);
    return started;
  }

  async function listening(stderr: () => string): Promise<number> {
    for (let i = 0; i < 100; i++) {
      const m = /on http:\/\/127\.0\.0\.1:(\d+) |"address":"127\.0\.0\.1:(\d+)"/.exec(stderr());
      if (m) return Number(m[1] ?? m[2]);
      await sleep(50);
    }
    throw new Error(`serve did not start: ${stderr()}`);
  }

  it('serves, logs the verdict change, and exits 0 on SIGTERM; the password is never logged', async () => {
    const fake = await node(galeraNode(SYNCED_NODE, { password: 'serve-secret' }));
    const s = start(['--listen', '127.0.0.1:0', '-u', 'monitor', fake.target], { MYSQL_PWD: 'serve-secret' });
    const port = await listening(s.stderr);
    expect(await get(port, '/health')).toMatchObject({ status: 200, body: 'synced\n' });
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(s.stderr()).toMatch(/start -> healthy: synced/);
    expect(s.stderr()).toMatch(/SIGTERM: stopping/);
    expect(s.stderr()).not.toContain('serve-secret');
  });

  it('--log json: one JSON object per line; SIGINT also stops it with exit 0', async () => {
    const fake = await node(galeraNode(NON_PRIMARY_NODE));
    const s = start(['--listen', '127.0.0.1:0', '--log', 'json', fake.target]);
    const port = await listening(s.stderr);
    expect((await get(port, '/health')).status).toBe(503);
    s.child.kill('SIGINT');
    expect(await s.exit).toBe(0);
    const events = s
      .stderr()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e['event'])).toEqual(['listening', 'verdict', 'stopping', 'stopped']);
    expect(events[1]).toMatchObject({
      target: fake.target,
      from: null,
      to: 'unhealthy',
      reason: 'non-Primary',
      outcome: 'unhealthy',
    });
  });

  it('--listen [::1]:PORT serves over IPv6 and logs the address in brackets', async () => {
    const fake = await node(galeraNode(SYNCED_NODE));
    const s = start(['--listen', '[::1]:0', fake.target]);
    let port = 0;
    for (let i = 0; i < 100 && port === 0; i++) {
      port = Number(/on http:\/\/\[::1\]:(\d+) /.exec(s.stderr())?.[1] ?? 0);
      if (port === 0) await sleep(50);
    }
    expect(port, s.stderr()).toBeGreaterThan(0);
    const reply = await get(port, '/health', { host: '::1' });
    expect(reply).toMatchObject({ status: 200, body: 'synced\n' });
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
  });

  it('--log off: nothing on stderr', async () => {
    const fake = await node(galeraNode(SYNCED_NODE));
    const s = start(['--listen', '127.0.0.1:0', '--log', 'off', fake.target]);
    await sleep(500);
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(s.stderr()).toBe('');
  });

  it('usage errors exit 64 and name the option; a port in use exits 69', async () => {
    for (const args of [
      ['--listen', 'nope', '127.0.0.1:1'],
      ['--cache', 'soon', '127.0.0.1:1'],
      ['--cache', '10s', '--max-age', '2s', '127.0.0.1:1'],
      ['--log', 'loud', '127.0.0.1:1'],
      ['--no-such-option', '127.0.0.1:1'],
      [],
    ]) {
      const s = start(args);
      expect(await s.exit, args.join(' ')).toBe(64);
      expect(s.stderr()).toMatch(/^galera-probe: .+\nTry 'galera-probe --help'\.\n$/);
      if (args[0]?.startsWith('--') && args[0] !== '--no-such-option')
        expect(s.stderr()).toContain(args[0] === '--cache' && args[2] === '--max-age' ? '--max-age' : args[0]);
    }
    const taken = createTcpServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const s = start(['--listen', `127.0.0.1:${(taken.address() as { port: number }).port}`, '127.0.0.1:1']);
    expect(await s.exit).toBe(69);
    expect(s.stderr()).toMatch(/cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
    await new Promise((resolve) => taken.close(resolve));
  });

  it('--help fits on a screen', async () => {
    const s = spawn(process.execPath, [bin, 'serve', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    s.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise((resolve) => s.once('close', resolve));
    expect(code).toBe(0);
    expect(out).toBe(SERVE_HELP);
    const lines = out.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(35);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
  });
});
