/**
 * Builds the Debian package dist/galera-probe_<version>_<arch>.deb with Debian's own
 * `dpkg-deb` (no npm dependency):
 *
 *   npm run build:deb [-- --out DIR] [-- --xz] [-- --keep]
 *
 * gzip by default (4 s, 30 MiB, read by every dpkg); --xz: 21 MiB, but about 50 s here.
 *
 *   /usr/bin/galera-probe                      the single executable (npm run build:sea --strip)
 *   /lib/systemd/system/galera-probe.service   serve as the galera-probe system user, hardened
 *   /etc/default/galera-probe                  conffile: serve's arguments (ARGS)
 *   /etc/galera-probe/my.cnf                   conffile: credentials, 0640 galera-probe:galera-probe
 *   /usr/share/man/man1/galera-probe.1.gz      made from the executable's own --help output
 *   /usr/share/doc/galera-probe/{copyright,changelog.gz}
 *   /usr/share/lintian/overrides/galera-probe  why lintian's embedded-library (zlib) is expected
 *
 * The files under packaging/deb/ are the sources; the maintainer scripts there create the
 * user on install, never start or enable the service, and remove the user and the
 * administrator's files on purge only. The package version is package.json's, and must be
 * the newest entry of packaging/deb/changelog.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { manPage } from './man-page.js';
import { VERSION } from '../src/version.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'packaging', 'deb');
const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    xz: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});

class BuildError extends Error {}
function fail(message: string): never {
  throw new BuildError(message);
}
process.on('uncaughtException', (err) => {
  process.stderr.write(`build-deb: ${err instanceof BuildError ? err.message : (err.stack ?? String(err))}\n`);
  process.exit(1);
});

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };
const arch = ARCH[process.arch] ?? fail(`no Debian architecture known for ${process.arch}`);
if (process.platform !== 'linux') fail('Debian packages are built on Linux');
for (const tool of ['dpkg-deb', 'strip']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
    fail(`${tool} is missing (apt-get install ${tool === 'strip' ? 'binutils' : 'dpkg'})`);
}

// The changelog's newest entry is this version; its date is the page's and the files' date.
const changelog = readFileSync(join(src, 'changelog'), 'utf8');
const head = /^galera-probe \(([^)]+)\) /.exec(changelog);
if (!head || head[1] !== VERSION)
  fail(`packaging/deb/changelog starts with version ${head?.[1] ?? '(none)'}, package.json says ${VERSION}`);
const trailer =
  /^ -- .+>  (.+)$/m.exec(changelog) ?? fail('packaging/deb/changelog: no trailer line in the newest entry');
const released = new Date(trailer[1]!);
if (Number.isNaN(released.getTime())) fail(`packaging/deb/changelog: unreadable date ${trailer[1]}`);
const mtime = Math.floor(released.getTime() / 1000);

const outDir = resolve(values.out ?? join(root, 'dist'));
const debName = `galera-probe_${VERSION}_${arch}.deb`;
const work = mkdtempSync(join(tmpdir(), 'galera-probe-deb-'));
const tree = join(work, 'galera-probe');
const started = performance.now();

try {
  // 1. The single executable, stripped (lintian wants no debug symbols in /usr/bin).
  const exe = join(tree, 'usr/bin/galera-probe');
  mkdirSync(dirname(exe), { recursive: true });
  run(
    process.execPath,
    [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'scripts/build-sea.ts'), '--strip', '--out', exe],
    {},
    root,
  );

  // 2. The manual page from the executable's own --help, command by command.
  const help = (...args: string[]) =>
    execFileSync(exe, [...args, '--help'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
  const page = manPage({
    version: VERSION,
    date: released.toISOString().slice(0, 10),
    help: help(),
    commands: ['cluster', 'serve', 'watch'].map((name) => ({ name, help: help(name) })),
  });
  put('usr/share/man/man1/galera-probe.1.gz', gzipSync(page, { level: 9 }), 0o644);

  // 3. The unit, the conffiles, the documentation.
  put('lib/systemd/system/galera-probe.service', readFileSync(join(src, 'galera-probe.service')), 0o644);
  put('etc/default/galera-probe', readFileSync(join(src, 'default')), 0o644);
  put('etc/galera-probe/my.cnf', readFileSync(join(src, 'my.cnf')), 0o640);
  put('usr/share/doc/galera-probe/copyright', copyright(), 0o644);
  put('usr/share/lintian/overrides/galera-probe', readFileSync(join(src, 'lintian-overrides')), 0o644);
  put('usr/share/doc/galera-probe/changelog.gz', gzipSync(changelog, { level: 9 }), 0o644);

  // 4. The control area.
  const control = join(tree, 'DEBIAN');
  mkdirSync(control, { recursive: true });
  for (const script of ['postinst', 'prerm', 'postrm']) put(`DEBIAN/${script}`, readFileSync(join(src, script)), 0o755);
  put('DEBIAN/conffiles', '/etc/default/galera-probe\n/etc/galera-probe/my.cnf\n', 0o644);
  put('DEBIAN/md5sums', md5sums(), 0o644);
  put('DEBIAN/control', controlFile(), 0o644);

  // Directories 0755, every file and directory dated by the changelog (reproducible).
  stamp(tree);

  mkdirSync(outDir, { recursive: true });
  const staged = join(outDir, `.${debName}.partial-${process.pid}`);
  run('dpkg-deb', ['--root-owner-group', values.xz ? '-Zxz' : '-Zgzip', '--build', tree, staged], {
    SOURCE_DATE_EPOCH: String(mtime),
  });
  renameSync(staged, join(outDir, debName));
  const size = statSync(join(outDir, debName)).size;
  console.log(
    `${shown(join(outDir, debName))}: ${(size / 2 ** 20).toFixed(1)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
} finally {
  for (const f of existsSync(outDir) ? readdirSync(outDir) : []) {
    if (f.startsWith(`.${debName}.partial-${process.pid}`)) rmSync(join(outDir, f), { force: true });
  }
  if (values.keep) console.log(`build-deb: package tree kept in ${tree}`);
  else rmSync(work, { recursive: true, force: true });
}

/** Writes one file of the package tree with its mode. */
function put(path: string, content: string | Buffer, mode: number): void {
  const file = join(tree, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  chmodSync(file, mode);
}

function controlFile(): string {
  const installedKiB = Math.ceil(sizeOf(tree, (p) => !p.startsWith('DEBIAN')) / 1024);
  return [
    'Package: galera-probe',
    `Version: ${VERSION}`,
    `Architecture: ${arch}`,
    'Maintainer: galera-probe maintainers <maintainers@users.noreply.r-seed-f8a4ea2e.example>',
    `Installed-Size: ${installedKiB}`,
    // The executable is Node.js: glibc 2.28 and libstdc++ (GLIBCXX 3.4.21, gcc 5.2);
    // useradd and groupadd (passwd) make the system user.
    'Depends: libc6 (>= 2.28), libgcc-s1, libstdc++6 (>= 5.2), passwd',
    'Section: admin',
    'Priority: optional',
    'Description: health checks for MySQL, MariaDB and Galera nodes, within a deadline',
    ' galera-probe says within its deadline whether a MySQL, MariaDB or Galera',
    ' cluster node should get traffic, whatever the server on the other end does:',
    ' it speaks the MySQL wire protocol itself, with a deadline for each phase',
    ' (connect, TLS, greeting, authentication, query) and one overall.',
    ' .',
    ' Besides single checks it judges whole clusters (split brain, no Primary',
    ' component, one writer), serves HTTP health endpoints for load balancers, a',
    ' status page, Prometheus metrics and a multi-target exporter. The systemd unit',
    ' galera-probe.service runs that server as the galera-probe system user; it is',
    ' neither enabled nor started on installation.',
    ' .',
    ' The program is a single executable with its own copy of the Node.js runtime.',
    '',
  ].join('\n');
}

function copyright(): string {
  const license = readFileSync(join(root, 'LICENSE'), 'utf8');
  const holder = /^Copyright \(c\) (.+)$/m.exec(license)?.[1] ?? fail('LICENSE: no copyright line');
  const text = license.slice(license.indexOf('Permission is hereby granted'));
  // The components Node.js bundles, as its own LICENSE file lists them ("- V8, located at ...").
  const nodeLicense = [
    join(dirname(process.execPath), '..', 'LICENSE'),
    '/usr/share/doc/nodejs/LICENSE',
    '/usr/share/doc/node/LICENSE',
  ].find((p) => existsSync(p));
  const bundled = nodeLicense
    ? [...readFileSync(nodeLicense, 'utf8').matchAll(/^- (.+?), located at /gm)].map((m) => m[1]!)
    : [];
  const components = bundled.length > 0 ? bundled.join(', ') : 'V8, libuv, OpenSSL, ICU, llhttp, zlib, and others';
  const url = `https://github.com/nodejs/node/blob/${process.version}/LICENSE`;
  return [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    'Upstream-Name: galera-probe',
    '',
    'Files: *',
    `Copyright: ${holder}`,
    'License: Expat',
    '',
    'Files: usr/bin/galera-probe',
    `Copyright: ${holder}`,
    ' Node.js contributors',
    ' the authors of the components bundled with Node.js',
    'License: Expat and others',
    ` usr/bin/galera-probe is a single executable application: galera-probe's`,
    ` bundled JavaScript (Expat, below) injected into a copy of the Node.js`,
    ` ${process.version} runtime. Node.js itself is under the Expat licence too. It`,
    ' bundles components that are each under their own licence (Expat, BSD, ISC,',
    ' zlib, ICU, Apache-2.0 for OpenSSL, whose text is in',
    ' /usr/share/common-licenses/Apache-2.0, and others):',
    ...wrap(components + '.'),
    ' .',
    ` The text of each of these licences is in the LICENSE file of Node.js ${process.version}:`,
    ` ${url}`,
    '',
    'License: Expat',
    ...indent(text),
    '',
  ].join('\n');
}

/** Words as continuation lines of at most 78 characters. */
function wrap(words: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > 77) {
      lines.push(` ${line}`);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(` ${line}`);
  return lines;
}

/** Text as a copyright-format field continuation: one space in, empty lines as ` .`. */
function indent(text: string): string[] {
  return text
    .replace(/\s+$/, '')
    .split('\n')
    .map((l) => (l.trim() === '' ? ' .' : ` ${l.replace(/\s+$/, '')}`));
}

function md5sums(): string {
  const lines: string[] = [];
  walk(tree, (path, isDir) => {
    const rel = relative(tree, path);
    if (isDir || rel.startsWith('DEBIAN') || rel.startsWith('etc/')) return; // conffiles have their own sums
    lines.push(`${createHash('md5').update(readFileSync(path)).digest('hex')}  ${rel}`);
  });
  return lines.sort((a, b) => a.slice(34).localeCompare(b.slice(34))).join('\n') + '\n';
}

function sizeOf(dir: string, keep: (rel: string) => boolean): number {
  let total = 0;
  walk(dir, (path, isDir) => {
    const rel = relative(dir, path);
    if (keep(rel)) total += isDir ? 4096 : statSync(path).size;
  });
  return total;
}

function stamp(dir: string): void {
  walk(dir, (path, isDir) => {
    if (isDir) chmodSync(path, 0o755);
  });
  run('find', [dir, '-exec', 'touch', '--no-dereference', `--date=@${mtime}`, '{}', '+']);
}

function walk(dir: string, visit: (path: string, isDir: boolean) => void): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    visit(path, entry.isDirectory());
    if (entry.isDirectory()) walk(path, visit);
  }
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

function run(file: string, args: string[], env: Record<string, string> = {}, cwd = work): void {
  try {
    execFileSync(file, args, { cwd, stdio: 'pipe', encoding: 'utf8', env: { ...process.env, ...env } });
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string; message: string };
    fail(`${[file, ...args].join(' ')} failed (${e.status ?? e.message}):\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}
