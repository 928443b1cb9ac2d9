/**
 * `galera-probe serve` as a separate process, for tests that attack it from outside: it is
 * started through bin/galera-probe (the built bundle), reached only over HTTP(S) on loopback,
 * and killed after each test. A test file calls `serveProcesses()` once at the top.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach } from 'vitest';

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'galera-probe');

export interface ServeProcess {
  child: ChildProcess;
  stderr: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  exit: Promise<number | null>;
  /** The port from the `serving ... on http(s)://127.0.0.1:PORT` line (waits up to 10 s). */
  port: () => Promise<number>;
  /**
   * The first match of `pattern` in stderr, waiting up to 10 s for it: lines serve writes after
   * the `serving` line (its start-up warnings) may come in a later chunk than that line.
   */
  stderrMatch: (pattern: RegExp) => Promise<RegExpExecArray>;
}

export { get, type GetOptions, type Reply } from './http.js';

/** The value of one sample (`name{labels}`) in a Prometheus text exposition. */
export function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * `galera-probe serve ARGS` through bin/galera-probe with a bare environment (PATH, and a HOME
 * with no option file): its stderr collected, its stdout drained. The caller kills it.
 */
export function spawnServe(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    env: { PATH: process.env['PATH'], HOME: '/nonexistent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdout!.resume();
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stderr: () => err, exit };
}

export function serveProcesses(): {
  start: (args: string[], env?: NodeJS.ProcessEnv) => ServeProcess;
  tempDir: () => string;
} {
  let children: ChildProcess[] = [];
  let dirs: string[] = [];
  afterEach(() => {
    for (const c of children) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    children = [];
    dirs = [];
  });
  const start = (args: string[], env: NodeJS.ProcessEnv = {}): ServeProcess => {
    const { child, stderr, exit } = spawnServe(['--no-defaults', ...args], env);
    children.push(child);
    const stderrMatch = async (pattern: RegExp): Promise<RegExpExecArray> => {
      for (let i = 0; i < 200; i++) {
        const m = pattern.exec(stderr());
        if (m) return m;
        if (child.exitCode !== null) break;
        await sleep(50);
      }
      throw new Error(`serve wrote nothing matching ${pattern}: ${stderr()}`);
    };
    const port = async (): Promise<number> => Number((await stderrMatch(/on https?:\/\/127\.0\.0\.1:(\d+)/))[1]);
    return { child, stderr, exit, port, stderrMatch };
  };
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-sec-'));
    dirs.push(dir);
    return dir;
  };
  return { start, tempDir };
}

/** Resolves with the exit code, or 'running' if the process has not exited within `ms`. */
export async function exitWithin(p: ServeProcess, ms: number): Promise<number | null | 'running'> {
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    p.exit,
    new Promise<'running'>((resolve) => (timer = setTimeout(() => resolve('running'), ms))),
  ]);
  clearTimeout(timer);
  return result;
}
