/**
 * Runs at most `concurrency` tasks at once and lets at most `maxQueued` more wait; anything beyond is
 * refused at once. It keeps a flood of token requests from queueing unbounded scrypt work on libuv's
 * small thread pool, which the whole process (file, DNS and crypto calls) shares.
 */
export class WorkLimiter {
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #concurrency: number;
  readonly #maxQueued: number;

  constructor(concurrency: number, maxQueued: number) {
    this.#concurrency = concurrency;
    this.#maxQueued = maxQueued;
  }

  /** The task's promise, or undefined (the task is not run) when every slot and queue place is taken. */
  tryRun<T>(task: () => Promise<T>): Promise<T> | undefined {
    if (this.#active >= this.#concurrency && this.#waiting.length >= this.#maxQueued) return undefined;
    return this.#run(task);
  }

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  async #run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active < this.#concurrency) this.#active += 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve)); // the releaser hands its slot over
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active -= 1;
    }
  }
}
