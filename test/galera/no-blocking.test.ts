/**
 * Health checks must never get the probing host blocked: a server counts every connection a
 * client drops without COM_QUIT (Aborted_clients) or before it logs in (Aborted_connects), and
 * blocks a host after max_connect_errors failed handshakes. Healthy probes (library and CLI,
 * with and without TLS, galera and alive checks) must leave both counters where they were.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src/index.js';
import { cli, cluster, node, show, sleep, sql, waitAllSynced, waitFor } from './support/cluster.js';

const N = 1;
let original = '100';

const counters = (): { connects: number; clients: number } => {
  const s = show(N, 'STATUS', ['Aborted_connects', 'Aborted_clients']);
  return { connects: Number(s['Aborted_connects']), clients: Number(s['Aborted_clients']) };
};

/**
 * Connections cut earlier (by a previous suite, or the control below) are counted when the
 * server notices: waits until the counters have not moved for a second.
 */
async function settleCounters(): Promise<void> {
  let last = JSON.stringify(counters());
  await sleep(1000);
  await waitFor(
    'Aborted_* counters to settle',
    () => {
      const now = JSON.stringify(counters());
      const same = now === last;
      last = now;
      return same;
    },
    20_000,
    1000,
  );
}

beforeAll(async () => {
  await waitAllSynced();
  await settleCounters();
  original = show(N, 'VARIABLES', ['max_connect_errors'])['max_connect_errors'] ?? '100';
  sql(N, 'SET GLOBAL max_connect_errors=3');
  sql(N, 'FLUSH HOSTS');
});

afterAll(() => {
  sql(N, `SET GLOBAL max_connect_errors=${Number(original)}`);
  sql(N, 'FLUSH HOSTS');
});

describe('with max_connect_errors=3', () => {
  it('the counters do move for a client that drops the connection after the greeting (control)', async () => {
    const before = counters();
    await new Promise<void>((resolve, reject) => {
      const socket = connect(node(N).port, cluster().host);
      socket.once('data', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', reject);
    });
    await waitFor(
      'Aborted_connects to count the dropped handshake',
      () => counters().connects > before.connects,
      5_000,
    );
  });

  it('60 healthy probes move neither Aborted_connects nor Aborted_clients, and a normal client still connects', async () => {
    const { user, password } = cluster().user.native;
    const base = { host: cluster().host, port: node(N).port, user, password };
    await settleCounters();
    const before = counters();

    const results = [];
    // 40 through the library, 8 at a time, with TLS (the default, PREFERRED) and without.
    for (let round = 0; round < 5; round++) {
      results.push(
        ...(await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            probe({
              ...base,
              ...(i % 2 === 0 ? { sslMode: 'DISABLED' as const } : {}),
              ...(i % 4 === 3 ? { check: 'alive' as const } : {}),
            }),
          ),
        )),
      );
    }
    expect(results.every((r) => r.healthy)).toBe(true);
    // 10 through the CLI, and 10 as the ed25519 user.
    for (let i = 0; i < 10; i++) {
      const run = await cli(['-u', user, '--quiet', node(N).target], { MYSQL_PWD: password });
      expect(run.code, run.stderr).toBe(0);
    }
    for (let i = 0; i < 10; i++) {
      const r = await probe({ ...base, ...cluster().user.ed });
      expect(r.healthy, r.reason).toBe(true);
    }

    // The server counts a dropped client when its thread sees the close: give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(counters()).toEqual(before);
    // And an ordinary client is not blocked.
    expect(sql(N, 'SELECT 1', cluster().user.native)).toEqual([['1']]);
  });
});
