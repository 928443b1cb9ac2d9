/**
 * Debian's chromium, headless, driven through the DevTools protocol over a pipe
 * (`--remote-debugging-pipe`: JSON messages ended by a NUL byte on file descriptors 3 and 4), so
 * no WebSocket client and no npm package is needed. It resolves no name and reaches nothing but
 * loopback; its profile lives in a directory of its own, removed on close.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

type Json = Record<string, unknown>;

interface Pending {
  resolve: (v: Json) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** What a page did: every request it sent, and what its console and the browser's log said. */
export interface PageRecord {
  requests: string[];
  log: string[];
}

export class Chromium {
  readonly #child: ChildProcess;
  readonly #dir: string;
  readonly #out: Writable;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners: ((method: string, params: Json, sessionId: string | undefined) => void)[] = [];
  #id = 0;
  #buffer = '';

  private constructor(child: ChildProcess, dir: string) {
    this.#child = child;
    this.#dir = dir;
    this.#out = child.stdio[3] as Writable;
    const input = child.stdio[4] as Readable;
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => this.#receive(chunk));
    // A broken pipe when chromium goes away is reported by the pending calls' rejections.
    this.#out.on('error', () => {});
    child.once('exit', () => {
      for (const p of this.#pending.values()) p.reject(new Error('chromium exited'));
      this.#pending.clear();
    });
  }

  static launch(): Chromium {
    const dir = mkdtempSync(join(tmpdir(), 'gp-status-chromium-'));
    const child = spawn(
      'chromium',
      [
        '--headless',
        '--no-sandbox',
        `--user-data-dir=${dir}`,
        '--remote-debugging-pipe',
        '--no-first-run',
        '--no-default-browser-check',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-extensions',
        '--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication',
        // Any name resolves to nothing: only the literal loopback addresses the test uses are reachable.
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
        '--window-size=1100,900',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    child.stderr!.resume();
    return new Chromium(child, dir);
  }

  #receive(chunk: string): void {
    this.#buffer += chunk;
    // Bounded: a message never grows without its terminator past a few MiB.
    if (this.#buffer.length > 16 * 1024 * 1024) throw new Error('chromium sent an unterminated message');
    for (let end = this.#buffer.indexOf('\0'); end >= 0; end = this.#buffer.indexOf('\0')) {
      const text = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 1);
      const msg = JSON.parse(text) as {
        id?: number;
        result?: Json;
        error?: { message: string };
        method?: string;
        params?: Json;
        sessionId?: string;
      };
      if (msg.id !== undefined) {
        const p = this.#pending.get(msg.id);
        if (!p) continue;
        this.#pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.error) p.reject(new Error(msg.error.message));
        else p.resolve(msg.result ?? {});
      } else if (msg.method !== undefined) {
        for (const l of this.#listeners) l(msg.method, msg.params ?? {}, msg.sessionId);
      }
    }
  }

  send(method: string, params: Json = {}, sessionId?: string, limitMs = 15_000): Promise<Json> {
    const id = ++this.#id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${method}: no answer from chromium within ${limitMs} ms`));
      }, limitMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#out.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  /** A new tab with network and console recording on; resolves with its session. */
  async newPage(): Promise<Page> {
    const { targetId } = (await this.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId, flatten: true })) as {
      sessionId: string;
    };
    const record: PageRecord = { requests: [], log: [] };
    const loads: (() => void)[] = [];
    this.#listeners.push((method, params, session) => {
      if (session !== sessionId) return;
      if (method === 'Network.requestWillBeSent') record.requests.push(String((params['request'] as Json)['url']));
      if (method === 'Log.entryAdded') record.log.push(String((params['entry'] as Json)['text']));
      if (method === 'Runtime.consoleAPICalled') record.log.push(JSON.stringify(params['args']));
      if (method === 'Runtime.exceptionThrown') record.log.push(JSON.stringify(params['exceptionDetails']));
      if (method === 'Page.loadEventFired') loads.splice(0).forEach((f) => f());
    });
    for (const domain of ['Page', 'Network', 'Runtime', 'Log']) await this.send(`${domain}.enable`, {}, sessionId);
    return new Page(this, sessionId, record, loads);
  }

  async close(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      const exited = new Promise((resolve) => this.#child.once('exit', resolve));
      await this.send('Browser.close', {}, undefined, 3000).catch(() => undefined);
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

export class Page {
  constructor(
    private readonly browser: Chromium,
    private readonly sessionId: string,
    readonly record: PageRecord,
    private readonly loads: (() => void)[],
  ) {}

  /** Navigates and waits for the load event. */
  async open(url: string, limitMs = 15_000): Promise<void> {
    const loaded = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${url}: not loaded within ${limitMs} ms`)), limitMs);
      this.loads.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    await this.browser.send('Page.navigate', { url }, this.sessionId);
    await loaded;
  }

  /** The value of a JavaScript expression in the page (JSON-able). */
  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.browser.send(
      'Runtime.evaluate',
      { expression, returnByValue: true, awaitPromise: true },
      this.sessionId,
    )) as { result: { value: T }; exceptionDetails?: unknown };
    if (r.exceptionDetails) throw new Error(`evaluate failed: ${JSON.stringify(r.exceptionDetails)}`);
    return r.result.value;
  }

  /** Lays the page out as a phone would (`width` CSS pixels, touch, mobile viewport rules). */
  async emulatePhone(width: number, height: number): Promise<void> {
    await this.browser.send(
      'Emulation.setDeviceMetricsOverride',
      { width, height, deviceScaleFactor: 2, mobile: true },
      this.sessionId,
    );
  }

  /** Turns JavaScript off for this page (from the next navigation on). */
  async disableScripts(): Promise<void> {
    await this.browser.send('Emulation.setScriptExecutionDisabled', { value: true }, this.sessionId);
  }

  /** A PNG of the page as laid out at `width` CSS pixels, the full height of its content. */
  async screenshot(width: number): Promise<Buffer> {
    const height = await this.evaluate<number>('Math.ceil(document.documentElement.scrollHeight)');
    await this.browser.send(
      'Emulation.setDeviceMetricsOverride',
      { width, height, deviceScaleFactor: 1, mobile: false },
      this.sessionId,
    );
    const { data } = (await this.browser.send(
      'Page.captureScreenshot',
      { format: 'png', captureBeyondViewport: true },
      this.sessionId,
    )) as { data: string };
    return Buffer.from(data, 'base64');
  }
}
