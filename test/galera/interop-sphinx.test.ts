/**
 * Interoperability with a MySQL-protocol server nobody here wrote: Debian's sphinxsearch 2.2
 * (`searchd` with a `mysql41` listener), installed by scripts/galera-cluster.sh. Each run starts
 * its own searchd on a free loopback port, with its config and an empty RT index in a temporary
 * directory; it needs nothing from the Galera cluster.
 *
 * What is true of it: SphinxQL accepts any login and answers COM_PING, so `--check alive` is
 * healthy. It has SHOW STATUS and SHOW VARIABLES but no SHOW GLOBAL STATUS (its grammar expects
 * VARIABLES after GLOBAL), so the Galera check's first statement gets ERR 1064 and the probe
 * reports the server's own error: server-error in phase query, exit 6. That is honest: the node
 * cannot tell its Galera state.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe, type ProbeResult } from '../../src/index.js';
import { handleCounts, settle } from '../support/resources.js';
import { cli, closedPort, json, sleep, waitFor } from './support/cluster.js';

const SEARCHD = '/usr/bin/searchd';
let dir = '';
let port = 0;
let searchd: ChildProcess | undefined;
let output = '';

/** Resolves once something accepts a TCP connection on the port (then closes it). */
function accepts(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: p });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

beforeAll(async () => {
  if (!existsSync(SEARCHD))
    throw new Error(`${SEARCHD} is missing: scripts/galera-cluster.sh install installs sphinxsearch`);
  dir = mkdtempSync(join(tmpdir(), 'gp-sphinx-'));
  mkdirSync(join(dir, 'data'));
  port = await closedPort();
  const config = join(dir, 'sphinx.conf');
  writeFileSync(
    config,
    [
      'index probe',
      '{',
      '  type = rt',
      `  path = ${join(dir, 'data', 'probe')}`,
      '  rt_field = title',
      '  rt_attr_uint = gid',
      '}',
      'searchd',
      '{',
      `  listen = 127.0.0.1:${port}:mysql41`,
      `  log = ${join(dir, 'searchd.log')}`,
      `  query_log = ${join(dir, 'query.log')}`,
      `  pid_file = ${join(dir, 'searchd.pid')}`,
      '  binlog_path =',
      '  workers = threads',
      '}',
      '',
    ].join('\n'),
  );
  const child = spawn(SEARCHD, ['--config', config, '--nodetach'], { stdio: ['ignore', 'pipe', 'pipe'] });
  searchd = child;
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  let exited = false;
  child.once('exit', () => (exited = true));
  const started = Date.now();
  while (!(await accepts(port))) {
    if (exited || Date.now() - started > 20_000)
      throw new Error(`searchd did not start listening on ${port}:\n${output}`);
    await sleep(100);
  }
});

afterAll(async () => {
  const child = searchd;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exit = once(child, 'exit');
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(killer);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** searchd's own list of client connections, from a connection of the `mariadb` client. */
function searchdThreads(): string[] {
  const out = execFileSync(
    'mariadb',
    ['--no-defaults', '-h', '127.0.0.1', '-P', String(port), '-u', 'referee', '-N', '-B', '-e', 'SHOW THREADS'],
    {
      encoding: 'utf8',
      timeout: 10_000,
    },
  );
  return out.split('\n').filter((line) => line.trim() !== '');
}

/** Waits until searchd lists no connection but the one asking: the probe's was closed on its side too. */
async function waitSearchdIdle(): Promise<void> {
  let last: string[] = [];
  await waitFor(
    'searchd to close the probe connection',
    () => {
      last = searchdThreads();
      return last.length === 1 && last[0]!.includes('SHOW THREADS');
    },
    10_000,
    100,
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}; threads: ${JSON.stringify(last)}`);
  });
}

async function probeAndCheckCleanup(options: { check?: 'alive' | 'galera' }): Promise<ProbeResult> {
  const before = handleCounts();
  const result = await probe({ host: '127.0.0.1', port, user: 'probe', password: 'any', timeout: 5000, ...options });
  await settle();
  const after = handleCounts();
  expect(after['TCPSocketWrap'] ?? 0).toBeLessThanOrEqual(before['TCPSocketWrap'] ?? 0);
  expect(after['Timeout'] ?? 0).toBeLessThanOrEqual(before['Timeout'] ?? 0);
  await waitSearchdIdle();
  return result;
}

describe('sphinxsearch 2.2 searchd (mysql41 listener)', () => {
  it('the referee sees one connection, its own, before any probe', async () => {
    await waitSearchdIdle();
  });

  it('--check alive is healthy: it logs in and answers COM_PING', async () => {
    const result = await probeAndCheckCleanup({ check: 'alive' });
    expect(result).toMatchObject({
      healthy: true,
      outcome: 'healthy',
      reason: 'alive',
      node: { authPlugin: 'mysql_native_password', tls: false },
    });
    expect(result.phase).toBeUndefined();
    expect(result.node?.version).toMatch(/^2\.2\.\d+/);

    const run = await cli(['-u', 'probe', '--check', 'alive', `127.0.0.1:${port}`], { MYSQL_PWD: 'any' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/healthy: alive/);
    await waitSearchdIdle();
  });

  it('the Galera check ends with the server error SHOW GLOBAL STATUS gets: 1064 in phase query, exit 6', async () => {
    const result = await probeAndCheckCleanup({});
    expect(result).toMatchObject({
      healthy: false,
      outcome: 'server-error',
      phase: 'query',
      error: { code: 'SERVER_ERROR', errno: 1064, sqlState: '42000' },
    });
    expect(result.reason).toMatch(/^server error 1064: sphinxql: syntax error, unexpected STATUS/);
    // It never got as far as a Galera field.
    expect(result.node?.clusterStatus).toBeUndefined();

    const run = await cli(['-u', 'probe', '--json', `127.0.0.1:${port}`], { MYSQL_PWD: 'any' });
    expect(run.code, run.stdout + run.stderr).toBe(6);
    expect(json(run)).toMatchObject({ outcome: 'server-error', phase: 'query', error: { errno: 1064 } });
    await waitSearchdIdle();
  });

  it('searchd logged no error of ours', () => {
    const log = readFileSync(join(dir, 'searchd.log'), 'utf8');
    expect(log).not.toMatch(/FATAL|CRASH/);
  });
});
