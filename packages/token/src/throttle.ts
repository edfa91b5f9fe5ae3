import { TokenError } from './errors.js';

export interface ThrottleOptions {
  /** Failed authentications allowed per client id and caller within the window. Default 5. */
  readonly maxFailures?: number;
  /** Window length; also how long a blocked client waits. Default 60 000 ms. */
  readonly windowMs?: number;
  /** Most client ids tracked at once; the oldest entry is dropped beyond it. Default 10 000. */
  readonly maxTrackedClients?: number;
}

interface Entry {
  failures: number;
  windowStart: number;
}

/**
 * Counts failed client authentications per key (the token endpoint uses presented client id plus
 * caller; known ids or not, so the answer never reveals which ids exist) in a fixed window. Memory is bounded by `maxTrackedClients`.
 */
export class FailureThrottle {
  readonly #entries = new Map<string, Entry>();
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #maxTracked: number;
  readonly #now: () => number;

  constructor(options: ThrottleOptions = {}, now: () => number = () => Date.now()) {
    this.#maxFailures = options.maxFailures ?? 5;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxTracked = options.maxTrackedClients ?? 10_000;
    this.#now = now;
    for (const [name, value] of [
      ['maxFailures', this.#maxFailures],
      ['windowMs', this.#windowMs],
      ['maxTrackedClients', this.#maxTracked],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new TokenError('CONFIG_INVALID', `throttle.${name} must be a positive integer`);
      }
    }
  }

  /** Milliseconds the client must wait, or 0 when it may try. */
  retryAfterMs(clientId: string): number {
    const entry = this.#live(clientId);
    if (!entry || entry.failures < this.#maxFailures) return 0;
    return Math.max(1, entry.windowStart + this.#windowMs - this.#now());
  }

  recordFailure(clientId: string): void {
    const entry = this.#live(clientId);
    if (entry) {
      entry.failures += 1;
      return;
    }
    if (this.#entries.size >= this.#maxTracked) this.#evict();
    this.#entries.set(clientId, { failures: 1, windowStart: this.#now() });
  }

  recordSuccess(clientId: string): void {
    this.#entries.delete(clientId);
  }

  get size(): number {
    return this.#entries.size;
  }

  #live(clientId: string): Entry | undefined {
    const entry = this.#entries.get(clientId);
    if (entry && this.#now() - entry.windowStart >= this.#windowMs) {
      this.#entries.delete(clientId);
      return undefined;
    }
    return entry;
  }

  /** Drops expired windows first; if none expired, the oldest entry (Map keeps insertion order). */
  #evict(): void {
    const now = this.#now();
    for (const [id, entry] of this.#entries) {
      if (now - entry.windowStart >= this.#windowMs) this.#entries.delete(id);
    }
    if (this.#entries.size >= this.#maxTracked) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }
}
