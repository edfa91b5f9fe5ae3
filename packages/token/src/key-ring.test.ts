import { describe, expect, it } from 'vitest';
import { KeyRing } from './key-ring.js';
import { p256 } from './test-support/keys.js';

describe('KeyRing', () => {
  it('resolves the current key and configured previous keys by kid', () => {
    const current = p256('k2');
    const previous = p256('k1');
    const ring = new KeyRing({ current, previous: [{ kid: 'k1', publicKey: previous.publicKey }] });
    expect(ring.signingKey.kid).toBe('k2');
    expect(ring.resolve('k2')?.equals(current.publicKey)).toBe(true);
    expect(ring.resolve('k1')?.equals(previous.publicKey)).toBe(true);
    expect(ring.resolve('k3')).toBeUndefined();
    expect(ring.kids()).toEqual(['k2', 'k1']);
  });

  it('keeps the old key verifying after rotate() until the retention period ends', () => {
    let now = 1_000_000;
    const first = p256('k1');
    const ring = new KeyRing({ current: first, now: () => now });
    ring.rotate(p256('k2'), 900);
    expect(ring.signingKey.kid).toBe('k2');
    now += 899_999;
    expect(ring.resolve('k1')?.equals(first.publicKey)).toBe(true);
    now += 1;
    expect(ring.resolve('k1')).toBeUndefined();
    expect(ring.kids()).toEqual(['k2']);
  });

  it('retires a compromised key at once but never the current one', () => {
    const ring = new KeyRing({ current: p256('k1') });
    ring.rotate(p256('k2'));
    expect(ring.retire('k1')).toBe(true);
    expect(ring.resolve('k1')).toBeUndefined();
    expect(() => ring.retire('k2')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('refuses duplicate kids', () => {
    const key = p256('k1');
    expect(() => new KeyRing({ current: key, previous: [{ kid: 'k1', publicKey: key.publicKey }] })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    const ring = new KeyRing({ current: key });
    expect(() => ring.rotate(p256('k1'))).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => ring.rotate(p256('k9'), -1)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('publishes public JWKs only', () => {
    const ring = new KeyRing({ current: p256('k1') });
    ring.rotate(p256('k2'));
    const { keys } = ring.jwks();
    expect(keys.map((key) => key.kid)).toEqual(['k2', 'k1']);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key.d).toBeUndefined();
    }
  });
});
