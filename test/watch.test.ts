/**
 * `galera-probe watch` against scripted nodes: the log lines of --no-tty, the screen on a
 * terminal (a scripted one in-process, and a real pseudo-terminal through util-linux `script`),
 * quitting with q and SIGINT while probes are in flight, with no socket left open; usage errors.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ANSI, plain } from '../src/cli/ansi.js';
import { main } from '../src/cli/main.js';
import { type WatchHost, watchCommand } from '../src/cli/watch-command.js';
import { type FakeServer, galeraNode, type GaleraNodeState, withState } from './support/fake-server.js';
import { handleCounts, settle } from './support/resources.js';
import { syncedState } from './support/cluster-fixtures.js';
import { serverPool } from './support/server-pool.js';

const serve = serverPool();
const bin = join(import.meta.dirname, '..', 'bin', 'galera-probe');

const synced = syncedState;

const donorOf = (s: GaleraNodeState): GaleraNodeState => ({
  ...withState(s, { wsrep_local_state: '2', wsrep_local_state_comment: 'Donor/Desynced' }),
  members: s.members!,
});

/** Three scripted nodes on 127.0.0.1-3 whose state each connection reads from `states` (so a test changes it). */
async function three(): Promise<{ servers: FakeServer[]; states: GaleraNodeState[] }> {
  const states: GaleraNodeState[] = [];
  const servers: FakeServer[] = [];
  for (let i = 0; i < 3; i++) servers.push(await serve((conn) => galeraNode(states[i]!)(conn), `127.0.0.${i + 1}`));
  const members: [string, string][] = servers.map((s, i) => [`n${i + 1}`, s.target]);
  states.push(...members.map(([n]) => synced(n, members)));
  return { servers, states };
}

/** A scripted process: a terminal or not, keys and a stop signal the test sends. */
function fakeHost(isTTY: boolean): WatchHost & { press: (k: string) => void; stop: () => void } {
  let onKey: ((t: string) => void) | undefined;
  let onStop: (() => void) | undefined;
  return {
    isTTY,
    size: () => ({ columns: 160, rows: 30 }),
    keys: (fn) => ((onKey = fn), () => (onKey = undefined)),
    onResize: () => () => {},
    onStop: (fn) => ((onStop = fn), () => (onStop = undefined)),
    now: () => Date.now(),
    press: (k) => onKey?.(k),
    stop: () => onStop?.(),
  };
}

interface Run {
  out: () => string;
  err: () => string;
  done: Promise<number>;
}

function run(argv: string[], host: WatchHost, env: NodeJS.ProcessEnv = {}): Run {
  let out = '';
  let err = '';
  const done = watchCommand(
    ['--no-defaults', '-u', 'probe', ...argv],
    { env, stdout: (t) => (out += t), stderr: (t) => (err += t) },
    host,
  );
  return { out: () => out, err: () => err, done };
}

