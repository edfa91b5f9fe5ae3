import { TokenError, type VerifiedBearer } from '@d1kit/token';
import { describe, expect, it } from 'vitest';
import { cachingVerifier } from './auth.js';

function fakeVerifier(expSeconds: number) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    async verify(token: string): Promise<VerifiedBearer> {
      calls += 1;
      if (token.startsWith('bad')) throw new TokenError('BEARER_INVALID', 'The access token is invalid');
      return { clientId: 'd1', scopes: new Set(), kid: 'k', claims: { exp: expSeconds, sub: 'd1' } };
    },
  };
}

describe('cachingVerifier', () => {
  it('remembers a success for the TTL, never past exp', async () => {
    let now = 1_000_000;
    const inner = fakeVerifier(1_000 + 30); // exp 30 s after now
    const verifier = cachingVerifier(inner, { ttlSeconds: 60, now: () => now });
    await verifier.verify('t1');
    await verifier.verify('t1');
    expect(inner.calls).toBe(1);
    now += 31_000;
    await verifier.verify('t1');
    expect(inner.calls).toBe(2);
  });

  it('expires entries after the TTL', async () => {
    let now = 0;
    const inner = fakeVerifier(10_000);
    const verifier = cachingVerifier(inner, { ttlSeconds: 5, now: () => now });
    await verifier.verify('t1');
    now += 5_001;
    await verifier.verify('t1');
    expect(inner.calls).toBe(2);
  });

  it('never caches failures and keeps its size bounded', async () => {
    const inner = fakeVerifier(Date.now() / 1000 + 900);
    const verifier = cachingVerifier(inner, { ttlSeconds: 60, maxEntries: 2 });
    await expect(verifier.verify('bad')).rejects.toMatchObject({ code: 'BEARER_INVALID' });
    await expect(verifier.verify('bad')).rejects.toMatchObject({ code: 'BEARER_INVALID' });
    expect(inner.calls).toBe(2);
    for (const token of ['a', 'b', 'c', 'a']) await verifier.verify(token);
    expect(inner.calls).toBe(2 + 4); // 'a' was evicted when 'c' came in
  });
});
