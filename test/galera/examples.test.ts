/**
 * The deployment examples hold up: HAProxy accepts examples/haproxy.cfg, and the command line
 * of examples/galera-probe.service serves a real node (paths moved to a temporary directory).
 * The Kubernetes and Azure examples are documentation only (docs/serve.md).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cluster, node, ROOT, waitAllSynced, waitFor } from './support/cluster.js';
import { get } from '../support/http.js';

const dir = mkdtempSync(join(tmpdir(), 'gp-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('examples/', () => {
  it('haproxy-writer.cfg is valid for HAProxy (haproxy -c)', () => {
    const out = execFileSync('haproxy', ['-c', '-f', join(ROOT, 'examples', 'haproxy-writer.cfg')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toMatch(/Configuration file is valid/);
  });

  it('haproxy.cfg is valid for HAProxy (haproxy -c)', () => {
    const out = execFileSync('haproxy', ['-c', '-f', join(ROOT, 'examples', 'haproxy.cfg')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toMatch(/Configuration file is valid/);
  });

  it("galera-probe.service's ExecStart serves a real node through its unix socket", async () => {
    await waitAllSynced();
    const unit = readFileSync(join(ROOT, 'examples', 'galera-probe.service'), 'utf8');
    const exec = /^ExecStart=((?:.*\\\n)*.*)$/m.exec(unit)![1]!.replace(/\\\n\s*/g, ' ');
    const [program, ...args] = exec.trim().split(/\s+/);
    expect(program).toBe('/usr/local/bin/galera-probe');
    // The same arguments, with the paths of this machine.
    const { user, password } = cluster().user.native;
    const cnf = join(dir, 'my.cnf');
    writeFileSync(cnf, `[client]\nuser = ${user}\npassword = ${password}\n`, { mode: 0o600 });
    const moved = args.map((a) =>
      a === '0.0.0.0:9200'
        ? '127.0.0.1:0'
        : a === '/etc/galera-probe/my.cnf'
          ? cnf
          : a === '/etc/galera-probe/maintenance'
            ? join(dir, 'maintenance')
            : a === '/run/mysqld/mysqld.sock'
              ? node(1).socket
              : a,
    );
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'galera-probe'), ...moved], {
      env: { PATH: process.env['PATH'] },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    try {
      let port = 0;
      await waitFor(
        'the unit to listen',
        () => {
          const m = /"address":"127\.0\.0\.1:(\d+)"/.exec(stderr);
          if (m) port = Number(m[1]);
          return port > 0 || child.exitCode !== null;
        },
        10_000,
        50,
      );
      expect(port, stderr).toBeGreaterThan(0);
      expect(await get(port, '/health')).toMatchObject({ status: 200, body: 'synced\n' });
      writeFileSync(join(dir, 'maintenance'), '');
      expect(await get(port, '/health')).toMatchObject({ status: 503, body: 'maintenance\n' });
      expect(stderr).not.toContain(password);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode === null ? child.once('close', resolve) : resolve(undefined)));
    }
    expect(child.exitCode).toBe(0);
  });
});
