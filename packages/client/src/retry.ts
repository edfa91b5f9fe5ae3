import { D1ClientError } from './errors.js';

/**
 * When a call may be sent again, and how long to wait first. The rules (contract gap 42): only requests
 * that cannot do harm twice are repeated: idempotent methods, the token grant, and POSTs that carry an
 * idempotency key D1 honours (`issuerRequestId` on card orders). A 401 is handled apart (one token refresh).
 */

export interface RetryOptions {
  /** Total attempts including the first (the extra attempt after a 401 is not counted). 1 disables retries. Default 3. */
  readonly maxAttempts: number;
  /** Upper bound of the first backoff; doubles with every retry. Default 200 ms. */
  readonly baseDelayMs: number;
  /** Cap on a computed backoff. Default 5 000 ms. */
  readonly maxDelayMs: number;
  /** Longest `Retry-After` honoured; a server asking for more ends the retries. Default 30 000 ms. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryOptions = Object.freeze({
  maxAttempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
});

const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['get', 'head', 'options', 'put', 'delete', 'trace']);
/** Issuing a token has no side effect at D1, so the grant may be repeated like a read. */
const SIDE_EFFECT_FREE_POSTS: ReadonlySet<string> = new Set(['getToken']);
/** Body fields D1 uses to recognise a repeated request (contract 4.1 and 9.4). */
export const IDEMPOTENCY_KEY_FIELDS: readonly string[] = ['issuerRequestId'];
/** Statuses that say "try again later" without the request having taken effect. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 425, 429, 502, 503, 504]);

export function isRetrySafe(operation: { operationId: string; method: string }, body: unknown): boolean {
  const method = operation.method.toLowerCase();
  if (IDEMPOTENT_METHODS.has(method)) return true;
  if (SIDE_EFFECT_FREE_POSTS.has(operation.operationId)) return true;
  if (body === null || typeof body !== 'object') return false;
  return IDEMPOTENCY_KEY_FIELDS.some((field) => {
    const value = (body as Record<string, unknown>)[field];
    return typeof value === 'string' && value.length > 0;
  });
}

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110 10.2.3). Undefined when
 * absent or unreadable; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  // Only the HTTP-date shapes; Date.parse alone would also accept free-form text.
  if (!/^[A-Za-z]{3},? [0-9A-Za-z :-]{10,40}$/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * Exponential backoff with full jitter: a random point in [0, window], the window doubling per retry and
 * capped. Full jitter spreads a burst of clients best; `retry` counts from 1.
 */
export function backoffDelayMs(options: RetryOptions, retry: number, random: () => number): number {
  const window = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.round(window * random());
}

/**
 * The wait before the next attempt, or undefined to stop: Retry-After when the server sent one (and it
 * is within the cap), the jittered backoff otherwise.
 */
export function nextDelayMs(
  options: RetryOptions,
  retry: number,
  retryAfterMs: number | undefined,
  random: () => number,
): number | undefined {
  if (retryAfterMs !== undefined) return retryAfterMs <= options.maxRetryAfterMs ? retryAfterMs : undefined;
  return backoffDelayMs(options, retry, random);
}

export function resolveRetryOptions(input: Partial<RetryOptions> | false | undefined): RetryOptions {
  if (input === false) return { ...DEFAULT_RETRY, maxAttempts: 1 };
  const merged = { ...DEFAULT_RETRY, ...input };
  const checks: [keyof RetryOptions, number, number][] = [
    ['maxAttempts', 1, 10],
    ['baseDelayMs', 0, 60_000],
    ['maxDelayMs', 0, 300_000],
    ['maxRetryAfterMs', 0, 600_000],
  ];
  for (const [name, min, max] of checks) {
    const value = merged[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      throw new D1ClientError('CONFIG_INVALID', `retry.${name} must be a number from ${min} to ${max}`);
    }
  }
  if (!Number.isInteger(merged.maxAttempts)) {
    throw new D1ClientError('CONFIG_INVALID', 'retry.maxAttempts must be an integer');
  }
  return Object.freeze(merged);
}

/** A sleep that ends early (rejecting with the signal's reason) when the caller aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 && !signal?.aborted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
