/**
 * End to end: a real HAProxy (Debian's) balancing MySQL connections over the three nodes,
 * health-checking each through its own `galera-probe serve` with `option httpchk`. A node
 * isolated from the cluster is marked DOWN (read from HAProxy's stats socket) within a few
 * check intervals, and no SQL connection through HAProxy lands on it while it is DOWN; once
 * it rejoins, HAProxy marks it UP again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, cluster, node, sql, waitAllSynced, waitFor, wsrepState } from './support/cluster.js';
import {
  newLab,
  servers,
  startHaproxy,
  startServe,
  stopAll,
  TCP_DEFAULTS,
  throughFrontend,
  waitStatus as waitProxyStatus,
  type Lab,
} from './support/haproxy.js';

const INTER_MS = 500;
const FALL = 2;
const RISE = 2;

let lab: Lab;
let frontPort = 0;
let lastStat: Record<string, Record<string, string>> = {};

async function serverStatus(name: string): Promise<string> {
  lastStat = await servers(lab, 'galera');
  return lastStat[name]?.['status'] ?? 'missing';
}

async function waitStatus(name: string, wanted: (status: string) => boolean, limitMs: number): Promise<number> {
  const took = await waitProxyStatus(lab, 'galera', name, wanted, limitMs);
  lastStat = await servers(lab, 'galera');
  return took;
}

/** One SQL connection through HAProxy: the port of the node it landed on. */
async function landedOn(): Promise<number> {
  return Number((await throughFrontend(frontPort, 'SELECT @@port'))[0]![0]);
}

beforeAll(async () => {
  await waitAllSynced();
  lab = newLab();
  frontPort = await closedPort();
  const servePorts: number[] = [];
  for (const { n } of cluster().nodes)
    servePorts.push(await startServe(lab, n, ['--cache', '250ms', '--timeout', '1s']));
  await startHaproxy(lab, [
    ...TCP_DEFAULTS,
    'listen galera',
    `  bind 127.0.0.1:${frontPort}`,
    '  balance roundrobin',
    '  option httpchk GET /health',
    '  http-check expect status 200',
    `  default-server inter ${INTER_MS}ms fall ${FALL} rise ${RISE}`,
    ...cluster().nodes.map(({ n, port }, i) => `  server node${n} 127.0.0.1:${port} check port ${servePorts[i]}`),
  ]);
  for (const { n } of cluster().nodes) await waitStatus(`node${n}`, (s) => s === 'UP', 15_000);
}, 120_000);

afterAll(async () => {
  sql(3, "SET GLOBAL wsrep_provider_options='gmcast.isolate=0'");
  if (lab) await stopAll(lab);
  await waitAllSynced();
}, 120_000);

describe('HAProxy with option httpchk against galera-probe serve', () => {
  it('spreads SQL over all three nodes while they are Synced', async () => {
    const ports = new Set<number>();
    for (let i = 0; i < 9; i++) ports.add(await landedOn());
    expect([...ports].sort()).toEqual(
      cluster()
        .nodes.map((x) => x.port)
        .sort(),
    );
  });

  it('an isolated node goes DOWN within a few check intervals, gets no SQL while DOWN, and comes back UP', async () => {
    const isolated = node(3);
    sql(3, "SET GLOBAL wsrep_provider_options='gmcast.isolate=1'");
    await waitFor('node3 non-Primary', () => wsrepState(3).status === 'non-Primary', 30_000, 100);
    // From the moment the node says non-Primary: the serve cache (250 ms), then FALL failed
    // checks INTER_MS apart (and the check in progress).
    const downAfter = await waitStatus('node3', (s) => s.startsWith('DOWN'), 10_000);
    expect(downAfter).toBeLessThanOrEqual(250 + (FALL + 2) * INTER_MS + 1000);
    // HAProxy saw an HTTP answer it did not want (layer 7), not a dead check port.
    expect(lastStat['node3']?.['check_status']).toBe('L7STS');
    expect(lastStat['node3']?.['check_code']).toBe('503');

    const landed: number[] = [];
    for (let i = 0; i < 20; i++) landed.push(await landedOn());
    expect(landed).not.toContain(isolated.port);
    expect(new Set(landed)).toEqual(new Set([node(1).port, node(2).port]));
    expect(await serverStatus('node3')).toMatch(/^DOWN/);

    sql(3, "SET GLOBAL wsrep_provider_options='gmcast.isolate=0'");
    await waitFor(
      'node3 Synced in the Primary component',
      () => {
        const s = wsrepState(3);
        return s.status === 'Primary' && s.state === 4;
      },
      60_000,
      100,
    );
    const upAfter = await waitStatus('node3', (s) => s === 'UP', 10_000);
    expect(upAfter).toBeLessThanOrEqual(250 + (RISE + 2) * INTER_MS + 1000);
    console.info(
      `haproxy: node3 DOWN ${downAfter} ms after it said non-Primary, UP ${upAfter} ms after it said Synced`,
    );
    const ports = new Set<number>();
    for (let i = 0; i < 9; i++) ports.add(await landedOn());
    expect(ports.has(isolated.port)).toBe(true);
  });
});
