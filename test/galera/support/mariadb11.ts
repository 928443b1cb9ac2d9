/**
 * The MariaDB 11.8 test bed (`GP_MARIADB=11.8 scripts/galera-cluster.sh start`): its nodes run
 * from a Debian 13 root with `chroot`, with the cluster's base dir bind-mounted at the same path.
 * Here: the root's own `mariadb` client (11.8, it knows parsec; the host's 10.11 one does not), and
 * a throwaway standalone server from the same root started with no option file at all, to see what
 * 11.8 does by itself (TLS with a certificate of its own).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { closedPort, cluster, type Credentials, sleep } from './cluster.js';

/** The Debian 13 root the nodes run in; throws unless the cluster was started with GP_MARIADB=11.8. */
export function trixieRoot(): string {
  const { vars } = cluster();
  if (vars['GP_MARIADB'] !== '11.8' || !vars['GP_TRIXIE_ROOT']) {
    throw new Error(
      `these tests need the cluster started with GP_MARIADB=11.8 (galera-cluster.sh env says GP_MARIADB=${vars['GP_MARIADB'] ?? 'unset'})`,
    );
  }
  return vars['GP_TRIXIE_ROOT'];
}

/** The parsec account that `galera-cluster.sh` makes on 11.8. */
export function parsecUser(): Credentials {
  const { vars } = cluster();
  const user = vars['GP_USER_PARSEC'];
  const password = vars['GP_PASSWORD_PARSEC'];
  if (!user || !password) throw new Error('galera-cluster.sh env did not print GP_USER_PARSEC / GP_PASSWORD_PARSEC');
  return { user, password };
}

export interface ClientRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the root's `mariadb` client (11.8) with `args`; never throws on a non-zero exit. */
export function rootClient(args: readonly string[], password?: string): ClientRun {
  try {
    const stdout = execFileSync(
      'chroot',
      [trixieRoot(), 'mariadb', '--no-defaults', '--connect-timeout=5', '-N', '-B', ...args],
      {
        encoding: 'utf8',
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...(password === undefined ? {} : { MYSQL_PWD: password }) },
        timeout: 20_000,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status?: number | null; stdout?: string; stderr?: string };
    return { code: e.status ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export interface Standalone {
  port: number;
  socket: string;
  pid: number;
  /** SIGTERM (SIGKILL after 30 s), then deletes its data directory. */
  stop(): Promise<void>;
}

/**
 * A standalone (no Galera) 11.8 server from the root, on a free loopback port, started with
 * `--no-defaults` and nothing about TLS: whatever TLS it offers it made up itself. Its data lives
 * in the cluster's base dir (bound into the root) under `name`; root logs in over its socket.
 */
export async function startStandalone(name: string): Promise<Standalone> {
  const root = trixieRoot();
  const base = cluster().vars['GP_CLUSTER_BASE'];
  if (!base) throw new Error('galera-cluster.sh env did not print GP_CLUSTER_BASE');
  const dir = join(base, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const datadir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const inRoot = (args: string[]): void => {
    execFileSync('chroot', [root, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  };
  inRoot([
    'mariadb-install-db',
    '--no-defaults',
    '--user=mysql',
    '--basedir=/usr',
    `--datadir=${datadir}`,
    '--auth-root-authentication-method=socket',
    '--skip-test-db',
    '--skip-name-resolve',
  ]);
  inRoot(['chown', 'mysql:mysql', dir]);
  const port = await closedPort();
  const child = spawn(
    'chroot',
    [
      root,
      '/usr/sbin/mariadbd',
      '--no-defaults',
      '--user=mysql',
      `--datadir=${datadir}`,
      `--socket=${socket}`,
      `--pid-file=${join(dir, 'mariadbd.pid')}`,
      `--log-error=${join(dir, 'error.log')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--innodb-buffer-pool-size=32M',
      '--performance-schema=OFF',
    ],
    { stdio: 'ignore', detached: false },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn chroot mariadbd');
  let exited = false;
  child.on('exit', () => (exited = true));
  const started = Date.now();
  while (rootClient([`--socket=${socket}`, '-uroot', '-e', 'SELECT 1']).code !== 0) {
    const log = (): string =>
      existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8').slice(-2000) : '';
    if (exited) throw new Error(`standalone 11.8 server ${name} exited while starting:\n${log()}`);
    if (Date.now() - started > 60_000) {
      child.kill('SIGKILL');
      throw new Error(`standalone 11.8 server ${name} not answering after 60 s:\n${log()}`);
    }
    await sleep(300);
  }
  return {
    port,
    socket,
    pid,
    async stop(): Promise<void> {
      if (!exited) child.kill('SIGTERM');
      for (let i = 0; i < 300 && !exited; i++) await sleep(100);
      if (!exited) child.kill('SIGKILL');
      for (let i = 0; i < 50 && !exited; i++) await sleep(100);
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
