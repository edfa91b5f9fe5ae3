import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  DEFAULT_RETRY,
  isRetryableStatus,
  isRetrySafe,
  nextDelayMs,
  parseRetryAfter,
  resolveRetryOptions,
  sleep,
} from './retry.js';

describe('isRetrySafe', () => {
  it('allows idempotent methods and the token grant', () => {
    expect(isRetrySafe({ operationId: 'getCard', method: 'get' }, undefined)).toBe(true);
    expect(isRetrySafe({ operationId: 'registerCard', method: 'put' }, {})).toBe(true);
    expect(isRetrySafe({ operationId: 'getToken', method: 'post' }, {})).toBe(true);
  });

  it('allows a POST only with a non-empty issuerRequestId', () => {
    const order = { operationId: 'orderPhysicalCard', method: 'post' };
    expect(isRetrySafe(order, { issuerRequestId: 'r-1' })).toBe(true);
    expect(isRetrySafe(order, { issuerRequestId: '' })).toBe(false);
    expect(isRetrySafe(order, { issuerRequestId: 7 })).toBe(false);
    expect(isRetrySafe(order, {})).toBe(false);
    expect(isRetrySafe(order, undefined)).toBe(false);
    expect(isRetrySafe({ operationId: 'suspendCard', method: 'post' }, { reasonCode: 'CARD_LOST' })).toBe(
      false,
    );
  });

  it('retries only "try later" statuses', () => {
    for (const status of [408, 425, 429, 502, 503, 504]) expect(isRetryableStatus(status)).toBe(true);
    for (const status of [200, 400, 401, 403, 404, 409, 500, 501])
      expect(isRetryableStatus(status)).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  it('reads delta seconds and HTTP dates', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    for (const value of [null, undefined, '', '-1', '1.5', 'soon', 'tomorrow at noon', '99999999999']) {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    }
  });
});

describe('backoff', () => {
  it('stays inside a doubling, capped window', () => {
    const options = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelayMs(options, 1, () => 0.999999)).toBe(100);
    expect(backoffDelayMs(options, 3, () => 0.5)).toBe(200);
    expect(backoffDelayMs(options, 10, () => 1)).toBe(1000);
    expect(backoffDelayMs(options, 2, () => 0)).toBe(0);
  });
  it('prefers Retry-After within the cap and stops beyond it', () => {
    const options = { ...DEFAULT_RETRY, maxRetryAfterMs: 5000 };
    expect(nextDelayMs(options, 1, 4000, () => 0.5)).toBe(4000);
    expect(nextDelayMs(options, 1, 6000, () => 0.5)).toBeUndefined();
    expect(nextDelayMs(options, 1, undefined, () => 0.5)).toBe(100);
  });
});

describe('resolveRetryOptions', () => {
  it('merges and checks', () => {
    expect(resolveRetryOptions(undefined)).toEqual(DEFAULT_RETRY);
    expect(resolveRetryOptions(false).maxAttempts).toBe(1);
    expect(resolveRetryOptions({ maxAttempts: 5 }).maxAttempts).toBe(5);
    for (const bad of [
      { maxAttempts: 0 },
      { maxAttempts: 1.5 },
      { baseDelayMs: Number.NaN },
      { maxRetryAfterMs: 1e9 },
    ]) {
      expect(() => resolveRetryOptions(bad)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
  });
});

describe('sleep', () => {
  it('rejects at once for an aborted signal and early on abort', async () => {
    await expect(sleep(10, AbortSignal.abort(new Error('stop')))).rejects.toThrow('stop');
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error('later'));
    await expect(waiting).rejects.toThrow('later');
    await expect(sleep(0, undefined)).resolves.toBeUndefined();
  });
});
