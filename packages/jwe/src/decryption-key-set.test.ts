import { beforeAll, describe, expect, it } from 'vitest';
import { importDecryptionKeySet } from './decryption-key-set.js';
import { type GeneratedKeyPair, generateKeyPair } from './generate.js';
import { decrypt, encrypt } from './jwe.js';
import { importRecipientKey } from './recipient-key.js';

let old: GeneratedKeyPair;
let next: GeneratedKeyPair;
beforeAll(async () => {
  [old, next] = await Promise.all([generateKeyPair({ kid: 'k-2025' }), generateKeyPair({ kid: 'k-2026' })]);
});

describe('DecryptionKeySet rotation', () => {
  it('keeps decrypting with the old key while the new one is current, until the old one is removed', async () => {
    const keys = await importDecryptionKeySet([old.privateJwk]);
    expect(keys.currentKid).toBe('k-2025');
    const fromOldPeer = await encrypt('{"a":1}', await importRecipientKey(keys.currentPublicJwk));

    await keys.add(next.privateJwk, { makeCurrent: true });
    expect(keys.currentKid).toBe('k-2026');
    expect(keys.kids).toEqual(['k-2025', 'k-2026']);
    const fromNewPeer = await encrypt('{"a":2}', await importRecipientKey(keys.currentPublicJwk));
    expect((await decrypt(fromOldPeer, keys)).kid).toBe('k-2025');
    expect((await decrypt(fromNewPeer, keys)).kid).toBe('k-2026');

    keys.remove('k-2025');
    await expect(decrypt(fromOldPeer, keys)).rejects.toMatchObject({ code: 'JWE_KID_UNKNOWN' });
    expect((await decrypt(fromNewPeer, keys)).kid).toBe('k-2026');
  });

  it('publishes public keys only, current first', async () => {
    const keys = await importDecryptionKeySet([old.privateJwk, next.privateJwk], { currentKid: 'k-2026' });
    const { keys: published } = keys.publicJwks();
    expect(published.map((k) => k.kid)).toEqual(['k-2026', 'k-2025']);
    expect(JSON.stringify(published)).not.toContain(old.privateJwk.d);
    expect(published.every((k) => !('d' in k))).toBe(true);
  });

  it('files a key under an explicit kid', async () => {
    const { d: _d, kid: _kid, ...unnamed } = old.privateJwk;
    const keys = await importDecryptionKeySet([
      { key: { ...unnamed, d: old.privateJwk.d }, kid: 'from-config' },
    ]);
    expect(keys.kids).toEqual(['from-config']);
  });

  it('refuses empty sets, duplicate kids, an unknown current kid and removing the current key', async () => {
    await expect(importDecryptionKeySet([])).rejects.toMatchObject({ code: 'KEY_SET_INVALID' });
    await expect(importDecryptionKeySet([old.privateJwk, old.privateJwk])).rejects.toMatchObject({
      code: 'KEY_SET_INVALID',
    });
    await expect(importDecryptionKeySet([old.privateJwk], { currentKid: 'nope' })).rejects.toMatchObject({
      code: 'KEY_SET_INVALID',
    });
    const keys = await importDecryptionKeySet([old.privateJwk, next.privateJwk]);
    expect(() => keys.remove('k-2025')).toThrow(expect.objectContaining({ code: 'KEY_SET_INVALID' }));
    expect(() => keys.remove('nope')).toThrow(expect.objectContaining({ code: 'KEY_SET_INVALID' }));
    expect(() => keys.setCurrent('nope')).toThrow(expect.objectContaining({ code: 'KEY_SET_INVALID' }));
    await expect(keys.add(next.privateJwk)).rejects.toMatchObject({ code: 'KEY_SET_INVALID' });
    keys.setCurrent('k-2026');
    keys.remove('k-2025');
    expect(keys.has('k-2025')).toBe(false);
  });

  it('refuses public keys', async () => {
    await expect(importDecryptionKeySet([old.publicJwk])).rejects.toMatchObject({ code: 'KEY_INVALID' });
  });
});
