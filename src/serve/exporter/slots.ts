/**
 * A counting semaphore whose waiters give up at a deadline: at most `max` probes run at once,
 * and a probe that waits for a slot still ends by its own deadline.
 *
 * Two lanes: a suspect probe (a target that failed last time, or is new) takes at most half
 * the slots, so that silent targets cannot hold every slot while a healthy one waits; when a
 * slot frees, waiting probes of the normal lane go first.
 */
interface Waiter {
  suspect: boolean;
  grant: () => void;
  timer: NodeJS.Timeout;
}

export class Slots {
  #running = 0;
  #suspects = 0;
  readonly #queue: Waiter[] = [];
  /** Suspect probes that may run at once: half the slots, at least one. */
  readonly maxSuspect: number;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new TypeError('max must be a positive integer');
    this.maxSuspect = Math.max(1, Math.floor(max / 2));
  }

  get inUse(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  #free(suspect: boolean): boolean {
    return this.#running < this.max && (!suspect || this.#suspects < this.maxSuspect);
  }

  #take(suspect: boolean): void {
    this.#running++;
    if (suspect) this.#suspects++;
  }

  /**
   * Resolves true with a slot (call `release` once when done, with the same `suspect`), or
   * false when no slot came free within `waitMs` or `signal` aborted.
   */
  acquire(waitMs: number, signal?: AbortSignal, suspect = false): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.#free(suspect)) {
      this.#take(suspect);
      return Promise.resolve(true);
    }
    if (waitMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const leave = (granted: boolean): void => {
        clearTimeout(waiter.timer);
        signal?.removeEventListener('abort', onAbort);
        const i = this.#queue.indexOf(waiter);
        if (i >= 0) this.#queue.splice(i, 1);
        resolve(granted);
      };
      const onAbort = (): void => leave(false);
      const waiter: Waiter = {
        suspect,
        grant: () => {
          this.#take(suspect);
          leave(true);
        },
        timer: setTimeout(() => leave(false), waitMs),
      };
      this.#queue.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(suspect = false): void {
    this.#running--;
    if (suspect) this.#suspects--;
    // Normal probes first, then suspect ones, each in the order they came.
    for (const lane of [false, true]) {
      for (;;) {
        const next = this.#queue.find((w) => w.suspect === lane && this.#free(lane));
        if (!next) break;
        next.grant();
      }
    }
  }
}
