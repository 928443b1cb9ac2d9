/**
 * The Debian package, checked as Debian checks packages and then installed on machines that
 * never saw the project. Build it first with `npm run build:deb` (`.ci/run` does).
 *
 * - lintian reports no error (the warnings that stay are explained in docs/install.md);
 *   `systemd-analyze verify` accepts the unit, against the package's own files;
 * - the manual page holds every line of the executable's --help, command by command;
 * - in a pristine Debian 12 root (`debootstrap --variant=minbase bookworm`, made once by
 *   scripts/pristine-root.sh) and, when it exists, the Debian 13 root of the MariaDB 11.8 work,
 *   each seen through a throwaway overlay mount (the roots themselves are never written):
 *   `dpkg -i` makes the user and starts nothing; `galera-probe --version` runs; a single check
 *   of a real node of the running test cluster exits 0 as that user with the credentials of
 *   my.cnf; `serve` started with the unit's own ExecStart, EnvironmentFile and User answers
 *   /health 200 over the default unix socket (the node's, bind-mounted where MariaDB puts it); `dpkg -r` keeps the configuration and the user; `dpkg --purge` leaves nothing:
 *   the overlay's upper layer, which holds every change made to the root, is back to dpkg's own
 *   bookkeeping, and passwd, group, shadow and gshadow are as they were.
 *
 * Needs root (chroot, mount) and the real cluster (scripts/galera-cluster.sh start).
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { closedPort, cluster } from '../galera/support/cluster.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEB = join(ROOT, 'dist', `galera-probe_${VERSION}_amd64.deb`);
const BOOKWORM = '/var/cache/galera-probe/bookworm';
const TRIXIE = '/var/cache/galera-probe/trixie';
/** What a machine that never saw the project has in its environment: nothing of ours. */
const CLEAN_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: '/root' };

function run(
  file: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string } = {},
): SpawnSyncReturns<string> {
  return spawnSync(file, args, {
    encoding: 'utf8',
    env: opts.env ?? CLEAN_ENV,
    input: opts.input ?? '',
    timeout: 120_000,
  });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what}: exit ${r.status ?? r.signal}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The newest input of the package, to tell a stale build. */
function newestInput(): { path: string; mtimeMs: number } {
  let newest = { path: '', mtimeMs: 0 };
  const consider = (path: string): void => {
    const { mtimeMs } = statSync(path);
    if (mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
  };
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (dir.includes('packaging') || entry.name.endsWith('.ts')) consider(path);
    }
  };
  visit(join(ROOT, 'src'));
  visit(join(ROOT, 'packaging', 'deb'));
  for (const name of ['build-deb.ts', 'man-page.ts', 'build-sea.ts', 'bundle-cli.ts'])
    consider(join(ROOT, 'scripts', name));
  return newest;
}

let work: string;
let tree: string;

