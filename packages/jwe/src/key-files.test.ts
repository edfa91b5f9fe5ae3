import { createPrivateKey, createPublicKey } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { JweError } from './errors.js';
import { type GeneratedKeyPair, generateKeyPair } from './generate.js';
import { decrypt, encrypt } from './jwe.js';
import { loadDecryptionKeySet, loadRecipientKey, parseKeyText } from './key-files.js';

let a: GeneratedKeyPair;
let b: GeneratedKeyPair;
beforeAll(async () => {
  [a, b] = await Promise.all([generateKeyPair({ kid: 'a' }), generateKeyPair({ kid: 'b' })]);
});

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

describe('key files', () => {
  it('loads JWK, JWKS and PEM texts on both sides', async () => {
    const privatePem = createPrivateKey({ key: { ...a.privateJwk }, format: 'jwk' }).export({
      format: 'pem',
      type: 'pkcs8',
    });
    const publicPem = createPublicKey({ key: { ...a.publicJwk }, format: 'jwk' }).export({
      format: 'pem',
      type: 'spki',
    });
    const recipients = await Promise.all([
      loadRecipientKey(json(a.publicJwk)),
      loadRecipientKey(json({ keys: [a.publicJwk] })),
      loadRecipientKey(json({ keys: [b.publicJwk, a.publicJwk] }), { kid: 'a' }),
      loadRecipientKey(String(publicPem), { kid: 'a' }),
    ]);
    const keySets = await Promise.all([
      loadDecryptionKeySet(json(a.privateJwk)),
      loadDecryptionKeySet(json({ keys: [b.privateJwk, a.privateJwk] }), { currentKid: 'a' }),
      loadDecryptionKeySet(String(privatePem), { kid: 'a' }),
    ]);
    expect(keySets[1]!.currentKid).toBe('a');
    for (const recipient of recipients) {
      expect(recipient.kid).toBe('a');
      const jwe = await encrypt('{}', recipient);
      for (const keys of keySets) expect((await decrypt(jwe, keys)).kid).toBe('a');
    }
  });

  it('uses the thumbprint as kid for PEM without one', async () => {
    const publicPem = createPublicKey({ key: { ...a.publicJwk }, format: 'jwk' }).export({
      format: 'pem',
      type: 'spki',
    });
    const recipient = await loadRecipientKey(String(publicPem));
    expect(recipient.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses ambiguous or malformed files without echoing them', async () => {
    const secret = a.privateJwk.d;
    const cases: [Promise<unknown>, string][] = [
      [loadRecipientKey(json({ keys: [a.publicJwk, b.publicJwk] })), 'KEY_SET_INVALID'],
      [loadRecipientKey(json({ keys: [a.publicJwk] }), { kid: 'zzz' }), 'KEY_SET_INVALID'],
      [loadRecipientKey(json(a.privateJwk)), 'KEY_INVALID'],
      [loadDecryptionKeySet(json({ keys: [a.privateJwk] }), { kid: 'a' }), 'KEY_SET_INVALID'],
      [loadDecryptionKeySet(json({ keys: [] })), 'KEY_SET_INVALID'],
      [loadDecryptionKeySet(json({ keys: [a.privateJwk, 'x'] })), 'KEY_SET_INVALID'],
      [loadDecryptionKeySet(json({ keys: {} })), 'KEY_SET_INVALID'],
      [loadDecryptionKeySet(`{"kty":"EC","d":"${secret}"`), 'KEY_INVALID'],
      [loadDecryptionKeySet(''), 'KEY_INVALID'],
    ];
    for (const [promise, code] of cases) {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(JweError);
      expect((error as JweError).code).toBe(code);
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('tells JWK, JWKS and PEM apart', () => {
    expect(parseKeyText(' {"kty":"EC"} ').kind).toBe('single');
    expect(parseKeyText('{"keys":[{"kty":"EC"}]}').kind).toBe('jwks');
    expect(parseKeyText('-----BEGIN PUBLIC KEY-----').kind).toBe('single');
  });
});
