/**
 * bcrypt off the event loop: a small pool of worker threads computes digests, so that a load
 * balancer's `/health` never waits behind somebody's password hash (issue 19, item 2).
 *
 * The workers run bcrypt.ts's self-contained `bcryptCore` from its source text (`eval`), which
 * works from the compiled modules, the bundled CLI and the single executable alike. The queue
 * is bounded: past it, `digest` answers undefined at once and the caller refuses (429).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { BCRYPT_PARTS } from './bcrypt.js';

interface Job {
  id: number;
  password: Uint8Array;
  salt: Uint8Array;
  cost: number;
  resolve: (digest: Uint8Array) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
}

// `require("node:...")` with double quotes: scripts/bundle-cli.ts accepts only those in the bundle.
// `__name`: what esbuild's keepNames (tsx, vitest) wraps functions in; a no-op here.
const SOURCE = `"use strict";
var __name = (f) => f;
const { parentPort } = require("node:worker_threads");
// The lowest priority for this thread (Linux: a nice value per thread): when the cores are
// busy, the event loop, and so every load balancer's check, runs before a password hash.
try { require("node:os").setPriority(19); } catch {}
const piWords = (${BCRYPT_PARTS.piWords.toString()});
const blowfish = (${BCRYPT_PARTS.blowfish.toString()});
const eksBlowfish = (${BCRYPT_PARTS.eksBlowfish.toString()});
const core = eksBlowfish(blowfish(piWords()));
parentPort.on("message", (m) => parentPort.postMessage({ id: m.id, digest: core.digest(m.password, m.salt, m.cost) }));
`;

/** Two workers where the machine has four cores or more, one otherwise. */
export const DEFAULT_WORKERS = availableParallelism() >= 4 ? 2 : 1;
/** Digests waiting for a worker, at most. */
export const DEFAULT_QUEUE = 32;

export class BcryptPool {
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  #nextId = 0;
  #closed = false;

  constructor(
    readonly workers = DEFAULT_WORKERS,
    readonly maxQueue = DEFAULT_QUEUE,
  ) {
    if (!Number.isInteger(workers) || workers < 1) throw new TypeError('workers must be a positive integer');
  }

  /** Digests waiting or running. */
  get pending(): number {
    return this.#queue.length + this.#slots.filter((s) => s.job).length;
  }

  /**
   * The bcrypt digest, computed on a worker; undefined at once when the queue is full (or the
   * pool is closed): the caller answers "busy" rather than waiting.
   */
  digest(password: Uint8Array, salt: Uint8Array, cost: number): Promise<Uint8Array> | undefined {
    if (this.#closed || this.#queue.length >= this.maxQueue) return undefined;
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, password, salt, cost, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let slot = this.#slots.find((s) => !s.job);
      if (!slot && this.#slots.length < this.workers) slot = this.#spawn();
      if (!slot) return;
      const job = this.#queue.shift()!;
      slot.job = job;
      // Only while a digest runs does the worker keep the process alive.
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, password: job.password, salt: job.salt, cost: job.cost });
    }
  }

  #spawn(): Slot {
    const worker = new Worker(SOURCE, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 16 } });
    const slot: Slot = { worker, job: undefined };
    worker.unref();
    worker.on('message', (m: { id: number; digest: Uint8Array }) => {
      const job = slot.job;
      if (!job || job.id !== m.id) return;
      slot.job = undefined;
      worker.unref();
      job.resolve(m.digest);
      this.#dispatch();
    });
    const fail = (err: Error): void => {
      const i = this.#slots.indexOf(slot);
      if (i >= 0) this.#slots.splice(i, 1);
      slot.job?.reject(err);
      slot.job = undefined;
      if (!this.#closed) this.#dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`bcrypt worker exited (${code})`)));
    this.#slots.push(slot);
    return slot;
  }

  /** Stops the workers; digests waiting are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new Error('bcrypt pool closed'));
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }
}
