import express from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KeyRing } from './key-ring.js';
import { deferred } from './test-support/fake-fetch.js';
import { p256 } from './test-support/keys.js';
import { type Listening, listen } from './test-support/servers.js';
import { createTokenEndpoint } from './token-endpoint.js';

// Each secret check waits until the test opens its gate, so "in progress" is a state, not a timing.
const gate = vi.hoisted(() => ({ open: undefined as Promise<void> | undefined, running: 0, peak: 0 }));
vi.mock('./client-secret.js', async (original) => {
  const real = await original<typeof import('./client-secret.js')>();
  return {
    ...real,
    verifyClientSecret: async (...args: Parameters<typeof real.verifyClientSecret>) => {
      gate.running += 1;
      gate.peak = Math.max(gate.peak, gate.running);
      try {
        await gate.open;
        return await real.verifyClientSecret(...args);
      } finally {
        gate.running -= 1;
      }
    },
  };
});
const { hashClientSecret } = await import('./client-secret.js');

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
let server: Listening;

beforeAll(async () => {
  const app = express();
  app.post(
    '/token',
    createTokenEndpoint({
      clients: [{ clientId: 'd1', secretHash: await hashClientSecret('right', { logN: 10, r: 8, p: 1 }) }],
      keys: new KeyRing({ current: p256('k') }),
      issuer: 'https://issuer.example',
      audience: 'https://issuer.example/d1',
      secretChecks: { concurrency: 2, maxQueued: 1 },
      throttle: { maxFailures: 100 },
    }),
  );
  server = await listen(app);
});
afterAll(() => server.close());

const send = (id: string) =>
  fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { ...FORM, authorization: basic(id, 'right') },
    body: 'grant_type=client_credentials',
  });

describe('token endpoint under a flood', () => {
  it('runs a bounded number of scrypt checks at once and answers 503 beyond its queue', async () => {
    const release = deferred<void>();
    gate.open = release.promise;
    const pending: Promise<Response>[] = [];
    try {
      pending.push(send('d1'), send('d1'));
      await vi.waitFor(() => expect(gate.running).toBe(2));
      // One more fits in the queue; the two after it cannot start a check and are refused at once.
      const answered: number[] = [];
      for (const id of ['d1', 'd1', 'ghost']) {
        pending.push(
          send(id).then((response) => {
            answered.push(response.status);
            return response;
          }),
        );
      }
      await vi.waitFor(() => expect(answered).toEqual([503, 503]));
      expect(gate.running).toBe(2);
    } finally {
      release.resolve(); // also when an expectation failed, so no request is left hanging
    }
    const responses = await Promise.all(pending);
    expect(gate.peak).toBe(2);
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 503, 503]);
    const busy = responses.find((r) => r.status === 503);
    expect(busy?.headers.get('retry-after')).toBe('1');
    expect(await busy?.json()).toMatchObject({ error: 'temporarily_unavailable' });
  });
});
