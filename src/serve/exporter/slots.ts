/**
 * A counting semaphore whose waiters give up at a deadline: at most `max` probes run at once,
 * and a probe that waits for a slot still ends by its own deadline.
 */
interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout;
}

export class Slots {
  #running = 0;
  readonly #queue: Waiter[] = [];

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new TypeError('max must be a positive integer');
  }

  get inUse(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Resolves true with a slot (call `release` once when done), or false when no slot came free
   * within `waitMs` or `signal` aborted.
   */
  acquire(waitMs: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.#running < this.max) {
      this.#running++;
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
        // The slot passes from the releaser to this waiter: `running` stays as it is.
        grant: () => leave(true),
        timer: setTimeout(() => leave(false), waitMs),
      };
      this.#queue.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    const next = this.#queue[0];
    if (next) next.grant();
    else this.#running--;
  }
}
