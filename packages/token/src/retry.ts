export interface RetryPolicy {
  /** Total HTTP attempts, including the first. */
  readonly maxAttempts: number;
  /** Upper bound of the first backoff; doubles with each retry. */
  readonly baseDelayMs: number;
  /** Cap on any single backoff. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  maxAttempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 4000,
});

/**
 * Exponential backoff with "equal jitter": half the window is fixed, half random, so retries never
 * fire at once but also never come back immediately. `retry` counts from 1.
 */
export function backoffDelayMs(policy: RetryPolicy, retry: number, random: () => number): number {
  const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(window / 2 + (window / 2) * random());
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
