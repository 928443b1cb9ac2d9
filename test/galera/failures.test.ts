/**
 * Failures produced on the real nodes: a frozen server (SIGSTOP: the kernel still accepts),
 * max_connections exhausted, a wrong password, nothing listening; and the unix socket path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, closedPort, cluster, json, node, show, sql, waitAllSynced, waitFor } from './support/cluster.js';

const native = (): string[] => ['-u', cluster().user.native.user];
const pwEnv = (): NodeJS.ProcessEnv => ({ MYSQL_PWD: cluster().user.native.password });

beforeAll(async () => {
  await waitAllSynced();
});

afterAll(async () => {
  await waitAllSynced();
});

function pidOf(n: number): number {
  const pid = Number(readFileSync(node(n).pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`bad pid file for node ${n}`);
  return pid;
}

describe('a node frozen with SIGSTOP', () => {
  it('times out in phase greeting within the limit, and answers again once resumed', async () => {
    const n = node(3);
    const pid = pidOf(3);
    // Frozen for about 1.5 s: well under evs.suspect_timeout (5 s), so the cluster keeps it.
    process.kill(pid, 'SIGSTOP');
    let run;
    try {
      run = await cli([...native(), '--json', '--greeting-timeout', '1s', '--timeout', '5s', n.target], pwEnv());
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(run.code, run.stderr).toBe(3);
    const result = json(run);
    expect(result).toMatchObject({ healthy: false, outcome: 'timeout', phase: 'greeting' });
    expect(result.error).toMatchObject({ code: 'TIMEOUT', limitMs: 1000 });
    const timings = result['timings'] as Record<string, number>;
    // Never early; late by no more than scheduling noise on a shared machine.
    expect(timings['greeting']).toBeGreaterThanOrEqual(1000);
    expect(timings['total']).toBeLessThan(1500);
    expect(run.ms).toBeLessThan(4000);

    await waitFor(
      'node3 answering again',
      () => show(3, 'STATUS', ['wsrep_local_state'])['wsrep_local_state'] === '4',
      30_000,
    );
    const after = await cli([...native(), n.target], pwEnv());
    expect(after.code, after.stdout + after.stderr).toBe(0);
  });
});

describe('max_connections exhausted by held connections', () => {
  const held: ChildProcess[] = [];
  let original = '151';

  /**
   * Opens one more session and says whether it got in: a `mariadb` client that logs in, echoes
   * a marker, then waits on its stdin, idle on the server (which frees the slot as soon as the
   * client goes, unlike a SLEEP). Ending its stdin in afterAll makes it quit cleanly.
   */
  async function hold(creds: { user: string; password: string }): Promise<{ in: boolean; stderr: string }> {
    const child = spawn(
      'mariadb',
      [
        '--no-defaults',
        '--protocol=TCP',
        '-h',
        cluster().host,
        '-P',
        String(node(2).port),
        '-u',
        creds.user,
        '-N',
        '-B',
        '--unbuffered',
      ],
      {
        env: { ...process.env, MYSQL_PWD: creds.password },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    held.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin!.write("SELECT 'held';\n");
    await waitFor('the session in or refused', () => stdout.includes('held') || child.exitCode !== null, 10_000, 50);
    return { in: stdout.includes('held'), stderr };
  }

  /** Opens sessions until one is refused; returns the refusal. */
  async function fill(creds: { user: string; password: string }): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const session = await hold(creds);
      if (!session.in) return session.stderr;
    }
    throw new Error('200 sessions and none refused');
  }

  beforeAll(() => {
    original = show(2, 'VARIABLES', ['max_connections'])['max_connections'] ?? '151';
    // MariaDB clamps max_connections to at least 10 (with a warning).
    sql(2, 'SET GLOBAL max_connections=10');
  });

  afterAll(async () => {
    for (const child of held) child.stdin?.end();
    await waitFor('held sessions gone', () => held.every((child) => child.exitCode !== null), 10_000, 100).catch(
      () => undefined,
    );
    for (const child of held) child.kill('SIGKILL');
    await waitFor(
      'the slots free again',
      () => Number(show(2, 'STATUS', ['Threads_connected'])['Threads_connected']) <= 1,
      10_000,
    );
    sql(2, `SET GLOBAL max_connections=${Number(original)}`);
  });

  // MariaDB admits one session beyond max_connections, for a user with SUPER or CONNECTION
  // ADMIN: an ordinary user is refused once the ordinary slots are full, and once the extra
  // one is taken too, everyone is refused.
  it('full for ordinary users: server error 1040, exit 6', async () => {
    expect(await fill(cluster().user.native)).toMatch(/ERROR 1040/);

    const run = await cli([...native(), '--json', node(2).target], pwEnv());
    expect(run.code, run.stdout + run.stderr).toBe(6);
    const result = json(run);
    expect(result).toMatchObject({ healthy: false, outcome: 'server-error', phase: 'auth' });
    expect(result.error).toMatchObject({ code: 'SERVER_ERROR', errno: 1040 });
    expect(String(result['reason'])).toMatch(/too many connections/i);
  });

  it('full for everyone: server error 1040 instead of the greeting, exit 6', async () => {
    // The C client words a refusal before the greeting as its own error 2002 ("Received error
    // packet before completion of TCP handshake"); the probe shows the server's 1040 itself.
    expect(await fill(cluster().user.admin)).toMatch(/ERROR (1040|2002)/);

    const run = await cli([...native(), '--json', node(2).target], pwEnv());
    expect(run.code, run.stdout + run.stderr).toBe(6);
    const result = json(run);
    expect(result).toMatchObject({ healthy: false, outcome: 'server-error', phase: 'greeting' });
    expect(result.error).toMatchObject({ code: 'SERVER_ERROR', errno: 1040 });
    expect(String(result['reason'])).toMatch(/too many connections/i);
  });
});

describe('plain failures', () => {
  it('a wrong password is access denied, exit 4, and the password is not printed', async () => {
    const run = await cli([...native(), '--json', node(1).target], { MYSQL_PWD: 'not-the-password' });
    expect(run.code, run.stderr).toBe(4);
    const result = json(run);
    expect(result).toMatchObject({ healthy: false, outcome: 'access-denied', phase: 'auth' });
    expect(result.error).toMatchObject({ errno: 1045 });
    expect(run.stdout + run.stderr).not.toContain('not-the-password');
  });

  it('nothing listening is unreachable, exit 2', async () => {
    const port = await closedPort();
    const run = await cli([...native(), '--json', `127.0.0.1:${port}`], pwEnv());
    expect(run.code, run.stderr).toBe(2);
    expect(json(run)).toMatchObject({
      healthy: false,
      outcome: 'unreachable',
      phase: 'connect',
      error: { code: 'ECONNREFUSED' },
    });
  });

  it('the unix socket of a node is healthy', async () => {
    const { socket } = node(1);
    const run = await cli([...native(), '--json', socket], pwEnv());
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const result = json(run);
    expect(result).toMatchObject({ target: socket, healthy: true, reason: 'synced' });
    expect(result.node).toMatchObject({ clusterStatus: 'Primary', localState: 4 });
  });
});
