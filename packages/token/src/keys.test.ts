import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TokenError } from './errors.js';
import { loadSigningKey, loadVerificationKey } from './keys.js';
import { p256 } from './test-support/keys.js';

describe('loadSigningKey', () => {
  const pair = p256('k1');

  it('accepts a KeyObject, PKCS#8 PEM, SEC1 PEM, JWK and CryptoKey', async () => {
    const pkcs8 = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const sec1 = pair.privateKey.export({ format: 'pem', type: 'sec1' }) as string;
    const jwk = pair.privateKey.export({ format: 'jwk' });
    const cryptoKey = await webcrypto.subtle.importKey(
      'jwk',
      jwk,
      { name: 'ECDSA', namedCurve: 'P-256' },
      true,
      ['sign'],
    );
    for (const privateKey of [pair.privateKey, pkcs8, sec1, jwk, cryptoKey]) {
      const key = loadSigningKey({ kid: 'k1', privateKey });
      expect(key.kid).toBe('k1');
      expect(key.privateKey.export({ format: 'jwk' }).d).toBe(jwk.d);
    }
  });

  it.each([
    ['an RSA key', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey],
    ['a P-384 key', generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey],
    ['an Ed25519 key', generateKeyPairSync('ed25519').privateKey],
    ['a public key', p256('x').publicKey],
  ])('refuses %s', (_name, privateKey) => {
    expect(() => loadSigningKey({ kid: 'k', privateKey })).toThrow(
      expect.objectContaining({ code: 'KEY_INVALID' }),
    );
  });

  it('refuses unreadable PEM without quoting it', () => {
    const garbage = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LW1hdGVyaWFs\n-----END PRIVATE KEY-----';
    try {
      loadSigningKey({ kid: 'k', privateKey: garbage });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TokenError);
      expect((error as TokenError).code).toBe('KEY_INVALID');
      expect(String((error as Error).message)).not.toContain('c2VjcmV0');
    }
  });

  it.each([[''], ['with space'], ['x'.repeat(257)], [42]])('refuses the kid %j', (kid) => {
    expect(() => loadSigningKey({ kid: kid as string, privateKey: pair.privateKey })).toThrow(
      expect.objectContaining({ code: 'KEY_INVALID' }),
    );
  });
});

describe('loadVerificationKey', () => {
  it('takes the public half of a private JWK instead of the private key', () => {
    const pair = p256('k1');
    const key = loadVerificationKey({ kid: 'k1', publicKey: pair.privateKey.export({ format: 'jwk' }) });
    expect(key.publicKey.type).toBe('public');
    expect(key.publicKey.export({ format: 'jwk' }).x).toBe(pair.publicKey.export({ format: 'jwk' }).x);
  });

  it('accepts a PEM certificate-less SPKI key and refuses an RSA one', () => {
    const pair = p256('k1');
    const spki = pair.publicKey.export({ format: 'pem', type: 'spki' }) as string;
    expect(loadVerificationKey({ kid: 'k1', publicKey: spki }).kid).toBe('k1');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(() => loadVerificationKey({ kid: 'k1', publicKey: rsa })).toThrow(
      expect.objectContaining({ code: 'KEY_INVALID' }),
    );
  });
});