async function until(what: string, ok: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('galera-probe watch --no-tty', () => {
  it('prints the cluster once, then one line per change, and quits on a stop signal leaving no socket', async () => {
    const { servers, states } = await three();
    const before = handleCounts();
    const host = fakeHost(false);
    const r = run(['--no-tty', '--interval', '150ms', ...servers.map((s) => s.target)], host);
    await until('the first look', () => /cluster healthy/.test(r.out()));
    const first = r.out().split('\n').filter(Boolean);
    expect(first).toHaveLength(4);
    expect(first[0]).toMatch(
      new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d ${servers[0]!.target} +healthy +Primary +Synced +size 3 +\\{n1,n2,n3\\} +committed 42 +recvq 0 +\\d+ ms +writer$`,
      ),
    );
    expect(first[3]).toMatch(/^\d\d:\d\d:\d\d cluster healthy: 3 of 3 nodes healthy/);
    states[2] = donorOf(states[2]!);
    await until('the donor transition', () => /Synced -> Donor\/Desynced/.test(r.out()));
    states[0] = {
      ...withState(states[0]!, { wsrep_local_state: '2', wsrep_local_state_comment: 'Donor/Desynced' }),
      members: states[0]!.members!,
    };
    await until('the writer change', () => /writer \S+ -> \S+/.test(r.out()));
    host.stop();
    expect(await r.done).toBe(0);
    const lines = r.out().split('\n').filter(Boolean).slice(4);
    expect(lines).toContain(lines.find((l) => l.endsWith(`${servers[2]!.target} Synced -> Donor/Desynced`)));
    expect(lines.some((l) => /^\d\d:\d\d:\d\d cluster healthy -> degraded: /.test(l))).toBe(true);
    expect(lines.some((l) => l.endsWith(`writer ${servers[0]!.target} -> ${servers[1]!.target}`))).toBe(true);
    // A line per change, not per look: no line repeats.
    expect(new Set(lines.map((l) => l.slice(9))).size).toBe(lines.length);
    expect(r.out()).not.toContain('\u001b');
    await Promise.all(servers.map((s) => s.allClosed()));
    await settle();
    expect(handleCounts()['TCPSocketWrap'] ?? 0).toBeLessThanOrEqual(before['TCPSocketWrap'] ?? 0);
    expect(handleCounts()['Timeout'] ?? 0).toBeLessThanOrEqual(before['Timeout'] ?? 0);
  });

  it('a stop while a node keeps the probe waiting ends at once: the probe is aborted and its socket closed', async () => {
    const { servers } = await three();
    const silent = await serve(() => {});
    const host = fakeHost(false);
    const r = run(['--timeout', '20s', ...servers.map((s) => s.target), silent.target], host);
    await until('the silent node to be connected', () => silent.connections.length === 1);
    const started = performance.now();
    host.stop();
    expect(await r.done).toBe(0);
    expect(performance.now() - started).toBeLessThan(2000);
    await silent.allClosed();
    expect(r.out()).toBe('');
  });
});

describe('galera-probe watch on a terminal', () => {
  it('draws in the alternate screen, redraws in place, and restores the terminal on q', async () => {
    const { servers, states } = await three();
    const host = fakeHost(true);
    const r = run(['--interval', '150ms', '--color', 'always', ...servers.map((s) => s.target)], host);
    await until('the screen', () => /n3/.test(r.out()));
    expect(r.out().startsWith(ANSI.enterAltScreen + ANSI.hideCursor)).toBe(true);
    states[1] = donorOf(states[1]!);
    await until('the transition on screen', () => /Synced -> Donor\/Desynced/.test(r.out()));
    host.press('q');
    expect(await r.done).toBe(0);
    const out = r.out();
    expect(out.endsWith(ANSI.showCursor + ANSI.leaveAltScreen)).toBe(true);
    const frames = out.split(ANSI.home).slice(1);
    expect(frames.length).toBeGreaterThan(1);
    const last = plain(frames.at(-1)!);
    expect(last).toMatch(/cluster degraded/);
    expect(last).toMatch(
      new RegExp(
        `${servers[1]!.target} +n2 +unhealthy +Primary +Donor/Desynced +3 +\\{n1,n2,n3\\} +0 +[▁]+ → +42 +0 +\\d+ ms +not synced: Donor/Desynced`,
      ),
    );
    expect(last).toMatch(/writer 127\.0\.0\.1:\d+/);
    expect(frames.at(-1)).toContain('\u001b[33munhealthy');
    await Promise.all(servers.map((s) => s.allClosed()));
  });

  it('NO_COLOR turns colours off; --color always turns them back on', async () => {
    const { servers } = await three();
    for (const [argv, coloured] of [
      [[], false],
      [['--color', 'always'], true],
    ] as const) {
      const host = fakeHost(true);
      const r = run([...argv, ...servers.map((s) => s.target)], host, { NO_COLOR: '1' });
      await until('the screen', () => /n3/.test(r.out()));
      host.press('\u0003');
      expect(await r.done).toBe(0);
      expect(/\u001b\[3\dm/.test(r.out())).toBe(coloured);
    }
  });
});

describe('galera-probe watch, the process', () => {
  it('in a real pseudo-terminal (script): alternate screen, rows, q quits with exit 0', async () => {
    const { servers } = await three();
    const command = `stty cols 150 rows 30; exec ${process.execPath} ${bin} watch --no-defaults -u probe --interval 200ms ${servers.map((s) => s.target).join(' ')}`;
    const child = spawn('script', ['-qefc', command, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'], HOME: '/nonexistent', TERM: 'xterm' },
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      await until('the screen in the terminal', () => /127\.0\.0\.3:\d+ +n3 +healthy/.test(plain(out)), 15_000);
      child.stdin.write('q');
      expect(await exit).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(out).toContain(ANSI.enterAltScreen);
    expect(out).toContain(ANSI.leaveAltScreen);
    expect(out.lastIndexOf(ANSI.showCursor)).toBeGreaterThan(out.lastIndexOf(ANSI.hideCursor));
    expect(plain(out)).toMatch(/cluster healthy/);
    await Promise.all(servers.map((s) => s.allClosed()));
  });

  it('--no-tty to a pipe: SIGINT ends it with exit 0 and every node sees its connection closed', async () => {
    const { servers } = await three();
    const child = spawn(
      process.execPath,
      [bin, 'watch', '--no-defaults', '-u', 'probe', '--interval', '200ms', ...servers.map((s) => s.target)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env['PATH'], HOME: '/nonexistent' },
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      await until('the first look', () => /cluster healthy/.test(out), 15_000);
      await until('a few more looks', () => servers[0]!.connections.length >= 3, 15_000);
      child.kill('SIGINT');
      expect(await exit).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(out).not.toContain('\u001b');
    expect(out.split('\n').filter(Boolean)).toHaveLength(4);
    await Promise.all(servers.map((s) => s.allClosed()));
  });
});

describe('galera-probe watch usage', () => {
  it.each([
    [['watch'], /watch: give the cluster's targets/],
    [['watch', 'a:1', 'a:1'], /given twice/],
    [['watch', '--interval', '10ms', 'a:1'], /--interval: expected a duration from 100ms/],
    [['watch', '--interval', 'often', 'a:1'], /--interval/],
    [['watch', '--color', 'purple', 'a:1'], /--color: expected auto, always or never/],
    [['watch', '-v', 'a:1'], /--verbose traces one probe/],
    [['watch', '--json', 'a:1'], /json/],
  ])('%j is a usage error (exit 64)', async (argv, message) => {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, { env: {}, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    expect(code).toBe(64);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });

  it('--help fits on a screen', async () => {
    let stdout = '';
    expect(await main(['watch', '--help'], { env: {}, stdout: (t) => (stdout += t), stderr: () => {} })).toBe(0);
    expect(stdout.split('\n').length).toBeLessThanOrEqual(30);
    expect(stdout).toMatch(/--interval DUR/);
  });
});
