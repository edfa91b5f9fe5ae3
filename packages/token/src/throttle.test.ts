import { describe, expect, it } from 'vitest';
import { FailureThrottle } from './throttle.js';

describe('FailureThrottle', () => {
  it('blocks a client after maxFailures within the window, until the window ends', () => {
    let now = 0;
    const throttle = new FailureThrottle({ maxFailures: 3, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 3; i++) {
      expect(throttle.retryAfterMs('d1')).toBe(0);
      throttle.recordFailure('d1');
      now += 1_000;
    }
    expect(throttle.retryAfterMs('d1')).toBe(57_000);
    expect(throttle.retryAfterMs('other')).toBe(0);
    now = 60_000;
    expect(throttle.retryAfterMs('d1')).toBe(0);
  });

  it('forgets failures after a success', () => {
    const throttle = new FailureThrottle({ maxFailures: 2 });
    throttle.recordFailure('d1');
    throttle.recordSuccess('d1');
    throttle.recordFailure('d1');
    expect(throttle.retryAfterMs('d1')).toBe(0);
  });

  it('keeps memory bounded, dropping expired windows before live ones', () => {
    let now = 0;
    const throttle = new FailureThrottle(
      { maxFailures: 1, windowMs: 1_000, maxTrackedClients: 100 },
      () => now,
    );
    throttle.recordFailure('target');
    for (let i = 0; i < 99; i++) throttle.recordFailure(`noise-${i}`);
    expect(throttle.size).toBe(100);
    throttle.recordFailure('one-more');
    expect(throttle.size).toBe(100);
    now = 2_000;
    for (let i = 0; i < 10_000; i++) throttle.recordFailure(`flood-${i}`);
    expect(throttle.size).toBeLessThanOrEqual(100);
  });

  it('refuses nonsense options', () => {
    expect(() => new FailureThrottle({ maxFailures: 0 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() => new FailureThrottle({ windowMs: 1.5 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