beforeAll(() => {
  if (!existsSync(DEB)) throw new Error(`${relative(ROOT, DEB)} is missing: run \`npm run build:deb\` first`);
  const input = newestInput();
  if (input.mtimeMs > statSync(DEB).mtimeMs)
    throw new Error(
      `${relative(ROOT, DEB)} is older than ${relative(ROOT, input.path)}: run \`npm run build:deb\` again`,
    );
  work = mkdtempSync(join(tmpdir(), 'gp-deb-test-'));
  tree = join(work, 'tree');
  ok(run('dpkg-deb', ['-x', DEB, tree]), 'dpkg-deb -x');
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the package, as Debian checks packages', () => {
  it('holds the executable, the unit, the conffiles and the documentation, with their modes and root as owner', () => {
    const listing = ok(run('dpkg-deb', ['-c', DEB]), 'dpkg-deb -c');
    const entries = new Map(
      listing
        .trim()
        .split('\n')
        .map((line) => {
          const [mode, owner, , , , path] = line.split(/\s+/);
          return [path!.replace(/^\.\//, '/'), { mode: mode!, owner: owner! }] as const;
        }),
    );
    const expected: Record<string, string> = {
      '/usr/bin/galera-probe': '-rwxr-xr-x',
      '/lib/systemd/system/galera-probe.service': '-rw-r--r--',
      '/etc/default/galera-probe': '-rw-r--r--',
      '/etc/galera-probe/my.cnf': '-rw-r-----',
      '/usr/share/man/man1/galera-probe.1.gz': '-rw-r--r--',
      '/usr/share/doc/galera-probe/copyright': '-rw-r--r--',
      '/usr/share/doc/galera-probe/changelog.gz': '-rw-r--r--',
    };
    for (const [path, mode] of Object.entries(expected))
      expect(entries.get(path), path).toEqual({ mode, owner: 'root/root' });
    for (const [path, e] of entries) expect(e.owner, path).toBe('root/root');

    const field = (name: string) => ok(run('dpkg-deb', ['-f', DEB, name]), name).trim();
    expect(field('Package')).toBe('galera-probe');
    expect(field('Version')).toBe(VERSION);
    expect(field('Architecture')).toBe('amd64');
    expect(
      ok(run('dpkg-deb', ['-I', DEB, 'conffiles']), 'conffiles')
        .trim()
        .split('\n'),
    ).toEqual(['/etc/default/galera-probe', '/etc/galera-probe/my.cnf']);
  });

  it('lintian reports no error, and no warning that docs/install.md does not explain', () => {
    const r = run('lintian', ['--pedantic', '--no-tag-display-limit', DEB]);
    const tags = `${r.stdout}${r.stderr}`.split('\n').filter((l) => /^[EWIPXO]: /.test(l));
    const errors = tags.filter((l) => l.startsWith('E: '));
    expect(errors).toEqual([]);
    expect(r.status).toBe(0);
    const warnings = tags.filter((l) => l.startsWith('W: ')).map((l) => l.replace(/^W: galera-probe: /, ''));
    // hardening-no-pie depends on the Node.js that built the executable (a PIE build has none).
    const explained = [
      'hardening-no-pie [usr/bin/galera-probe]',
      'non-standard-file-perm 0640 != 0644 [etc/galera-probe/my.cnf]',
    ];
    expect(warnings.filter((w) => !explained.includes(w))).toEqual([]);
    expect(warnings).toContain('non-standard-file-perm 0640 != 0644 [etc/galera-probe/my.cnf]');
    // The one override says why; docs/install.md names it too.
    expect(readFileSync(join(tree, 'usr/share/lintian/overrides/galera-probe'), 'utf8')).toMatch(
      /^galera-probe: embedded-library zlib/m,
    );
    const doc = readFileSync(join(ROOT, 'docs', 'install.md'), 'utf8');
    for (const tag of ['hardening-no-pie', 'non-standard-file-perm', 'embedded-library']) expect(doc).toContain(tag);
  }, 180_000);

  it("systemd-analyze verify accepts the unit, against the package's own files", () => {
    // A root made of the package's files and this machine's systemd units (sysinit.target and
    // the rest of what default dependencies name): the unit is checked as shipped, ExecStart
    // included (it must exist and be executable there).
    const root = join(work, 'verify-root');
    ok(run('cp', ['-a', `${tree}/.`, root]), 'cp tree');
    ok(run('cp', ['-an', '/lib/systemd/system/.', join(root, 'lib/systemd/system/')]), 'cp units');
    const r = run('systemd-analyze', [
      'verify',
      '--man=no',
      `--root=${root}`,
      '/lib/systemd/system/galera-probe.service',
    ]);
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);

    // And the verification does fail on a broken ExecStart, so the pass above means something.
    const unit = join(root, 'lib/systemd/system/galera-probe.service');
    writeFileSync(unit, readFileSync(unit, 'utf8').replace('/usr/bin/galera-probe ', '/usr/bin/galera-probe-missing '));
    const broken = run('systemd-analyze', [
      'verify',
      '--man=no',
      `--root=${root}`,
      '/lib/systemd/system/galera-probe.service',
    ]);
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toContain('galera-probe-missing');
  }, 60_000);

  it('the unit runs serve as the galera-probe user, hardened, and is not enabled by anything in the package', () => {
    const unit = readFileSync(join(tree, 'lib/systemd/system/galera-probe.service'), 'utf8');
    const keys = new Map<string, string[]>();
    for (const line of unit.split('\n')) {
      const m = /^([A-Za-z]+)=(.*)$/.exec(line);
      if (m) keys.set(m[1]!, [...(keys.get(m[1]!) ?? []), m[2]!]);
    }
    expect(keys.get('User')).toEqual(['galera-probe']);
    expect(keys.get('ExecStart')).toEqual(['/usr/bin/galera-probe serve $ARGS']);
    expect(keys.get('EnvironmentFile')).toEqual(['/etc/default/galera-probe']);
    // One malloc arena: 4-5 MiB less RSS for serve under continuous probing (BENCHMARKS.md, issue 21).
    expect(keys.get('Environment')).toEqual(['MALLOC_ARENA_MAX=1']);
    for (const [k, v] of [
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['PrivateDevices', 'yes'],
      ['CapabilityBoundingSet', ''],
    ] as const) {
      expect(keys.get(k), k).toEqual([v]);
    }
    // The exposure score systemd computes from these (0 best, 10 worst), read offline.
    const sec = run('systemd-analyze', [
      'security',
      '--offline=true',
      join(tree, 'lib/systemd/system/galera-probe.service'),
    ]);
    const score = /Overall exposure level for galera-probe\.service: ([\d.]+)/.exec(sec.stdout);
    expect(score, sec.stdout + sec.stderr).not.toBeNull();
    expect(Number(score![1])).toBeLessThan(2);
    // No maintainer script enables or starts it.
    for (const script of ['postinst', 'prerm', 'postrm']) {
      const text = ok(run('dpkg-deb', ['-I', DEB, script]), script);
      expect(text, script).not.toMatch(/\b(enable|start|deb-systemd-helper (enable|update-state))\b/);
    }
  });

  it("the manual page holds every line of the executable's --help, command by command, and groff reads it without a warning", () => {
    const page = gunzipSync(readFileSync(join(tree, 'usr/share/man/man1/galera-probe.1.gz'))).toString('utf8');
    const lint = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: page, encoding: 'utf8' });
    expect(lint.stderr).toBe('');
    const rendered = spawnSync('groff', ['-man', '-Tascii', '-P-cbou', '-rLL=200n'], {
      input: page,
      encoding: 'utf8',
    }).stdout;
    const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
    const renderedLines = new Set(rendered.split('\n').map(norm));
    const exe = join(tree, 'usr/bin/galera-probe');
    let checked = 0;
    for (const args of [[], ['cluster'], ['serve'], ['watch']]) {
      const help = ok(run(exe, [...args, '--help']), `${args.join(' ')} --help`);
      // The packaged executable's help is the checkout's (the same source).
      expect(help).toBe(
        ok(
          run(process.execPath, [join(ROOT, 'bin', 'galera-probe'), ...args, '--help'], { env: { ...CLEAN_ENV } }),
          'bin --help',
        ),
      );
      for (const line of help
        .split('\n')
        .map(norm)
        .filter((l) => l !== '')) {
        const bare = line.replace(/^Usage: /, '');
        expect(
          renderedLines.has(line) || renderedLines.has(bare),
          `${args.join(' ') || 'galera-probe'} --help line not in the page: ${line}`,
        ).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(80);
  });
});

// ---------------------------------------------------------------------------------------------
// Installed on machines that never saw the project.

interface Overlay {
  merged: string;
  upper: string;
  lower: string;
}

const mounted: Overlay[] = [];
/** Bind mounts inside the overlays, unmounted before them. */
const binds: string[] = [];

function mountOverlay(lower: string, name: string): Overlay {
  const base = join(work, name);
  const o = { lower, upper: join(base, 'upper'), merged: join(base, 'merged') };
  for (const d of [o.upper, join(base, 'work'), o.merged]) mkdirSync(d, { recursive: true });
  ok(
    run('mount', [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${lower},upperdir=${o.upper},workdir=${join(base, 'work')}`,
      o.merged,
    ]),
    `mount overlay on ${lower}`,
  );
  mounted.push(o);
  return o;
}

afterAll(() => {
  for (const b of binds) run('umount', ['-l', b]);
  for (const o of mounted.reverse()) {
    const r = run('umount', [o.merged]);
    if (r.status !== 0) run('umount', ['-l', o.merged]);
  }
});

/**
 * What the tests changed in the root: every file, symbolic link and whiteout (a deletion) of the
 * upper layer, and its directories that the root did not have. (A directory of the root is
 * copied up when something is made in it, and stays there, empty, when that is removed.)
 */
function changes(o: Overlay): string[] {
  const out: string[] = [];
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(o.upper, path);
      if (!entry.isDirectory() || !isDir(join(o.lower, rel))) out.push(rel);
      if (entry.isDirectory()) visit(path);
    }
  };
  visit(o.upper);
  return out.sort();
}

function isDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

function inRoot(o: Overlay, args: readonly string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return run('chroot', [o.merged, ...args], { env: { ...CLEAN_ENV, ...env } });
}

/** The `KEY=value` lines of an EnvironmentFile, as systemd reads them (quotes removed). */
function environmentFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    const raw = m[2]!.trim();
    vars[m[1]!] = /^(["']).*\1$/.test(raw) ? raw.slice(1, -1) : raw;
  }
  return vars;
}

/** ExecStart's words with `$VAR` split into words and `${VAR}` kept as one, as systemd does. */
function execStart(line: string, vars: Record<string, string>): string[] {
  return line.split(/\s+/).flatMap((word) => {
    const split = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
    if (split) return (vars[split[1]!] ?? '').split(/\s+/).filter((w) => w !== '');
    return [word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, k: string) => vars[k] ?? '')];
  });
}

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const ACCOUNT_FILES = ['etc/passwd', 'etc/group', 'etc/shadow', 'etc/gshadow', 'etc/subuid', 'etc/subgid'];
/**
 * What may stay in the upper layer after the purge: dpkg's database and log, the account files
 * (checked to be as before), shadow-utils' lock and backups (`passwd-` is the file as it was
 * before the last change: every useradd/userdel writes one), and the directory of the copied
 * package.
 */
const BOOKKEEPING = [
  /^tmp(\/|$)/,
  /^var(\/lib(\/dpkg(\/.*)?)?|\/log(\/dpkg\.log)?)?$/,
  /^etc$/,
  /^etc\/(passwd|group|shadow|gshadow|subuid|subgid)-?$/,
  /^etc\/\.pwd\.lock$/,
  /^var\/cache(\/debconf(\/.*)?)?$/,
];

function installTest(label: string, lower: string): void {
  describe(`installed with dpkg -i into ${label} (${lower}, through a throwaway overlay)`, () => {
    let o: Overlay;
    beforeAll(() => {
      if (!existsSync(join(lower, 'var/lib/dpkg/status')))
        throw new Error(`${lower} is not a Debian root: make it with scripts/pristine-root.sh`);
      o = mountOverlay(lower, label.replace(/\W+/g, '-'));
      // The root never saw the project.
      expect(inRoot(o, ['dpkg-query', '-W', 'galera-probe']).status).not.toBe(0);
      expect(inRoot(o, ['getent', 'passwd', 'galera-probe']).status).not.toBe(0);
      writeFileSync(join(o.merged, 'tmp', 'galera-probe.deb'), readFileSync(DEB));
    }, 60_000);

    it('dpkg -i makes the system user, sets my.cnf to 0640 for it, and neither enables nor starts the service', () => {
      const r = inRoot(o, ['dpkg', '-i', '/tmp/galera-probe.deb']);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(`${r.stdout}${r.stderr}`).not.toMatch(/Created symlink|Starting|start/i);
      const [, , uid, , , home, shell] = ok(inRoot(o, ['getent', 'passwd', 'galera-probe']), 'getent')
        .trim()
        .split(':');
      expect(Number(uid)).toBeGreaterThan(0);
      expect(Number(uid)).toBeLessThan(1000); // a system user
      expect(home).toBe('/nonexistent');
      expect(shell).toBe('/usr/sbin/nologin');
      expect(ok(inRoot(o, ['stat', '-c', '%a %U %G', '/etc/galera-probe/my.cnf']), 'stat').trim()).toBe(
        '640 galera-probe galera-probe',
      );
      // Nothing links the unit into a target: not enabled.
      const wants = join(o.merged, 'etc/systemd/system');
      const links = existsSync(wants) ? ok(run('find', [wants, '-name', 'galera-probe*']), 'find') : '';
      expect(links).toBe('');
      expect(existsSync(join(o.merged, 'lib/systemd/system/galera-probe.service'))).toBe(true);
    });

    it('galera-probe --version runs, with nothing on stderr', () => {
      const r = inRoot(o, ['galera-probe', '--version']);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`galera-probe ${VERSION}\n`);
      expect(r.status).toBe(0);
    });

    it('a single check of a real node exits 0, as the galera-probe user, with the credentials of my.cnf', () => {
      const c = cluster();
      const { user, password } = c.user.native;
      // As an operator fills it: the file keeps its mode and owner.
      writeFileSync(join(o.merged, 'etc/galera-probe/my.cnf'), `[client]\nuser = ${user}\npassword = "${password}"\n`);
      expect(ok(inRoot(o, ['stat', '-c', '%a %U', '/etc/galera-probe/my.cnf']), 'stat').trim()).toBe(
        '640 galera-probe',
      );
      const target = c.nodes[0]!.target;
      const r = run('chroot', [
        '--userspec=galera-probe:galera-probe',
        o.merged,
        '/usr/bin/galera-probe',
        '--defaults-file',
        '/etc/galera-probe/my.cnf',
        target,
      ]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/healthy/);
      // Another user cannot read the credentials.
      const nobody = run('chroot', [
        '--userspec=nobody:nogroup',
        o.merged,
        '/usr/bin/galera-probe',
        '--defaults-file',
        '/etc/galera-probe/my.cnf',
        target,
      ]);
      expect(nobody.status).toBe(64);
      expect(nobody.stderr).toMatch(/my\.cnf/);
      expect(nobody.stderr).not.toContain(password);
    });

    it('dpkg -i again (an upgrade in place) keeps the filled-in my.cnf, its mode and owner, and the user', () => {
      const before = readFileSync(join(o.merged, 'etc/galera-probe/my.cnf'), 'utf8');
      const uid = ok(inRoot(o, ['id', '-u', 'galera-probe']), 'id').trim();
      const r = inRoot(o, ['dpkg', '-i', '/tmp/galera-probe.deb']);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(readFileSync(join(o.merged, 'etc/galera-probe/my.cnf'), 'utf8')).toBe(before);
      expect(before).toMatch(/^user = /m);
      expect(ok(inRoot(o, ['stat', '-c', '%a %U %G', '/etc/galera-probe/my.cnf']), 'stat').trim()).toBe(
        '640 galera-probe galera-probe',
      );
      expect(ok(inRoot(o, ['id', '-u', 'galera-probe']), 'id').trim()).toBe(uid);
    });

    it("serve, started with the unit's own ExecStart, EnvironmentFile and User, answers /health 200 over the default unix socket", async () => {
      const unit = readFileSync(join(o.merged, 'lib/systemd/system/galera-probe.service'), 'utf8');
      const key = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(unit)?.[1] ?? '';
      const envFile = join(o.merged, key('EnvironmentFile'));
      // The shipped arguments, but for the listening address: port 9200 of this shared machine
      // (the chroot shares its network) may be taken. The target stays the default unix socket,
      // where the real node's socket is bind-mounted, as a local MariaDB would have it.
      const port = await closedPort();
      const original = readFileSync(envFile, 'utf8');
      const edited = original.replace('--listen 0.0.0.0:9200', `--listen 127.0.0.1:${port}`);
      expect(edited).not.toBe(original);
      writeFileSync(envFile, edited);
      // Environment= first, then the file, which overrides it, as systemd does.
      const vars = { ...environmentFile(key('Environment')), ...environmentFile(edited) };
      expect(vars['MALLOC_ARENA_MAX']).toBe('1');
      const argv = execStart(key('ExecStart'), vars);
      expect(argv.slice(0, 2)).toEqual(['/usr/bin/galera-probe', 'serve']);
      expect(argv.at(-1)).toBe('/run/mysqld/mysqld.sock');
      const user = key('User');
      expect(user).toBe('galera-probe');

      const socketDir = join(o.merged, 'run/mysqld');
      const madeDir = !existsSync(socketDir);
      mkdirSync(socketDir, { recursive: true, mode: 0o755 });
      const socket = join(socketDir, 'mysqld.sock');
      writeFileSync(socket, '');
      ok(run('mount', ['--bind', cluster().nodes[0]!.socket, socket]), 'bind-mount the node socket');
      binds.push(socket);
      const child = spawn('chroot', [`--userspec=${user}:${key('Group') || user}`, o.merged, ...argv], {
        env: { ...CLEAN_ENV, ...vars },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      try {
        let health: { status: number; body: string } | undefined;
        const start = Date.now();
        while (Date.now() - start < 20_000 && child.exitCode === null) {
          health = await httpGet(port, '/health').catch(() => undefined);
          if (health?.status === 200) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        expect(health, stderr).toEqual({ status: 200, body: 'synced\n' });
        // It runs as the user of the unit, not root (ps reads this machine's passwd: compare uids).
        const uid = ok(run('ps', ['-o', 'uid=', '-p', String(child.pid)]), 'ps').trim();
        expect(uid).toBe(ok(inRoot(o, ['id', '-u', user]), 'id').trim());
        expect(uid).not.toBe('0');
        // The maintenance file of the default arguments.
        writeFileSync(join(o.merged, 'etc/galera-probe/maintenance'), '');
        expect(await httpGet(port, '/health')).toEqual({ status: 503, body: 'maintenance\n' });
        rmSync(join(o.merged, 'etc/galera-probe/maintenance'));
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/"event"/); // --log json from the default file
      expect(stderr).not.toContain(cluster().user.native.password);
      ok(run('umount', [socket]), 'umount the socket');
      binds.splice(binds.indexOf(socket), 1);
      rmSync(socket);
      if (madeDir) rmSync(socketDir, { recursive: true });
    }, 60_000);

    it('dpkg -r keeps the configuration and the user; dpkg --purge leaves nothing behind', () => {
      // What an administrator adds: the unit enabled, a maintenance file, a targets file, a drop-in.
      // (A root without systemd lacks the directories systemd would have: made here, they are
      // systemd's, and removed again below before the count.)
      const systemdDirs = ['etc/systemd', 'etc/systemd/system', 'etc/systemd/system/multi-user.target.wants'].filter(
        (d) => !isDir(join(o.lower, d)),
      );
      mkdirSync(join(o.merged, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
      symlinkSync(
        '/lib/systemd/system/galera-probe.service',
        join(o.merged, 'etc/systemd/system/multi-user.target.wants/galera-probe.service'),
      );
      mkdirSync(join(o.merged, 'etc/systemd/system/galera-probe.service.d'), { recursive: true });
      writeFileSync(
        join(o.merged, 'etc/systemd/system/galera-probe.service.d/local.conf'),
        '[Service]\nRestartSec=5\n',
      );
      writeFileSync(join(o.merged, 'etc/galera-probe/maintenance'), '');
      writeFileSync(join(o.merged, 'etc/galera-probe/targets'), '127.0.0.1:3306 db1\n');

      const removed = inRoot(o, ['dpkg', '-r', 'galera-probe']);
      expect(removed.status, removed.stdout + removed.stderr).toBe(0);
      expect(existsSync(join(o.merged, 'usr/bin/galera-probe'))).toBe(false);
      expect(existsSync(join(o.merged, 'lib/systemd/system/galera-probe.service'))).toBe(false);
      expect(existsSync(join(o.merged, 'etc/galera-probe/my.cnf'))).toBe(true);
      expect(existsSync(join(o.merged, 'etc/galera-probe/targets'))).toBe(true);
      expect(inRoot(o, ['getent', 'passwd', 'galera-probe']).status).toBe(0);

      const purged = inRoot(o, ['dpkg', '--purge', 'galera-probe']);
      expect(purged.status, purged.stdout + purged.stderr).toBe(0);
      rmSync(join(o.merged, 'tmp', 'galera-probe.deb'));
      expect(inRoot(o, ['getent', 'passwd', 'galera-probe']).status).not.toBe(0);
      expect(inRoot(o, ['getent', 'group', 'galera-probe']).status).not.toBe(0);
      expect(inRoot(o, ['dpkg-statoverride', '--list', '/etc/galera-probe/my.cnf']).status).not.toBe(0);
      expect(inRoot(o, ['dpkg-query', '-W', 'galera-probe']).status).not.toBe(0);

      for (const d of systemdDirs.reverse()) rmdirSync(join(o.merged, d)); // fails unless empty
      // Every change left in the root is dpkg's and shadow-utils' bookkeeping...
      const all = changes(o);
      const left = all.filter((p) => !BOOKKEEPING.some((re) => re.test(p)));
      expect(left).toEqual([]);
      console.info(
        `${label}: after the purge the root differs only in ${all.filter((p) => !isDir(join(o.upper, p))).join(', ')}`,
      );
      // ... the accounts are as they were (subuid and subgid too: useradd and userdel rewrite them) ...
      for (const f of ACCOUNT_FILES) {
        const was = existsSync(join(o.lower, f)) ? readFileSync(join(o.lower, f), 'utf8') : undefined;
        const is = existsSync(join(o.merged, f)) ? readFileSync(join(o.merged, f), 'utf8') : undefined;
        expect(is, f).toBe(was);
      }
      // ... and nothing else under dpkg's care names the package.
      const dpkgLeft = ok(run('find', [join(o.upper, 'var/lib/dpkg'), '-name', '*galera-probe*']), 'find');
      expect(dpkgLeft).toBe('');
      for (const f of ['var/lib/dpkg/status', 'var/lib/dpkg/statoverride']) {
        expect(readFileSync(join(o.merged, f), 'utf8'), f).not.toContain('galera-probe');
      }
      for (const p of [
        'etc/galera-probe',
        'etc/systemd/system/multi-user.target.wants/galera-probe.service',
        'etc/systemd/system/galera-probe.service.d',
        'etc/default/galera-probe',
        'usr/share/doc/galera-probe',
      ]) {
        let exists = true;
        try {
          lstatSync(join(o.merged, p));
        } catch {
          exists = false;
        }
        expect(exists, p).toBe(false);
      }
    });
  });
}

installTest('Debian 12 (bookworm, debootstrap minbase)', BOOKWORM);
// The Debian 13 root of the MariaDB 11.8 work, when this machine has one (it is another
// suite's, so it is only ever read, through the overlay).
if (existsSync(join(TRIXIE, 'var/lib/dpkg/status'))) installTest('Debian 13 (trixie)', TRIXIE);
