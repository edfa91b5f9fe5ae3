import { describe, expect, it } from 'vitest';
import { deferred } from './test-support/fake-fetch.js';
import { WorkLimiter } from './work-limiter.js';

describe('WorkLimiter', () => {
  it('runs at most `concurrency` tasks, queues `maxQueued` more and refuses the rest', async () => {
    const limiter = new WorkLimiter(2, 1);
    const gates = Array.from({ length: 3 }, () => deferred<number>());
    let started = 0;
    const runs = gates.map((gate) =>
      limiter.tryRun(() => {
        started += 1;
        return gate.promise;
      }),
    );
    expect(limiter.tryRun(async () => 0)).toBeUndefined();
    expect([started, limiter.active, limiter.queued]).toEqual([2, 2, 1]);
    gates[0]?.resolve(1);
    await runs[0];
    await Promise.resolve();
    expect([started, limiter.active, limiter.queued]).toEqual([3, 2, 0]);
    gates[1]?.resolve(2);
    gates[2]?.resolve(3);
    expect(await Promise.all(runs)).toEqual([1, 2, 3]);
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });

  it('frees the slot when a task fails', async () => {
    const limiter = new WorkLimiter(1, 0);
    await expect(limiter.tryRun(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.tryRun(async () => 'ok')).toBe('ok');
  });
});
