import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAssertionSigner, MAX_ASSERTION_LIFETIME_SECONDS } from './assertion.js';
import { D1_ENVIRONMENTS } from './environments.js';
import { p256 } from './test-support/keys.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const key = p256('issuer-key-1');

describe('createAssertionSigner', () => {
  it('signs an ES256 assertion D1 can verify with the provisioned public key', async () => {
    const signer = createAssertionSigner({
      issuerId: 'ISSUER0001',
      key,
      environment: 'staging',
      now: () => NOW,
    });
    const assertion = await signer.sign();
    expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'ES256', kid: 'issuer-key-1', typ: 'JWT' });
    const { payload } = await jwtVerify(assertion, key.publicKey, {
      algorithms: ['ES256'],
      currentDate: new Date(NOW),
      audience: 'https://api.d1-stg.thalescloud.io',
    });
    expect(payload).toMatchObject({
      iss: 'ISSUER0001',
      sub: 'ISSUER0001',
      iat: NOW / 1000,
      exp: NOW / 1000 + 300,
    });
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives every assertion its own jti', async () => {
    const signer = createAssertionSigner({ issuerId: 'ISSUER0001', key });
    const ids = new Set<unknown>();
    for (let i = 0; i < 5; i++) ids.add((await jwtVerify(await signer.sign(), key.publicKey)).payload.jti);
    expect(ids.size).toBe(5);
  });

  it.each(Object.entries(D1_ENVIRONMENTS))('defaults aud for %s to its API origin', (environment, info) => {
    const signer = createAssertionSigner({
      issuerId: 'ISSUER0001',
      key,
      environment: environment as 'production',
    });
    expect(signer.audience).toBe(info.origin);
  });

  it('lets the audience be overridden or left out', async () => {
    const custom = createAssertionSigner({
      issuerId: 'A',
      key,
      environment: 'production',
      audience: 'urn:d1',
    });
    expect((await jwtVerify(await custom.sign(), key.publicKey)).payload.aud).toBe('urn:d1');
    const none = createAssertionSigner({ issuerId: 'A', key, environment: 'production', audience: null });
    expect((await jwtVerify(await none.sign(), key.publicKey)).payload.aud).toBeUndefined();
    const noEnvironment = createAssertionSigner({ issuerId: 'A', key });
    expect(noEnvironment.audience).toBeUndefined();
  });

  it('uses the aggregator id as iss and sub in the aggregator model', async () => {
    const signer = createAssertionSigner({ issuerId: 'AGGREGATOR-7', key });
    const { payload } = await jwtVerify(await signer.sign(), key.publicKey);
    expect([payload.iss, payload.sub]).toEqual(['AGGREGATOR-7', 'AGGREGATOR-7']);
  });

  it('allows exp at most 15 minutes ahead', async () => {
    const longest = createAssertionSigner({ issuerId: 'A', key, lifetimeSeconds: 900, now: () => NOW });
    const { payload } = await jwtVerify(await longest.sign(), key.publicKey, { currentDate: new Date(NOW) });
    expect((payload.exp as number) - NOW / 1000).toBe(MAX_ASSERTION_LIFETIME_SECONDS);
    for (const lifetimeSeconds of [901, 0, -5, 1.5, Number.NaN]) {
      expect(() => createAssertionSigner({ issuerId: 'A', key, lifetimeSeconds })).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID' }),
      );
    }
  });

  it.each([
    ['an empty issuerId', { issuerId: '' }],
    ['an issuerId with spaces', { issuerId: 'ISSUER 01' }],
    ['an unknown environment', { issuerId: 'A', environment: 'prod' }],
    ['an empty audience', { issuerId: 'A', audience: '' }],
  ])('refuses %s', (_name, overrides) => {
    expect(() => createAssertionSigner({ key, ...(overrides as { issuerId: string }) })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
