/**
 * `galera-probe watch [options] <target>...`: the cluster looked at every --interval, drawn in
 * place on a terminal, or one line per change for a pipe. Thin: the looking is probeCluster's,
 * the model src/cluster/transitions.ts's, the drawing watch-render.ts's.
 */
import { type ClusterOptions, probeCluster } from '../cluster/probe-cluster.js';
import { advance, EMPTY_WATCH, type WatchState } from '../cluster/transitions.js';
import type { ClusterResult } from '../cluster/types.js';
import { ANSI, type ColorMode, useColour } from './ansi.js';
import { parse, PROBE_OPTIONS, type Values } from './args.js';
import { checkClusterArguments, clusterOptionsFrom } from './cluster-command.js';
import { parseDuration } from './duration.js';
import type { Io } from './io.js';
import { UsageError } from './usage.js';
import { redraw, screen, startLines, transitionLine } from './watch-render.js';

const WATCH_OPTIONS = {
  ...PROBE_OPTIONS,
  discover: { type: 'boolean' },
  interval: { type: 'string' },
  color: { type: 'string' },
  'no-tty': { type: 'boolean' },
} as const;

/** The process around `watch`: its terminal, keys, signals; tests give a scripted one. */
export interface WatchHost {
  /** stdout is a terminal. */
  isTTY: boolean;
  size: () => { columns: number; rows: number };
  /** Calls `onKey` with what is typed (raw mode on a terminal); returns the undo. */
  keys: (onKey: (text: string) => void) => () => void;
  onResize: (fn: () => void) => () => void;
  /** SIGINT and SIGTERM; returns the undo. */
  onStop: (fn: () => void) => () => void;
  now: () => number;
}

export function processHost(): WatchHost {
  const out = process.stdout;
  const stdin = process.stdin;
  return {
    isTTY: out.isTTY === true,
    // A terminal of unknown size (0 x 0 under `script` without a terminal) is taken as 80 x 24.
    size: () => ({ columns: out.columns || 80, rows: out.rows || 24 }),
    keys: (onKey) => {
      if (stdin.isTTY !== true) return () => {};
      const onData = (chunk: Buffer): void => onKey(chunk.toString('latin1'));
      stdin.setRawMode(true);
      stdin.on('data', onData);
      stdin.resume();
      return () => {
        stdin.off('data', onData);
        stdin.setRawMode(false);
        stdin.pause();
      };
    },
    onResize: (fn) => {
      out.on('resize', fn);
      return () => out.off('resize', fn);
    },
    onStop: (fn) => {
      process.on('SIGINT', fn);
      process.on('SIGTERM', fn);
      return () => {
        process.off('SIGINT', fn);
        process.off('SIGTERM', fn);
      };
    },
    now: () => Date.now(),
  };
}

const MIN_INTERVAL_MS = 100;
const MAX_INTERVAL_MS = 3_600_000;

/** Waits `ms`, or less when `signal` fires. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export async function watchCommand(argv: readonly string[], io: Io, host: WatchHost = processHost()): Promise<number> {
  const { values, positionals } = parse(argv, WATCH_OPTIONS);
  checkClusterArguments('watch', values, positionals);
  const options = watchOptionsFrom(values, positionals, io, host);
  const watch = openWatch(options, io, host);
  try {
    await runWatch(options, watch, host);
  } finally {
    watch.close();
  }
  return 0;
}

/** What `watch` was asked for, checked before anything connects or draws. */
interface WatchOptions {
  cluster: ClusterOptions;
  intervalMs: number;
  /** Draw a screen in place (a terminal, and no --no-tty); else one line per change. */
  tty: boolean;
  colour: boolean;
}

/** Step one, after checkClusterArguments: the interval, the colours and the probe options. */
function watchOptionsFrom(values: Values, positionals: readonly string[], io: Io, host: WatchHost): WatchOptions {
  const intervalText = typeof values['interval'] === 'string' ? values['interval'] : '1s';
  const intervalMs = parseDuration(intervalText);
  if (intervalMs === undefined || intervalMs < MIN_INTERVAL_MS || intervalMs > MAX_INTERVAL_MS) {
    throw new UsageError(
      `--interval: expected a duration from 100ms to 1 hour, such as 500ms or 2s; got ${JSON.stringify(intervalText)}`,
    );
  }
  const mode = (values['color'] ?? 'auto') as string;
  if (mode !== 'auto' && mode !== 'always' && mode !== 'never')
    throw new UsageError(`--color: expected auto, always or never, got ${JSON.stringify(mode)}`);
  const cluster = clusterOptionsFrom(values, positionals, io);
  return {
    cluster,
    intervalMs,
    tty: host.isTTY && values['no-tty'] !== true,
    colour: useColour(mode as ColorMode, host.isTTY, io.env),
  };
}

/** A running `watch`: keys and signals wired to `quit`, the terminal taken; `close` gives both back. */
interface Watch {
  quit: AbortSignal;
  /** Shows one look: the screen redrawn, or the lines for a pipe. */
  show: (result: ClusterResult, started: number) => void;
  close: () => void;
}

/** Step two: takes the keys, the signals and (on a terminal) the screen. */
function openWatch(w: WatchOptions, io: Io, host: WatchHost): Watch {
  const quit = new AbortController();
  const stop = (): void => quit.abort();
  const undo: (() => void)[] = [
    host.onStop(stop),
    host.keys((text) => {
      // q, Q, Ctrl-C (raw mode turns it into a byte, not a signal), Ctrl-D.
      if (/[qQ\u0003\u0004]/.test(text)) stop();
    }),
  ];
  let state: WatchState = EMPTY_WATCH;
  let last: Parameters<typeof screen>[0] | undefined;
  const draw = (): void => {
    if (last) io.stdout(redraw(screen(last, host.size(), w.colour)));
  };
  if (w.tty) {
    io.stdout(ANSI.enterAltScreen + ANSI.hideCursor);
    undo.push(host.onResize(draw));
  }
  const show = (result: ClusterResult, started: number): void => {
    const next = advance(state, result, started);
    last = { result, rows: next.rows, state: next.state, at: started, intervalMs: w.intervalMs };
    if (w.tty) draw();
    else if (state.last === undefined) io.stdout(`${startLines(last, w.colour).join('\n')}\n`);
    else if (next.transitions.length > 0) io.stdout(`${next.transitions.map(transitionLine).join('\n')}\n`);
    state = next.state;
  };
  const close = (): void => {
    for (const u of undo.reverse()) u();
    if (w.tty) io.stdout(ANSI.showCursor + ANSI.leaveAltScreen);
  };
  return { quit: quit.signal, show, close };
}

/** Step three: a look every interval until quit. */
async function runWatch(w: WatchOptions, watch: Watch, host: WatchHost): Promise<void> {
  while (!watch.quit.aborted) {
    const started = host.now();
    const result = await probeCluster({ ...w.cluster, signal: watch.quit });
    // Quit while probing: the probes were aborted and their sockets closed; nothing to show.
    if (watch.quit.aborted) break;
    watch.show(result, started);
    await pause(w.intervalMs - (host.now() - started), watch.quit);
  }
}
